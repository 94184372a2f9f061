/**
 * The metric catalogue: every metric this project emits, defined once. Names, units, kinds and levels follow
 * Heapster's storage schema so that Heapster's InfluxDB dashboards and GCM queries keep working. Every stage and
 * every sink reads this table; docs/metrics.md is rendered from it (scripts/gen-metrics-doc.ts).
 *
 * A metric's value type never changes: InfluxDB rejects a field whose type differs from the one first written.
 */

/** Heapster's `type` label: the kind of entity a metric set describes. */
export const METRIC_SET_TYPES = ['pod_container', 'pod', 'ns', 'node', 'sys_container', 'cluster'] as const;
export type MetricSetType = (typeof METRIC_SET_TYPES)[number];
export const isMetricSetType = (value: unknown): value is MetricSetType =>
  (METRIC_SET_TYPES as readonly unknown[]).includes(value);

export const METRIC_KINDS = ['gauge', 'cumulative'] as const;
export type MetricKind = (typeof METRIC_KINDS)[number];

export const VALUE_TYPES = ['int', 'double'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export const UNITS = [
  'nanoseconds',
  'milliseconds',
  'millicores',
  'bytes',
  'count',
  'ratio',
  'percent',
  'bytes_per_second',
  'count_per_second',
] as const;
export type Unit = (typeof UNITS)[number];

/** A suggested UCUM unit string per unit (what Cloud Monitoring metric descriptors expect). */
export const UNIT_UCUM: Readonly<Record<Unit, string>> = {
  nanoseconds: 'ns',
  milliseconds: 'ms',
  millicores: '{millicores}',
  bytes: 'By',
  count: '1',
  ratio: '1',
  percent: '%',
  bytes_per_second: 'By/s',
  count_per_second: '1/s',
};

/** Labels that vary per point within one metric set (all other labels belong to the set). */
export const POINT_LABEL_KEYS = ['resource_id', 'make', 'model', 'accelerator_id'] as const;
export type PointLabelKey = (typeof POINT_LABEL_KEYS)[number];

export interface MetricDefinition {
  readonly name: string;
  readonly description: string;
  readonly unit: Unit;
  readonly kind: MetricKind;
  readonly valueType: ValueType;
  readonly levels: readonly MetricSetType[];
  /** Per-point labels; empty for metrics with one value per metric set. */
  readonly pointLabels: readonly PointLabelKey[];
  /** For a rate: the cumulative metric it is derived from. */
  readonly rateOf?: string;
}

const CONTAINERS_PODS_NODES = ['pod_container', 'pod', 'node', 'sys_container'] as const;
const EVERY_LEVEL_BUT_SYS = ['pod_container', 'pod', 'ns', 'node', 'cluster'] as const;
const ALL_LEVELS = ['pod_container', 'pod', 'ns', 'node', 'sys_container', 'cluster'] as const;
const PODS_NODES = ['pod', 'node'] as const;
const NODE = ['node'] as const;
const DISK_LEVELS = ['pod_container', 'node', 'sys_container'] as const;
const FS = ['resource_id'] as const;
const ACCELERATOR = ['make', 'model', 'accelerator_id'] as const;
const NONE = [] as const;

export const METRICS = [
  {
    name: 'uptime',
    description:
      "Milliseconds since the entity started: the round's time minus the kubelet's startTime (cAdvisor: " +
      "the container's creation_time).",
    unit: 'milliseconds',
    kind: 'cumulative',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'cpu/usage',
    description: 'CPU time consumed on all cores since the entity started (usageCoreNanoSeconds).',
    unit: 'nanoseconds',
    kind: 'cumulative',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'cpu/usage_rate',
    description:
      'CPU usage on all cores in millicores, from the change of cpu/usage between two rounds over the ' +
      "change of the stat's own time. Summed over pods for namespaces and over nodes for the cluster.",
    unit: 'millicores',
    kind: 'gauge',
    valueType: 'int',
    levels: ALL_LEVELS,
    pointLabels: NONE,
    rateOf: 'cpu/usage',
  },
  {
    name: 'cpu/load',
    description:
      "CPU load in milliloads: runnable threads times 1000, smoothed over about 10 s (cAdvisor's " +
      'load_average; cAdvisor sources only).',
    unit: 'count',
    kind: 'gauge',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'cpu/request',
    description: 'CPU requested in the pod spec (0 when a container requests none); summed above containers.',
    unit: 'millicores',
    kind: 'gauge',
    valueType: 'int',
    levels: EVERY_LEVEL_BUT_SYS,
    pointLabels: NONE,
  },
  {
    name: 'cpu/limit',
    description: 'CPU limit in the pod spec (0 when a container has none); summed above containers.',
    unit: 'millicores',
    kind: 'gauge',
    valueType: 'int',
    levels: EVERY_LEVEL_BUT_SYS,
    pointLabels: NONE,
  },
  {
    name: 'cpu/node_capacity',
    description: "The node's CPU capacity (status.capacity).",
    unit: 'millicores',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'cpu/node_allocatable',
    description: 'CPU the node can allocate to pods (status.allocatable).',
    unit: 'millicores',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'cpu/node_reservation',
    description: "Share of the node's allocatable CPU requested by its pods.",
    unit: 'ratio',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'cpu/node_utilization',
    description: "The node's cpu/usage_rate as a share of its allocatable CPU.",
    unit: 'ratio',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'memory/usage',
    description:
      'Memory in use, page cache included (usageBytes). Summed over pods for namespaces and over nodes ' +
      'for the cluster.',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: ALL_LEVELS,
    pointLabels: NONE,
  },
  {
    name: 'memory/working_set',
    description: 'Memory recently used that the kernel cannot easily reclaim (workingSetBytes).',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'memory/rss',
    description: 'Anonymous and swap cache memory (rssBytes).',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'memory/cache',
    description:
      "Memory charged for page cache: cAdvisor's cache; from the Summary API, which has no cache field, " +
      'usageBytes minus rssBytes (absent when either is missing or rss exceeds usage).',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'memory/page_faults',
    description: 'Minor page faults since the entity started (pageFaults).',
    unit: 'count',
    kind: 'cumulative',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'memory/page_faults_rate',
    description: 'Minor page faults per second, from the change of memory/page_faults between two rounds.',
    unit: 'count_per_second',
    kind: 'gauge',
    valueType: 'double',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: NONE,
    rateOf: 'memory/page_faults',
  },
  {
    name: 'memory/major_page_faults',
    description: 'Major page faults since the entity started (majorPageFaults).',
    unit: 'count',
    kind: 'cumulative',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'memory/major_page_faults_rate',
    description: 'Major page faults per second, from the change of memory/major_page_faults.',
    unit: 'count_per_second',
    kind: 'gauge',
    valueType: 'double',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: NONE,
    rateOf: 'memory/major_page_faults',
  },
  {
    name: 'memory/request',
    description:
      'Memory requested in the pod spec (0 when a container requests none); summed above containers.',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: EVERY_LEVEL_BUT_SYS,
    pointLabels: NONE,
  },
  {
    name: 'memory/limit',
    description: 'Memory limit in the pod spec (0 when a container has none); summed above containers.',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: EVERY_LEVEL_BUT_SYS,
    pointLabels: NONE,
  },
  {
    name: 'memory/node_capacity',
    description: "The node's memory capacity (status.capacity).",
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'memory/node_allocatable',
    description: 'Memory the node can allocate to pods (status.allocatable).',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'memory/node_reservation',
    description: "Share of the node's allocatable memory requested by its pods.",
    unit: 'ratio',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'memory/node_utilization',
    description: "The node's memory/usage as a share of its allocatable memory.",
    unit: 'ratio',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'network/rx',
    description:
      'Bytes received on the default interface since the entity started (rxBytes); from cAdvisor, summed ' +
      'over the interfaces of the network namespace.',
    unit: 'bytes',
    kind: 'cumulative',
    valueType: 'int',
    levels: PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'network/rx_rate',
    description: 'Bytes received per second, from the change of network/rx.',
    unit: 'bytes_per_second',
    kind: 'gauge',
    valueType: 'double',
    levels: PODS_NODES,
    pointLabels: NONE,
    rateOf: 'network/rx',
  },
  {
    name: 'network/rx_errors',
    description: 'Receive errors on the default interface since the entity started (rxErrors).',
    unit: 'count',
    kind: 'cumulative',
    valueType: 'int',
    levels: PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'network/rx_errors_rate',
    description: 'Receive errors per second, from the change of network/rx_errors.',
    unit: 'count_per_second',
    kind: 'gauge',
    valueType: 'double',
    levels: PODS_NODES,
    pointLabels: NONE,
    rateOf: 'network/rx_errors',
  },
  {
    name: 'network/tx',
    description:
      'Bytes sent on the default interface since the entity started (txBytes); from cAdvisor, summed over ' +
      'the interfaces of the network namespace.',
    unit: 'bytes',
    kind: 'cumulative',
    valueType: 'int',
    levels: PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'network/tx_rate',
    description: 'Bytes sent per second, from the change of network/tx.',
    unit: 'bytes_per_second',
    kind: 'gauge',
    valueType: 'double',
    levels: PODS_NODES,
    pointLabels: NONE,
    rateOf: 'network/tx',
  },
  {
    name: 'network/tx_errors',
    description: 'Transmit errors on the default interface since the entity started (txErrors).',
    unit: 'count',
    kind: 'cumulative',
    valueType: 'int',
    levels: PODS_NODES,
    pointLabels: NONE,
  },
  {
    name: 'network/tx_errors_rate',
    description: 'Transmit errors per second, from the change of network/tx_errors.',
    unit: 'count_per_second',
    kind: 'gauge',
    valueType: 'double',
    levels: PODS_NODES,
    pointLabels: NONE,
    rateOf: 'network/tx_errors',
  },
  {
    name: 'filesystem/usage',
    description:
      'Bytes used on a filesystem (usedBytes). resource_id: "/" for the node or container root ' +
      'filesystem, "logs" for container logs, "Volume:<name>" for a pod volume.',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: FS,
  },
  {
    name: 'filesystem/limit',
    description: 'Total size of the filesystem (capacityBytes).',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: FS,
  },
  {
    name: 'filesystem/available',
    description: 'Bytes still available on the filesystem (availableBytes).',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: FS,
  },
  {
    name: 'filesystem/inodes',
    description: 'Total inodes of the filesystem (inodes).',
    unit: 'count',
    kind: 'gauge',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: FS,
  },
  {
    name: 'filesystem/inodes_free',
    description: 'Free inodes of the filesystem (inodesFree).',
    unit: 'count',
    kind: 'gauge',
    valueType: 'int',
    levels: CONTAINERS_PODS_NODES,
    pointLabels: FS,
  },
  {
    name: 'disk/io_read_bytes',
    description:
      'Bytes read from a block device since the entity started (cAdvisor\'s io_service_bytes "Read"; ' +
      'cAdvisor sources only). resource_id: the device, or "major:minor" when cAdvisor names none.',
    unit: 'bytes',
    kind: 'cumulative',
    valueType: 'int',
    levels: DISK_LEVELS,
    pointLabels: FS,
  },
  {
    name: 'disk/io_read_bytes_rate',
    description: 'Bytes read from a block device per second, from the change of disk/io_read_bytes.',
    unit: 'bytes_per_second',
    kind: 'gauge',
    valueType: 'double',
    levels: DISK_LEVELS,
    pointLabels: FS,
    rateOf: 'disk/io_read_bytes',
  },
  {
    name: 'disk/io_write_bytes',
    description:
      'Bytes written to a block device since the entity started (io_service_bytes "Write"; cAdvisor ' +
      'sources only).',
    unit: 'bytes',
    kind: 'cumulative',
    valueType: 'int',
    levels: DISK_LEVELS,
    pointLabels: FS,
  },
  {
    name: 'disk/io_write_bytes_rate',
    description: 'Bytes written to a block device per second, from the change of disk/io_write_bytes.',
    unit: 'bytes_per_second',
    kind: 'gauge',
    valueType: 'double',
    levels: DISK_LEVELS,
    pointLabels: FS,
    rateOf: 'disk/io_write_bytes',
  },
  {
    name: 'ephemeral_storage/usage',
    description:
      'Local ephemeral storage in use: the pod\'s "ephemeral-storage" usedBytes, a container\'s rootfs ' +
      "plus logs usedBytes, the node's root filesystem usedBytes.",
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: ['pod_container', 'pod', 'node'],
    pointLabels: NONE,
  },
  {
    name: 'ephemeral_storage/request',
    description: 'Local ephemeral storage requested in the pod spec (0 when none); summed above containers.',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: ['pod_container', 'pod', 'node'],
    pointLabels: NONE,
  },
  {
    name: 'ephemeral_storage/limit',
    description: 'Local ephemeral storage limit in the pod spec (0 when none); summed above containers.',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: ['pod_container', 'pod', 'node'],
    pointLabels: NONE,
  },
  {
    name: 'ephemeral_storage/node_capacity',
    description: "The node's local ephemeral storage capacity (status.capacity).",
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'ephemeral_storage/node_allocatable',
    description: 'Local ephemeral storage the node can allocate to pods (status.allocatable).',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'ephemeral_storage/node_reservation',
    description: "Share of the node's allocatable ephemeral storage requested by its pods.",
    unit: 'ratio',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'ephemeral_storage/node_utilization',
    description: "The node's ephemeral_storage/usage as a share of its allocatable ephemeral storage.",
    unit: 'ratio',
    kind: 'gauge',
    valueType: 'double',
    levels: NODE,
    pointLabels: NONE,
  },
  {
    name: 'accelerator/memory_total',
    description: 'Memory of an accelerator attached to the container (memoryTotal).',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: ['pod_container'],
    pointLabels: ACCELERATOR,
  },
  {
    name: 'accelerator/memory_used',
    description: 'Accelerator memory allocated (memoryUsed).',
    unit: 'bytes',
    kind: 'gauge',
    valueType: 'int',
    levels: ['pod_container'],
    pointLabels: ACCELERATOR,
  },
  {
    name: 'accelerator/duty_cycle',
    description: "Percent of the kubelet's sample window in which the accelerator was busy (dutyCycle).",
    unit: 'percent',
    kind: 'gauge',
    valueType: 'int',
    levels: ['pod_container'],
    pointLabels: ACCELERATOR,
  },
  {
    name: 'accelerator/request',
    description:
      'Accelerator devices requested in the pod spec (nvidia.com/gpu, amd.com/gpu); summed for pods.',
    unit: 'count',
    kind: 'gauge',
    valueType: 'int',
    levels: ['pod_container', 'pod'],
    pointLabels: NONE,
  },
  {
    name: 'restart_count',
    description: 'Times the container restarted (containerStatuses[].restartCount); summed for pods.',
    unit: 'count',
    kind: 'gauge',
    valueType: 'int',
    levels: ['pod_container', 'pod'],
    pointLabels: NONE,
  },
] as const satisfies readonly MetricDefinition[];

export type MetricName = (typeof METRICS)[number]['name'];

/** Number of metrics; also the width of one metric set's row of values. */
export const METRIC_COUNT = METRICS.length;

const idByName = new Map<string, number>(METRICS.map((m, i) => [m.name, i]));

/** The metric's index in METRICS (its column in a metric set's row of values). */
export function metricId(name: MetricName): number {
  return idByName.get(name) as number;
}

/** The index of a metric by a name from outside (config, queries); undefined when unknown. */
export function findMetricId(name: string): number | undefined {
  return idByName.get(name);
}

export function metricAt(id: number): MetricDefinition {
  return METRICS[id] as MetricDefinition;
}

export const isMetricName = (value: unknown): value is MetricName =>
  typeof value === 'string' && idByName.has(value);
