import { METRIC_COUNT, metricId } from './catalogue.js';
import { entityKey } from './entity-key.js';
import {
  CPU_TIME,
  MEMORY_TIME,
  NETWORK_TIME,
  START_TIME,
  TIME_COUNT,
  type MetricSet,
  type NodeSamples,
} from './model.js';

/**
 * Derive: the time-dependent values of a round, from the previous round's counters (state in, state out).
 *
 * Rates follow Heapster's rate calculator: a rate needs the same entity in the previous round, the same
 * startTime (else the container or pod restarted), a stat time strictly later than before, and a counter
 * that did not go down. Each rate uses its own stat's `time` (cpu, memory and network are stamped apart).
 * cpu/usage_rate comes from usageCoreNanoSeconds, never from usageNanoCores, which is often 0 under
 * containerd. uptime is the round's timestamp minus the entity's startTime.
 */

/**
 * The counters of one node's entities at the previous round: a row of ROW_WIDTH numbers per entity key.
 * One node's state is independent of every other node's, so a sharded scrape owns the states of its nodes.
 * encodeCounters/decodeCounters turn it into a few bytes per entity for storage.
 */
export interface NodeCounters {
  /** 48-bit entity keys (see entityKey), one per row. */
  readonly keys: Float64Array;
  /** keys.length * ROW_WIDTH numbers in COLUMNS order; NaN = absent. */
  readonly rows: Float64Array;
}

/** Columns of a counter row: the entity's start, then per stat group its time and counters. */
export const COLUMNS = [
  'startTime',
  'cpuTime',
  'cpu/usage',
  'memoryTime',
  'memory/page_faults',
  'memory/major_page_faults',
  'networkTime',
  'network/rx',
  'network/rx_errors',
  'network/tx',
  'network/tx_errors',
] as const;
export const ROW_WIDTH = COLUMNS.length;
/** Columns that hold times (milliseconds since the epoch); the others hold counters. */
export const TIME_COLUMNS: readonly number[] = [0, 1, 3, 6];

export const NO_COUNTERS: NodeCounters = { keys: new Float64Array(0), rows: new Float64Array(0) };

/**
 * Arrays that counters are decoded or derived into, reused from node to node (grown as needed): for a caller
 * that is done with one node's counters before it asks for the next, as the scrape is. Reused arrays keep
 * ~10 KiB per node and round off the allocator, whose outside-the-heap bytes drive V8's full collections.
 */
export class CounterRows {
  private keys = new Float64Array(0);
  private rows = new Float64Array(0);

  /** Views for `n` entities, every row NaN; valid until the next take. */
  take(n: number): NodeCounters {
    if (this.keys.length < n) {
      this.keys = new Float64Array(n * 2);
      this.rows = new Float64Array(n * 2 * ROW_WIDTH);
    }
    return { keys: this.keys.subarray(0, n), rows: this.rows.subarray(0, n * ROW_WIDTH).fill(NaN) };
  }
}

/** Counters for `n` entities, every row NaN: fresh arrays, or views of `into`'s. */
export function counterRows(n: number, into?: CounterRows): NodeCounters {
  if (into !== undefined) return into.take(n);
  return { keys: new Float64Array(n), rows: new Float64Array(n * ROW_WIDTH).fill(NaN) };
}

export interface DeriveResult {
  readonly samples: NodeSamples;
  readonly next: NodeCounters;
  /** Rates withheld because a counter went down or an entity's startTime changed. */
  readonly resets: number;
}

interface Counter {
  readonly column: number;
  readonly metric: number;
  readonly rate: number;
  /** Multiplies (counter change / milliseconds) into the rate's unit. */
  readonly factor: number;
  readonly integer: boolean;
}

interface Group {
  readonly timeColumn: number;
  /** Which of a set's times (CPU_TIME, ...) the group's stats were read at. */
  readonly time: number;
  readonly counters: readonly Counter[];
}

const counter = (
  column: number,
  name: Parameters<typeof metricId>[0],
  rate: Parameters<typeof metricId>[0],
) => ({
  column,
  metric: metricId(name),
  rate: metricId(rate),
  factor: 1000, // per second
  integer: false,
});

