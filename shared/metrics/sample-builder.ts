import { METRIC_COUNT } from './catalogue.js';
import type { PointLabels } from './labels.js';
import { emptyValues, type MetricSet, type NodeSamples } from './model.js';
import { parseRfc3339 } from './rfc3339.js';
import { FRESH_ARRAYS, type ValueAllocator } from './value-arena.js';

/** Problem messages kept per node; the rest are counted. */
export const MAX_PROBLEMS = 20;

/**
 * Accumulates a node's sets and values while a source is decoded: the one place that writes a block's flat
 * arrays. Sized from a count of the sets up front; grows only when that count was wrong.
 */
export class SampleBuilder {
  readonly sets: MetricSet[] = [];
  values: Float64Array;
  readonly problems: string[] = [];
  problemCount = 0;
  ignored = 0;
  // Labelled points in typed columns: a node's block is held until the round is written, and typed arrays
  // keep its ~1,000 filesystem points off the heap the garbage collector copies.
  private pointCount = 0;
  private pointSet: Int32Array;
  private pointMetric: Uint16Array;
  private pointValue: Float64Array;
  private readonly pointLabels: PointLabels[];
  private lastText = '';
  private lastTime = NaN;
  private otherText = '';
  private otherTime = NaN;

  /** `arrays`: where the block's arrays come from (a round's arena: valid as long as the round). */
  constructor(
    readonly nodeName: string,
    capacity: number,
    arrays: ValueAllocator = FRESH_ARRAYS,
  ) {
    this.values = arrays.values(capacity * METRIC_COUNT);
    // About ten filesystem points per set (root and logs of a container, a pod's volumes).
    [this.pointValue, this.pointSet, this.pointMetric] = arrays.columns(Math.max(16, capacity * 10));
    // Sized like the columns, not grown by push: growing leaves copies behind and up to half again unused.
    this.pointLabels = new Array<PointLabels>(this.pointSet.length);
  }

  addSet(set: MetricSet): number {
    const index = this.sets.length;
    if ((index + 1) * METRIC_COUNT > this.values.length) {
      const grown = emptyValues(Math.max(8, index * 2));
      grown.set(this.values);
      this.values = grown;
    }
    this.sets.push(set);
    return index;
  }

  /** Stores a stat's value in the set's row; returns it, NaN when absent or malformed. */
  put(set: number, metric: number, raw: unknown): number {
    const v = this.number(raw);
    if (v === v) this.values[set * METRIC_COUNT + metric] = v;
    return v;
  }

  point(set: number, metric: number, raw: unknown, labels: PointLabels): number {
    const v = this.number(raw);
    if (v === v) {
      const i = this.pointCount++;
      if (i === this.pointSet.length) this.growPoints();
      this.pointSet[i] = set;
      this.pointMetric[i] = metric;
      this.pointValue[i] = v;
      this.pointLabels[i] = labels;
    }
    return v;
  }

  private growPoints(): void {
    // Rare (the count up front was wrong): fresh arrays, the arena's stay unused until its round ends.
    const [value, set, metric] = FRESH_ARRAYS.columns(this.pointSet.length * 2);
    value.set(this.pointValue);
    set.set(this.pointSet);
    metric.set(this.pointMetric);
    this.pointValue = value;
    this.pointSet = set;
    this.pointMetric = metric;
  }

  number(raw: unknown): number {
    if (typeof raw === 'number' && raw >= 0 && raw < Infinity) return raw;
    if (raw !== undefined && raw !== null) this.ignored++;
    return NaN;
  }

  time(raw: unknown): number {
    if (raw === undefined || raw === null) return NaN;
    if (typeof raw !== 'string') {
      this.ignored++;
      return NaN;
    }
    // A payload stamps most stats with one of a few times (and each container with its start): remember two,
    // the one used last first.
    if (raw === this.lastText) return this.lastTime;
    if (raw === this.otherText) {
      const t = this.otherTime;
      this.otherText = this.lastText;
      this.otherTime = this.lastTime;
      this.lastText = raw;
      this.lastTime = t;
      return t;
    }
    const t = parseRfc3339(raw);
    if (t !== t) {
      this.ignored++;
      return t;
    }
    this.otherText = this.lastText;
    this.otherTime = this.lastTime;
    this.lastText = raw;
    this.lastTime = t;
    return t;
  }

  problem(message: string): void {
    if (this.problemCount++ < MAX_PROBLEMS) this.problems.push(message);
  }

  finish(): { samples: NodeSamples; problems: readonly string[]; ignoredValues: number } {
    const extra = this.problemCount - this.problems.length;
    this.pointLabels.length = this.pointCount;
    return {
      samples: {
        nodeName: this.nodeName,
        sets: this.sets,
        values:
          this.values.length === this.sets.length * METRIC_COUNT
            ? this.values
            : this.values.slice(0, this.sets.length * METRIC_COUNT),
        points: {
          set: this.pointSet.subarray(0, this.pointCount),
          metric: this.pointMetric.subarray(0, this.pointCount),
          value: this.pointValue.subarray(0, this.pointCount),
          labels: this.pointLabels,
        },
      },
      problems: extra > 0 ? [...this.problems, `(${extra} more problems not listed)`] : this.problems,
      ignoredValues: this.ignored,
    };
  }
}
