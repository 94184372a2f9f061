import { METRIC_COUNT } from './catalogue.js';
import { NodeEntities } from './entity-catalog.js';
import type { PointLabels } from './labels.js';
import {
  CPU_TIME,
  MEMORY_TIME,
  NETWORK_TIME,
  setColumns,
  START_TIME,
  TIME_COUNT,
  type MetricSet,
  type NodeSamples,
} from './model.js';
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
  /** Where the sets and pod volume labels come from: the same objects every round when kept by a catalog. */
  readonly entities: NodeEntities;
  values: Float64Array;
  private owners: Int32Array;
  private times: Float64Array;
  readonly problems: string[] = [];
  problemCount = 0;
  ignored = 0;
  // Labelled points in typed columns: a node's block is held until the round is written, and typed arrays
  // keep its ~1,000 filesystem points off the heap the garbage collector copies.
  private pointCount = 0;
  private pointSet: Int32Array;
  private pointLabel: Int32Array;
  private pointMetric: Uint16Array;
  private pointValue: Float64Array;
  /** The distinct labels of the points, in order of first use; a node has a few dozen. */
  private readonly labelTable: PointLabels[] = [];
  private lastLabels: PointLabels | undefined;
  private lastLabel = -1;
  private lastText = '';
  private lastTime = NaN;
  private otherText = '';
  private otherTime = NaN;

  /**
   * `arrays`: where the block's arrays come from (a round's arena: valid as long as the round); `entities`: the
   * node's kept entities (fresh ones, kept by nobody, by default).
   */
  constructor(
    readonly nodeName: string,
    capacity: number,
    arrays: ValueAllocator = FRESH_ARRAYS,
    entities?: NodeEntities,
  ) {
    this.entities = entities ?? new NodeEntities(nodeName);
    this.values = arrays.values(capacity * METRIC_COUNT);
    this.times = arrays.values(capacity * TIME_COUNT);
    this.owners = arrays.ints(capacity);
    // About ten filesystem points per set (root and logs of a container, a pod's volumes).
    [this.pointValue, this.pointSet, this.pointLabel, this.pointMetric] = arrays.columns(
      Math.max(16, capacity * 10),
    );
  }

  /** `owner`: the index of the pod's set for a pod_container set, else -1. */
  addSet(set: MetricSet, owner = -1): number {
    const index = this.sets.length;
    if (index === this.owners.length) this.growSets(Math.max(8, index * 2));
    this.sets.push(set);
    this.owners[index] = owner;
    return index;
  }

  /** The set's start and the times its cpu, memory and network stats were read (ms; NaN when unknown). */
  stamp(set: number, start: number, cpu: number, memory: number, network: number): void {
    const at = set * TIME_COUNT;
    this.times[at + START_TIME] = start;
    this.times[at + CPU_TIME] = cpu;
    this.times[at + MEMORY_TIME] = memory;
    this.times[at + NETWORK_TIME] = network;
  }

  private growSets(capacity: number): void {
    // Rare (the count up front was wrong): fresh arrays, the arena's stay unused until its round ends.
    const grown = setColumns(capacity, { values: this.values, times: this.times, owners: this.owners });
    this.values = grown.values;
    this.times = grown.times;
    this.owners = grown.owners;
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
      this.pointLabel[i] = this.labelIndex(labels);
    }
    return v;
  }

  private labelIndex(labels: PointLabels): number {
    // A filesystem's five points come one after the other with the same labels.
    if (labels === this.lastLabels) return this.lastLabel;
    let index = this.labelTable.indexOf(labels);
    if (index < 0) index = this.labelTable.push(labels) - 1;
    this.lastLabels = labels;
    this.lastLabel = index;
    return index;
  }

  private growPoints(): void {
    const [value, set, label, metric] = FRESH_ARRAYS.columns(this.pointSet.length * 2);
    value.set(this.pointValue);
    set.set(this.pointSet);
    label.set(this.pointLabel);
    metric.set(this.pointMetric);
    this.pointValue = value;
    this.pointSet = set;
    this.pointLabel = label;
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
    const n = this.sets.length;
    return {
      samples: {
        nodeName: this.nodeName,
        sets: this.sets,
        owners: this.owners.subarray(0, n),
        times: this.times.subarray(0, n * TIME_COUNT),
        values:
          this.values.length === n * METRIC_COUNT ? this.values : this.values.subarray(0, n * METRIC_COUNT),
        points: {
          set: this.pointSet.subarray(0, this.pointCount),
          metric: this.pointMetric.subarray(0, this.pointCount),
          value: this.pointValue.subarray(0, this.pointCount),
          label: this.pointLabel.subarray(0, this.pointCount),
          labelTable: this.labelTable,
        },
      },
      problems: extra > 0 ? [...this.problems, `(${extra} more problems not listed)`] : this.problems,
      ignoredValues: this.ignored,
    };
  }
}
