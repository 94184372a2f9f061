import { ConfigError, Problems } from '../config/config-error.js';
import { parseSink } from '../config/sink-uri.js';
import { splitUriList } from '../config/uri.js';
import { readDuration, readInt } from '../config/values.js';
import { DEFAULT_EVENTS, DEFAULT_TIMING, SCHEDULER_MIN_MS, type PlanInputs } from './usage-model.js';

/**
 * The plan's flags as strings (the command line's), read into PlanInputs with every problem reported at
 * once. Sink URIs are read as the SINKS variable is, so the caller can name the flag in their messages.
 */
export type PlanFlagValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

export interface PlanFlag {
  readonly flag: string;
  readonly value: string;
  readonly help: string;
}

/** Defaults: the infra's (function size and timeout, no sharding) and Heapster's benchmark cluster (30 pods a node). */
export const PLAN_FLAGS: readonly PlanFlag[] = [
  { flag: 'nodes', value: 'N', help: 'nodes in the cluster (required)' },
  { flag: 'pods-per-node', value: 'N', help: 'pods per node (30)' },
  { flag: 'containers-per-pod', value: 'N', help: 'containers per pod (2)' },
  { flag: 'volumes-per-pod', value: 'N', help: 'volumes per pod, the service account token included (1)' },
  { flag: 'namespaces', value: 'N', help: 'namespaces with pods (10)' },
  { flag: 'system-containers', value: 'N', help: 'system containers the kubelet reports per node (4)' },
  { flag: 'resolution', value: 'D', help: 'time between rounds: 15s, 30s, 1m, 5m ... (60s)' },
  {
    flag: 'sinks',
    value: 'URI',
    help: 'metric sinks as in SINKS, e.g. gcm or gcm?levels=pod,node (gcm); repeatable',
  },
  {
    flag: 'shard-size',
    value: 'N',
    help: 'sharding on: larger clusters are scraped in shards of this many nodes (off)',
  },
  { flag: 'timeout', value: 'D', help: "the scrape function's timeout (50s)" },
  {
    flag: 'firestore-database',
    value: 'ID',
    help: 'the Firestore database: only (default) has a free quota (heapster)',
  },
  { flag: 'scrape-cpu', value: 'N', help: "the scrape function's vCPUs (1)" },
  { flag: 'scrape-memory', value: 'Q', help: "the scrape function's memory, like 1Gi or 512Mi (1Gi)" },
  { flag: 'cpu-ms-per-node', value: 'X', help: `scrape CPU ms per node (${DEFAULT_TIMING.cpuMsPerNode})` },
  {
    flag: 'cpu-ms-per-1000-points',
    value: 'X',
    help: `gcm sink CPU ms per 1000 points (${DEFAULT_TIMING.cpuMsPerThousandPoints})`,
  },
  {
    flag: 'events-per-node-hour',
    value: 'X',
    help: `Kubernetes events per node per hour (${DEFAULT_EVENTS.perNodeHour})`,
  },
];

const DEFAULTS = {
  podsPerNode: 30,
  containersPerPod: 2,
  volumesPerPod: 1,
  namespaces: 10,
  systemContainers: 4,
  resolutionMs: 60_000,
  sinks: 'gcm',
  functionTimeoutMs: 50_000,
  scrapeCpu: 1,
  scrapeMemoryGiB: 1,
  firestoreDatabase: 'heapster',
  counterBytesPerEntity: 30,
  logBytesPerInvocation: 2_048,
} as const;

