/**
 * A validator for kubelet Summary API payloads (stats/v1alpha1), written from the field names and JSON tags
 * of kubernetes' staging/src/k8s.io/kubelet/pkg/apis/stats/v1alpha1/types.go (including the later additions
 * swap, runtime.containerFs and volume health). It answers the list of problems found, empty when valid.
 */
type Shape = { [field: string]: FieldType };
type FieldType = 'string' | 'time' | 'uint' | 'float' | Shape | [Shape] | ['string'];

const time = 'time' as const;
const uint = 'uint' as const;
const CPU: Shape = { time, usageNanoCores: uint, usageCoreNanoSeconds: uint };
const MEMORY: Shape = {
  time,
  availableBytes: uint,
  usageBytes: uint,
  workingSetBytes: uint,
  rssBytes: uint,
  pageFaults: uint,
  majorPageFaults: uint,
};
const FS: Shape = {
  time,
  availableBytes: uint,
  capacityBytes: uint,
  usedBytes: uint,
  inodesFree: uint,
  inodes: uint,
  inodesUsed: uint,
};
const SWAP: Shape = { time, swapAvailableBytes: uint, swapUsageBytes: uint };
const INTERFACE: Shape = { name: 'string', rxBytes: uint, rxErrors: uint, txBytes: uint, txErrors: uint };
const NETWORK: Shape = { time, ...INTERFACE, interfaces: [INTERFACE] };
const ACCELERATOR: Shape = {
  make: 'string',
  model: 'string',
  id: 'string',
  memoryTotal: uint,
  memoryUsed: uint,
  dutyCycle: uint,
};
const USER_METRIC: Shape = {
  name: 'string',
  type: 'string',
  units: 'string',
  labels: {},
  time,
  value: 'float',
};
const CONTAINER: Shape = {
  name: 'string',
  startTime: time,
  cpu: CPU,
  memory: MEMORY,
  accelerators: [ACCELERATOR],
  rootfs: FS,
  logs: FS,
  userDefinedMetrics: [USER_METRIC],
  swap: SWAP,
};
const VOLUME: Shape = {
  ...FS,
  name: 'string',
  pvcRef: { name: 'string', namespace: 'string' },
  volumeHealthStats: { abnormal: 'string' },
};
const POD: Shape = {
  podRef: { name: 'string', namespace: 'string', uid: 'string' },
  startTime: time,
  containers: [CONTAINER],
  cpu: CPU,
  memory: MEMORY,
  network: NETWORK,
  volume: [VOLUME],
  'ephemeral-storage': FS,
  process_stats: { process_count: uint },
  swap: SWAP,
};
const NODE: Shape = {
  nodeName: 'string',
  systemContainers: [CONTAINER],
  startTime: time,
  cpu: CPU,
  memory: MEMORY,
  network: NETWORK,
  fs: FS,
  runtime: { imageFs: FS, containerFs: FS },
  rlimit: { time, maxpid: uint, curproc: uint },
  swap: SWAP,
};
export const SUMMARY: Shape = { node: NODE, pods: [POD] };

/** Fields the Go types do not mark omitempty: present in every valid payload. */
const REQUIRED: Record<string, readonly string[]> = {
  summary: ['node', 'pods'],
  node: ['nodeName', 'startTime'],
  pod: ['podRef', 'startTime', 'containers'],
  container: ['name', 'startTime'],
  stat: ['time'],
};

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function validateSummary(payload: unknown): string[] {
  const problems: string[] = [];
  check(payload, SUMMARY, '$', problems);
  return problems;
}

function requiredFor(shape: Shape): readonly string[] {
  if (shape === SUMMARY) return REQUIRED['summary'] as string[];
  if (shape === NODE) return REQUIRED['node'] as string[];
  if (shape === POD) return REQUIRED['pod'] as string[];
  if (shape === CONTAINER) return REQUIRED['container'] as string[];
  if ('time' in shape) return REQUIRED['stat'] as string[];
  return [];
}

function check(value: unknown, type: FieldType, path: string, problems: string[]): void {
  if (type === 'string') {
    if (typeof value !== 'string') problems.push(`${path}: expected a string, got ${JSON.stringify(value)}`);
  } else if (type === 'time') {
    if (typeof value !== 'string' || !RFC3339.test(value))
      problems.push(`${path}: expected an RFC 3339 time, got ${JSON.stringify(value)}`);
  } else if (type === 'uint') {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
      problems.push(`${path}: expected an unsigned integer, got ${JSON.stringify(value)}`);
  } else if (type === 'float') {
    if (typeof value !== 'number') problems.push(`${path}: expected a number, got ${JSON.stringify(value)}`);
  } else if (Array.isArray(type)) {
    if (!Array.isArray(value)) {
      problems.push(`${path}: expected an array`);
      return;
    }
    value.forEach((item, i) => check(item, type[0] as FieldType, `${path}[${i}]`, problems));
  } else {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${path}: expected an object`);
      return;
    }
    if (Object.keys(type).length === 0) return; // a free-form map (labels)
    for (const [key, v] of Object.entries(value)) {
      const fieldType = type[key];
      if (fieldType === undefined) problems.push(`${path}.${key}: not a field of stats/v1alpha1`);
      else check(v, fieldType, `${path}.${key}`, problems);
    }
    for (const key of requiredFor(type))
      if (!(key in value)) problems.push(`${path}.${key}: required field missing`);
  }
}
