import {
  METRIC_COUNT,
  METRIC_SET_TYPES,
  metricAt,
  type MetricDefinition,
  type MetricSetType,
} from './catalogue.js';
import type { Labels, PointLabels } from './labels.js';
import { FRESH_ARRAYS } from './value-arena.js';

/**
 * The metric model shared by the pipeline stages and the sinks.
 *
 * Values are kept in flat structures so that a round of millions of points allocates per entity, not per
 * point: a block holds its metric sets and one Float64Array with a row of METRIC_COUNT slots per set, where
 * slot `metricId` holds that metric's value and NaN means "absent" (absent is never zero). Metrics with
 * per-point labels (filesystem, accelerator) are kept in parallel arrays next to it.
 */

/**
 * One entity (Heapster's metric set): who it is, nothing of a round. The same entity is the same object from
 * round to round where an EntityCatalog keeps them, so a round allocates its numbers, not its entities.
 */
export interface MetricSet {
  readonly type: MetricSetType;
  readonly nodeName: string;
  /** Empty for node, sys_container and cluster sets. */
  readonly namespace: string;
  readonly podName: string;
  readonly podUid: string;
  /** For sys_container sets, the kubelet's own name (kubelet, runtime, misc, pods). */
  readonly containerName: string;
}

/** A column of numbers: typed arrays where the pipeline builds them (off the JS heap), plain arrays elsewhere. */
export type NumberColumn = readonly number[] | Int32Array | Uint16Array | Float64Array;

/** Points that carry their own labels (resource_id, accelerator): parallel columns, one entry per point. */
export interface LabelledPoints {
  readonly set: NumberColumn;
  readonly metric: NumberColumn;
  readonly value: NumberColumn;
  /** Per point, the index of its labels in `labelTable`. */
  readonly label: NumberColumn;
  /** The distinct labels of the block's points. */
  readonly labelTable: readonly PointLabels[];
}

/** The times a set's stats were stamped with: TIME_COUNT slots per set in a block's `times`. */
export const START_TIME = 0;
export const CPU_TIME = 1;
export const MEMORY_TIME = 2;
export const NETWORK_TIME = 3;
export const TIME_COUNT = 4;

/** A block of metric sets and their values, without set labels (the output of parse and derive). */
export interface SampleBlock {
  readonly sets: readonly MetricSet[];
  /** Per set, the index of its pod's set in this block for pod_container sets, else -1. */
  readonly owners: NumberColumn;
  /**
   * sets.length * TIME_COUNT times in milliseconds since the epoch (the set's start, then the times its cpu,
   * memory and network stats were read); NaN when the source gave none.
   */
  readonly times: NumberColumn;
  /** sets.length * METRIC_COUNT values; NaN = absent. */
  readonly values: Float64Array;
  readonly points: LabelledPoints;
}

/** The samples of one node's Summary API payload. */
export interface NodeSamples extends SampleBlock {
  readonly nodeName: string;
}

/** A block whose sets carry their labels (from enrich on): what sinks read. */
export interface MetricBlock extends SampleBlock {
  /** One Labels object per set, same index as `sets`. */
  readonly labels: readonly Labels[];
}

export interface NodeBlock extends MetricBlock {
  readonly nodeName: string;
}

/** Everything one round produces: all points share the round's timestamp. */
export interface Batch {
  /** The round's scheduled time, milliseconds since the epoch. */
  readonly timestamp: number;
  readonly blocks: readonly MetricBlock[];
  /** The blocks' points counted once by whoever made the batch, so that readers need not walk them to count. */
  readonly counts?: PointCounts;
}

export interface PointCounts {
  readonly total: number;
  /** Only the types that have points. */
  readonly perType: Readonly<Partial<Record<MetricSetType, number>>>;
}

export const NO_POINTS: LabelledPoints = Object.freeze({
  set: [],
  metric: [],
  value: [],
  label: [],
  labelTable: [],
});

/** A row of NaN values for `count` sets. */
export function emptyValues(count: number): Float64Array {
  return FRESH_ARRAYS.values(count * METRIC_COUNT);
}

/** Times for `count` sets, every one NaN (none known). */
export function emptyTimes(count: number): Float64Array {
  return FRESH_ARRAYS.values(count * TIME_COUNT);
}

/** A block's per-set columns. */
export interface SetColumns {
  readonly values: Float64Array;
  readonly times: Float64Array;
  readonly owners: Int32Array;
}

/**
 * Fresh columns for `count` sets: those of `from` first (when given), the rest absent (NaN values and times,
 * owner -1).
 */
export function setColumns(
  count: number,
  from?: Pick<SampleBlock, 'values' | 'times' | 'owners'>,
): SetColumns {
  const values = emptyValues(count);
  const times = emptyTimes(count);
  const owners = new Int32Array(count).fill(-1);
  if (from !== undefined) {
    values.set(from.values);
    times.set(from.times);
    owners.set(from.owners);
  }
  return { values, times, owners };
}