/** Reads the flags; throws a ConfigError naming every problem. Sink problems name the SINKS variable. */
export function parsePlanOptions(values: PlanFlagValues): PlanInputs {
  const problems = new Problems();
  const text = (flag: string): string | undefined => {
    const v = values[flag];
    return Array.isArray(v) ? v.map(String).join(' ') : v === undefined ? undefined : String(v);
  };
  const int = (flag: string, fallback: number, min: number, max: number): number =>
    readInt(problems, `--${flag}`, text(flag), fallback, { min, max });
  const decimal = (flag: string, fallback: number, min: number, max: number): number =>
    readDecimal(problems, `--${flag}`, text(flag), fallback, { min, max });

  if (text('nodes') === undefined) problems.add('--nodes', 'is required: the number of nodes', '--nodes=100');
  const nodes = int('nodes', 100, 1, 100_000);
  const shape = {
    nodes,
    podsPerNode: int('pods-per-node', DEFAULTS.podsPerNode, 0, 1_000),
    containersPerPod: int('containers-per-pod', DEFAULTS.containersPerPod, 1, 100),
    volumesPerPod: int('volumes-per-pod', DEFAULTS.volumesPerPod, 0, 100),
    namespaces: int('namespaces', DEFAULTS.namespaces, 1, 100_000),
    systemContainersPerNode: int('system-containers', DEFAULTS.systemContainers, 0, 20),
  };
  const resolutionMs = readResolution(problems, text('resolution'));
  const sinksText = text('sinks') ?? DEFAULTS.sinks;
  const sinks = splitUriList(sinksText).flatMap((s) => parseSink(problems, 'SINKS', s) ?? []);
  if (splitUriList(sinksText).length === 0) problems.add('SINKS', 'no sink given', 'SINKS=gcm');

  const inputs: PlanInputs = {
    shape,
    resolutionMs,
    sinks,
    shardSize: text('shard-size') === undefined ? undefined : int('shard-size', 250, 10, 5_000),
    functionTimeoutMs: readDuration(problems, '--timeout', text('timeout'), DEFAULTS.functionTimeoutMs, {
      minMs: 20_000,
      maxMs: 1_790_000,
    }),
    firestoreDatabase: readDatabase(problems, text('firestore-database')),
    scrape: {
      vcpu: decimal('scrape-cpu', DEFAULTS.scrapeCpu, 0.08, 8),
      memoryGiB: readMemory(problems, '--scrape-memory', text('scrape-memory'), DEFAULTS.scrapeMemoryGiB),
    },
    timing: {
      ...DEFAULT_TIMING,
      cpuMsPerNode: decimal('cpu-ms-per-node', DEFAULT_TIMING.cpuMsPerNode, 0, 10_000),
      cpuMsPerThousandPoints: decimal(
        'cpu-ms-per-1000-points',
        DEFAULT_TIMING.cpuMsPerThousandPoints,
        0,
        10_000,
      ),
    },
    events:
      values['no-events'] === true
        ? undefined
        : {
            ...DEFAULT_EVENTS,
            perNodeHour: decimal('events-per-node-hour', DEFAULT_EVENTS.perNodeHour, 0, 100_000),
          },
    counterBytesPerEntity: DEFAULTS.counterBytesPerEntity,
    logBytesPerInvocation: DEFAULTS.logBytesPerInvocation,
  };
  return problems.result(inputs);
}

/**
 * A resolution the scrape can keep: under a minute it divides the minute (one scheduled invocation runs
 * the minute's rounds), from a minute up it is whole minutes dividing an hour (the scheduler's cron).
 */
function readResolution(problems: Problems, raw: string | undefined): number {
  const ms = readDuration(problems, '--resolution', raw, DEFAULTS.resolutionMs, {
    minMs: 5_000,
    maxMs: 3_600_000,
  });
  const fits =
    ms < SCHEDULER_MIN_MS ? SCHEDULER_MIN_MS % ms === 0 : ms % 60_000 === 0 && 3_600_000 % ms === 0;
  if (!fits) {
    problems.add(
      '--resolution',
      `${raw} must divide a minute (like 15s or 30s) or be whole minutes that divide an hour (like 1m or 5m)`,
      '--resolution=30s',
    );
    return DEFAULTS.resolutionMs;
  }
  return ms;
}

/** Firestore database IDs as the infra takes them. */
function readDatabase(problems: Problems, raw: string | undefined): string {
  if (raw === undefined) return DEFAULTS.firestoreDatabase;
  if (raw === '(default)' || /^[a-z][a-z0-9-]{2,61}[a-z0-9]$/.test(raw)) return raw;
  problems.add(
    '--firestore-database',
    `"${raw}" is not (default) or 4-63 lowercase letters, digits and "-"`,
    '--firestore-database=heapster',
  );
  return DEFAULTS.firestoreDatabase;
}

function readDecimal(
  problems: Problems,
  flag: string,
  raw: string | undefined,
  fallback: number,
  bounds: { min: number; max: number },
): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(raw) || n < bounds.min || n > bounds.max) {
    problems.add(
      flag,
      `"${raw}" must be a number from ${bounds.min} to ${bounds.max}`,
      `${flag}=${fallback}`,
    );
    return fallback;
  }
  return n;
}

/** Kubernetes-style memory quantities as Cloud Run takes them: 512Mi, 1Gi. Answers GiB. */
function readMemory(problems: Problems, flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const m = /^(\d+)(Mi|Gi)$/.exec(raw.trim());
  const gib = m === null ? NaN : Number(m[1]) / (m[2] === 'Gi' ? 1 : 1024);
  if (!(gib >= 0.125 && gib <= 32)) {
    problems.add(flag, `"${raw}" must be a memory size from 128Mi to 32Gi, like 512Mi or 1Gi`, `${flag}=1Gi`);
    return fallback;
  }
  return gib;
}

export { ConfigError };
