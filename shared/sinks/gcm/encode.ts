import { METRIC_COUNT, metricAt, type MetricSetType } from '../../metrics/catalogue.js';
import type { Labels, PointLabels } from '../../metrics/labels.js';
import {
  pointLabelsAt,
  START_TIME,
  timeOf,
  type Batch,
  type MetricBlock,
  type MetricSet,
} from '../../metrics/model.js';
import type { TimeSeries, Timestamp } from './api.js';
import { kindName, levelsOf, metricType, valueTypeName } from './descriptors.js';
import type { ExtraLabel } from './options.js';
import { targetOf, type SetTarget } from './resources.js';

/**
 * A round as CreateTimeSeries series: one point per series, all ending at the round's time. Pure: what cannot
 * be written is counted by reason instead.
 */
export interface EncodeOptions {
  readonly project: string;
  readonly location: string;
  readonly prefix: string;
  readonly metrics: readonly number[];
  readonly levels: readonly MetricSetType[];
  readonly labels: readonly ExtraLabel[];
  /** Cloud Monitoring's clock, for its 25 h / 5 min window. */
  readonly now: number;
  /** Metric types whose descriptor could not be made: their points are dropped with this reason. */
  readonly unavailable?: ReadonlyMap<string, string>;
}

/** Cloud Monitoring takes points whose end is at most 25 h old and at most 5 min ahead. */
export const MAX_AGE_MS = 25 * 3_600_000;
export const MAX_AHEAD_MS = 5 * 60_000;

/** Drop reasons decided before sending. */
export const DROP_REASONS = [
  'too-old',
  'too-new',
  'no-start-time',
  'started-after-round',
  'not-a-number',
  'duplicate-series',
] as const;

export const timestamp = (ms: number): Timestamp => ({
  seconds: Math.floor(ms / 1000),
  nanos: (((ms % 1000) + 1000) % 1000) * 1_000_000,
});

/**
 * The start of a cumulative series. Kubelet start times are whole seconds, so a container restarted in the
 * second after a round would start exactly at that round's end, which Cloud Monitoring takes as overlapping the
 * previous point. One millisecond later is as true to the kubelet's figure and always after that end; being a
 * function of the start alone, it stays the same on every round and in every process.
 */
export const cumulativeStart = (startTime: number): number => startTime + 1;

export interface MetricPlan {
  readonly id: number;
  readonly type: string;
  readonly cumulative: boolean;
  readonly int: boolean;
  readonly kind: TimeSeries['metricKind'];
  readonly valueType: TimeSeries['valueType'];
  readonly levels: ReadonlySet<MetricSetType>;
  /** Why the metric's points cannot be written this round (its descriptor could not be made). */
  readonly unavailable: string | undefined;
}

/**
 * Where the walk puts each series it decides to write. Series of one set come one after the other with the
 * same target object, so a receiver can keep what it looked up for the last target.
 */
export interface SeriesReceiver {
  /**
   * @param start the cumulative start (ms) of the set's points; only read for a cumulative plan
   * @param pointKey the point labels as a string, '' when there are none
   */
  series(
    target: SetTarget,
    plan: MetricPlan,
    start: number,
    value: number,
    pointLabels: PointLabels | undefined,
    pointKey: string,
  ): void;
}

/**
 * Decides every series of a round and hands each to the receiver, one block (a node) at a time: the generator
 * yields after each block, so that a round of millions of points is written out as it is walked. `dropped` is
 * complete once the generator is done. Integer values arrive rounded.
 */
export function* walkRound(
  batch: Batch,
  options: EncodeOptions,
  dropped: Record<string, number>,
  out: SeriesReceiver,
): Generator<void, void, undefined> {
  const drop = (reason: string, n = 1): void => {
    dropped[reason] = (dropped[reason] ?? 0) + n;
  };
  const plans = planMetrics(options);
  const end = batch.timestamp;
  if (end < options.now - MAX_AGE_MS || end > options.now + MAX_AHEAD_MS) {
    const total = countWritable(batch, plans);
    if (total > 0) drop(end < options.now ? 'too-old' : 'too-new', total);
    return;
  }
  const ctx = { project: options.project, location: options.location, extraLabels: options.labels };
  // Two sets with one target (a pod name reused on another node within the round) would write one series twice.
  const setsOfTarget = new Map<
    string,
    { block: MetricBlock; set: number } | { block: MetricBlock; set: number }[]
  >();

  for (const block of batch.blocks) {
    const { sets, values, labels, points } = block;
    const targets: (SetTarget | undefined)[] = new Array(sets.length);
    const starts: (number | string)[] = new Array(sets.length);
    const earlier: (Set<string> | undefined)[] = new Array(sets.length);
    for (let s = 0; s < sets.length; s++) {
      const set = sets[s] as MetricSet;
      if (!plans.levels.has(set.type)) continue;
      const target = targetOf(set, labels[s] as Labels, ctx);
      targets[s] = target;
      starts[s] = cumulativeStartOf(timeOf(block, s, START_TIME), end);
      const claim = { block, set: s };
      const before = setsOfTarget.get(target.key);
      if (before === undefined) setsOfTarget.set(target.key, claim);
      else {
        const all = Array.isArray(before) ? before : [before];
        earlier[s] = seriesOf(all, plans);
        all.push(claim);
        setsOfTarget.set(target.key, all);
      }
    }

    const emit = (
      s: number,
      m: number,
      value: number,
      pointLabels: PointLabels | undefined,
      pointKey: string,
    ): void => {
      const plan = plans.byMetric[m];
      const target = targets[s];
      if (plan === undefined || target === undefined || !plan.levels.has((sets[s] as MetricSet).type)) return;
      if (plan.unavailable !== undefined) return drop(plan.unavailable);
      const taken = earlier[s];
      if (taken !== undefined && taken.has(seriesKeyOf(m, pointKey))) return drop('duplicate-series');
      const start = starts[s] as number | string;
      if (plan.cumulative && typeof start === 'string') return drop(start);
      if (!Number.isFinite(value)) return drop('not-a-number');
      out.series(target, plan, start as number, plan.int ? Math.round(value) : value, pointLabels, pointKey);
    };

    for (let s = 0; s < sets.length; s++) {
      if (targets[s] === undefined) continue;
      const base = s * METRIC_COUNT;
      for (const m of plans.idsOnLevel.get((sets[s] as MetricSet).type) ?? []) {
        const v = values[base + m] as number;
        if (v === v) emit(s, m, v, undefined, '');
      }
    }
    const seen = new Set<string>();
    for (let i = 0; i < points.set.length; i++) {
      const s = points.set[i] as number;
      const m = points.metric[i] as number;
      if (targets[s] === undefined || plans.byMetric[m] === undefined) continue;
      const pl = pointLabelsAt(points, i);
      const pointKey = labelsKey(pl);
      const key = `${s}\u0002${m}\u0001${pointKey}`;
      if (seen.has(key)) {
        drop('duplicate-series');
        continue;
      }
      seen.add(key);
      emit(s, m, points.value[i] as number, pl, pointKey);
    }
    yield;
  }
}