/** One of a set's times (START_TIME, CPU_TIME, ...); NaN when unknown. */
export function timeOf(block: SampleBlock, set: number, which: number): number {
  return block.times[set * TIME_COUNT + which] as number;
}

/** One labelled point, as a stage that adds a few makes it. */
export interface LabelledPoint {
  readonly set: number;
  readonly metric: number;
  readonly value: number;
  readonly labels: PointLabels;
}

/** `points` followed by `more`, in columns of their own; each distinct labels object joins the table once. */
export function withPoints(points: LabelledPoints, more: readonly LabelledPoint[]): LabelledPoints {
  const labelTable = [...points.labelTable];
  const labelOf = (labels: PointLabels): number => {
    const at = labelTable.indexOf(labels);
    return at >= 0 ? at : labelTable.push(labels) - 1;
  };
  return {
    set: [...points.set, ...more.map((p) => p.set)],
    metric: [...points.metric, ...more.map((p) => p.metric)],
    value: [...points.value, ...more.map((p) => p.value)],
    label: [...points.label, ...more.map((p) => labelOf(p.labels))],
    labelTable,
  };
}

/** The labels of a block's labelled point `i`. */
export function pointLabelsAt(points: LabelledPoints, i: number): PointLabels {
  return points.labelTable[points.label[i] as number] as PointLabels;
}

/** The value of a metric in a set; NaN when absent. */
export function valueOf(block: SampleBlock, set: number, metric: number): number {
  return block.values[set * METRIC_COUNT + metric] as number;
}

export type PointVisitor = (
  set: MetricSet,
  labels: Labels,
  metric: MetricDefinition,
  value: number,
  pointLabels: PointLabels | undefined,
) => void;

/** Calls `visit` for every present value of a block: per set in set order, then the labelled points. */
export function forEachPoint(block: MetricBlock, visit: PointVisitor): void {
  const { sets, values, labels, points } = block;
  for (let s = 0; s < sets.length; s++) {
    const set = sets[s] as MetricSet;
    const setLabels = labels[s] as Labels;
    const base = s * METRIC_COUNT;
    for (let m = 0; m < METRIC_COUNT; m++) {
      const v = values[base + m] as number;
      if (v === v) visit(set, setLabels, metricAt(m), v, undefined);
    }
  }
  for (let i = 0; i < points.set.length; i++) {
    const s = points.set[i] as number;
    visit(
      sets[s] as MetricSet,
      labels[s] as Labels,
      metricAt(points.metric[i] as number),
      points.value[i] as number,
      pointLabelsAt(points, i),
    );
  }
}

/** Number of present values in a block. */
export function countPoints(block: SampleBlock): number {
  let n = block.points.set.length;
  for (const v of block.values) if (v === v) n++;
  return n;
}

/** Adds a block's points to `perType` by the type of their set; returns how many there were. */
export function countPointsByType(
  block: SampleBlock,
  perType: Partial<Record<MetricSetType, number>>,
): number {
  const byType = countByTypeIndex(block);
  let total = 0;
  for (let t = 0; t < METRIC_SET_TYPES.length; t++) {
    const n = byType[t] as number;
    if (n === 0) continue;
    const type = METRIC_SET_TYPES[t] as MetricSetType;
    perType[type] = (perType[type] ?? 0) + n;
    total += n;
  }
  return total;
}

/** Where a block's counts per set type are summed: one buffer for every block. */
const typeCounts = new Float64Array(METRIC_SET_TYPES.length);
const TYPE_INDEX: Readonly<Record<MetricSetType, number>> = Object.fromEntries(
  METRIC_SET_TYPES.map((type, i) => [type, i]),
) as Record<MetricSetType, number>;

/**
 * Points per set type, summed per set into numbered slots first: a keyed write per point (tens of thousands
 * per node) costs more than the scan itself.
 */
function countByTypeIndex(block: SampleBlock): Float64Array {
  const { sets, values, points } = block;
  typeCounts.fill(0);
  // Labelled points per set, then per type: most sets have none.
  const labelled = points.set.length > 0 ? pointsPerSet(points.set, sets.length) : undefined;
  for (let s = 0; s < sets.length; s++) {
    let n = labelled === undefined ? 0 : (labelled[s] as number);
    for (let i = s * METRIC_COUNT, end = i + METRIC_COUNT; i < end; i++) if (values[i] === values[i]) n++;
    if (n > 0) typeCounts[TYPE_INDEX[(sets[s] as MetricSet).type]] += n;
  }
  return typeCounts;
}

let perSet = new Int32Array(256);

function pointsPerSet(column: NumberColumn, setCount: number): Int32Array {
  if (perSet.length < setCount) perSet = new Int32Array(setCount * 2);
  const counts = perSet.fill(0, 0, setCount);
  for (let i = 0; i < column.length; i++) counts[column[i] as number]++;
  return counts;
}

/** The points of a batch per set type, in one pass over each block's values. */
export function countBatch(blocks: readonly MetricBlock[]): PointCounts {
  const perType: Partial<Record<MetricSetType, number>> = {};
  let total = 0;
  for (const block of blocks) total += countPointsByType(block, perType);
  return { total, perType };
}
