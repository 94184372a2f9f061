import { METRIC_COUNT } from './catalogue.js';
import type { PointLabels } from './labels.js';
import { emptyValues, type MetricSet, type NodeSamples } from './model.js';
import { parseRfc3339 } from './rfc3339.js';

/** Problem messages kept per node; the rest are counted. */
export const MAX_PROBLEMS = 20;

/**
 * Accumulates a node's sets and values while a source is decoded: the one place that writes a block's flat
 * arrays. Sized from a count of the sets up front; grows only when that count was wrong.
 */
export class SampleBuilder {
  readonly sets: MetricSet[] = [];
  values: Float64Array;
  readonly pointSet: number[] = [];
  readonly pointMetric: number[] = [];
  readonly pointValue: number[] = [];
  readonly pointLabels: PointLabels[] = [];
  readonly problems: string[] = [];
  problemCount = 0;
  ignored = 0;

  constructor(
    readonly nodeName: string,
    capacity: number,
  ) {
    this.values = emptyValues(capacity);
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
      this.pointSet.push(set);
      this.pointMetric.push(metric);
      this.pointValue.push(v);
      this.pointLabels.push(labels);
    }
    return v;
  }

  number(raw: unknown): number {
    if (typeof raw === 'number' && raw >= 0 && raw < Infinity) return raw;
    if (raw !== undefined && raw !== null) this.ignored++;
    return NaN;
  }

  time(raw: unknown): number {
    if (raw === undefined || raw === null) return NaN;
    const t = typeof raw === 'string' ? parseRfc3339(raw) : NaN;
    if (t !== t) this.ignored++;
    return t;
  }

  problem(message: string): void {
    if (this.problemCount++ < MAX_PROBLEMS) this.problems.push(message);
  }

  finish(): { samples: NodeSamples; problems: readonly string[]; ignoredValues: number } {
    const extra = this.problemCount - this.problems.length;
    return {
      samples: {
        nodeName: this.nodeName,
        sets: this.sets,
        values:
          this.values.length === this.sets.length * METRIC_COUNT
            ? this.values
            : this.values.slice(0, this.sets.length * METRIC_COUNT),
        points: {
          set: this.pointSet,
          metric: this.pointMetric,
          value: this.pointValue,
          labels: this.pointLabels,
        },
      },
      problems: extra > 0 ? [...this.problems, `(${extra} more problems not listed)`] : this.problems,
      ignoredValues: this.ignored,
    };
  }
}