function planMetrics(options: EncodeOptions): {
  byMetric: (MetricPlan | undefined)[];
  levels: ReadonlySet<MetricSetType>;
  /** Per level, the ids of the metrics written on it, ascending: a set's row is read only there. */
  idsOnLevel: ReadonlyMap<MetricSetType, readonly number[]>;
} {
  const byMetric: (MetricPlan | undefined)[] = new Array(METRIC_COUNT).fill(undefined);
  const levels = new Set<MetricSetType>();
  const idsOnLevel = new Map<MetricSetType, number[]>();
  for (const id of options.metrics) {
    const metric = metricAt(id);
    const on = levelsOf(metric, options.levels);
    const type = metricType(options.prefix, metric);
    if (on.length === 0) continue;
    for (const l of on) levels.add(l);
    byMetric[id] = {
      id,
      type,
      cumulative: metric.kind === 'cumulative',
      int: metric.valueType === 'int',
      kind: kindName(metric),
      valueType: valueTypeName(metric),
      levels: new Set(on),
      unavailable: options.unavailable?.get(type),
    };
  }
  for (let id = 0; id < METRIC_COUNT; id++)
    for (const l of byMetric[id]?.levels ?? []) {
      const ids = idsOnLevel.get(l);
      if (ids === undefined) idsOnLevel.set(l, [id]);
      else ids.push(id);
    }
  return { byMetric, levels, idsOnLevel };
}

/** A set's cumulative start, or why its cumulative points cannot be written. */
function cumulativeStartOf(startTime: number, end: number): number | string {
  if (!Number.isFinite(startTime)) return 'no-start-time';
  const start = cumulativeStart(startTime);
  // The entity started after the round's time (its stats were read later): no interval ends before it began.
  if (start >= end) return 'started-after-round';
  return start;
}

/** Point labels as a string: equal strings, equal labels. */
export function labelsKey(pointLabels: PointLabels | undefined): string {
  let key = '';
  if (pointLabels !== undefined)
    for (const k in pointLabels) key += `\u0001${k}=${pointLabels[k as keyof PointLabels]}`;
  return key;
}

const seriesKeyOf = (metric: number, pointKey: string): string => `${metric}${pointKey}`;

/** The series earlier sets with the same target wrote, to drop a later set's copies of them. */
function seriesOf(
  earlier: readonly { block: MetricBlock; set: number }[],
  plans: ReturnType<typeof planMetrics>,
): Set<string> {
  const keys = new Set<string>();
  for (const { block, set } of earlier) {
    const base = set * METRIC_COUNT;
    for (let m = 0; m < METRIC_COUNT; m++) {
      const v = block.values[base + m] as number;
      if (plans.byMetric[m] !== undefined && v === v) keys.add(seriesKeyOf(m, ''));
    }
    for (let i = 0; i < block.points.set.length; i++)
      if (block.points.set[i] === set)
        keys.add(seriesKeyOf(block.points.metric[i] as number, labelsKey(pointLabelsAt(block.points, i))));
  }
  return keys;
}

function countWritable(batch: Batch, plans: ReturnType<typeof planMetrics>): number {
  let n = 0;
  for (const block of batch.blocks) {
    for (let s = 0; s < block.sets.length; s++) {
      const type = (block.sets[s] as MetricSet).type;
      if (!plans.levels.has(type)) continue;
      const base = s * METRIC_COUNT;
      for (let m = 0; m < METRIC_COUNT; m++) {
        const plan = plans.byMetric[m];
        const v = block.values[base + m] as number;
        if (plan !== undefined && plan.levels.has(type) && v === v) n++;
      }
    }
    for (let i = 0; i < block.points.set.length; i++) {
      const plan = plans.byMetric[block.points.metric[i] as number];
      const type = (block.sets[block.points.set[i] as number] as MetricSet).type;
      if (plan !== undefined && plan.levels.has(type)) n++;
    }
  }
  return n;
}