const GROUPS: readonly Group[] = [
  {
    timeColumn: 1,
    time: CPU_TIME,
    // nanoseconds per millisecond / 1000 = millicores
    counters: [{ ...counter(2, 'cpu/usage', 'cpu/usage_rate'), factor: 1e-3, integer: true }],
  },
  {
    timeColumn: 3,
    time: MEMORY_TIME,
    counters: [
      counter(4, 'memory/page_faults', 'memory/page_faults_rate'),
      counter(5, 'memory/major_page_faults', 'memory/major_page_faults_rate'),
    ],
  },
  {
    timeColumn: 6,
    time: NETWORK_TIME,
    counters: [
      counter(7, 'network/rx', 'network/rx_rate'),
      counter(8, 'network/rx_errors', 'network/rx_errors_rate'),
      counter(9, 'network/tx', 'network/tx_rate'),
      counter(10, 'network/tx_errors', 'network/tx_errors_rate'),
    ],
  },
];

const UPTIME = metricId('uptime');

/**
 * Adds rates and uptime to a node's samples. `timestamp` is the round's time (ms since the epoch).
 * The input is not modified; the result's `next` is the state to keep for the next round.
 */
export function derive(
  prev: NodeCounters | undefined,
  current: NodeSamples,
  timestamp: number,
): DeriveResult {
  return deriveInPlace(prev, { ...current, values: current.values.slice() }, timestamp);
}

/**
 * derive writing into `current.values`: for a caller that owns the samples (the pipeline, after parse). With
 * `into`, `next` is views of its arrays (see CounterRows), valid until its next use.
 */
export function deriveInPlace(
  prev: NodeCounters | undefined,
  current: NodeSamples,
  timestamp: number,
  into?: CounterRows,
): DeriveResult {
  const { sets, values, times } = current;
  const previous = indexKeys(prev ?? NO_COUNTERS);
  const prevRows = (prev ?? NO_COUNTERS).rows;
  const { keys, rows } = counterRows(sets.length, into);
  const taken = new Set<number>();
  let count = 0;
  let resets = 0;

  for (let s = 0; s < sets.length; s++) {
    const set = sets[s] as MetricSet;
    const base = s * METRIC_COUNT;
    const at = s * TIME_COUNT;
    const start = times[at + START_TIME] as number;
    if (start === start) values[base + UPTIME] = Math.max(0, Math.round(timestamp - start));
    if (!hasCounter(values, base)) continue;

    const key = entityKey(set);
    // Two entities with one key (a duplicate in the payload or a hash collision): neither rate can be trusted.
    if (taken.has(key)) continue;
    taken.add(key);
    const row = count * ROW_WIDTH;
    keys[count++] = key;
    rows[row] = start;
    for (const g of GROUPS) {
      rows[row + g.timeColumn] = times[at + g.time] as number;
      for (const c of g.counters) rows[row + c.column] = values[base + c.metric] as number;
    }

    const p = previous.get(key);
    if (p === undefined) continue;
    const prevRow = p * ROW_WIDTH;
    const prevStart = prevRows[prevRow] as number;
    if (prevStart !== start && (prevStart === prevStart || start === start)) {
      resets++;
      continue;
    }
    for (const g of GROUPS) {
      const t = rows[row + g.timeColumn] as number;
      const elapsed = t - (prevRows[prevRow + g.timeColumn] as number);
      if (!(elapsed > 0)) continue;
      for (const c of g.counters) {
        const v = values[base + c.metric] as number;
        const before = prevRows[prevRow + c.column] as number;
        if (!(v >= before)) {
          if (v === v && before === before) resets++;
          continue;
        }
        const rate = ((v - before) * c.factor) / elapsed;
        values[base + c.rate] = c.integer ? Math.round(rate) : rate;
      }
    }
  }
  return {
    samples: current,
    // Views, not copies: the state is encoded right away and the arrays are dropped with it.
    next: { keys: keys.subarray(0, count), rows: rows.subarray(0, count * ROW_WIDTH) },
    resets,
  };
}

function hasCounter(values: Float64Array, base: number): boolean {
  for (const g of GROUPS) {
    for (const c of g.counters) {
      const v = values[base + c.metric] as number;
      if (v === v) return true;
    }
  }
  return false;
}

function indexKeys(counters: NodeCounters): Map<number, number> {
  const index = new Map<number, number>();
  for (let i = 0; i < counters.keys.length; i++) index.set(counters.keys[i] as number, i);
  return index;
}
