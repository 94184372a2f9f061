import {
  METRIC_COUNT,
  metricId,
  type MetricName,
  type MetricSetType,
} from '../../../../shared/metrics/catalogue.js';
import type { Labels, PointLabels } from '../../../../shared/metrics/labels.js';
import {
  setColumns,
  START_TIME,
  TIME_COUNT,
  type Batch,
  type MetricBlock,
  type MetricSet,
} from '../../../../shared/metrics/model.js';

/** Small hand-made batches for the gcm sink's tests: sets with named values and labelled points. */
export interface SetSpec {
  readonly type: MetricSetType;
  readonly node?: string;
  readonly namespace?: string;
  readonly pod?: string;
  readonly container?: string;
  readonly startTime?: number;
  readonly labels?: Partial<Labels>;
  readonly values?: Partial<Record<MetricName, number>>;
  readonly points?: readonly { metric: MetricName; labels: PointLabels; value: number }[];
}

export function block(specs: readonly SetSpec[], cluster = 'test-cluster'): MetricBlock {
  const sets: MetricSet[] = [];
  const labels: Labels[] = [];
  const { values, times, owners } = setColumns(specs.length);
  const points = {
    set: [] as number[],
    metric: [] as number[],
    value: [] as number[],
    label: [] as number[],
    labelTable: [] as PointLabels[],
  };
  specs.forEach((spec, s) => {
    sets.push({
      type: spec.type,
      nodeName: spec.node ?? '',
      namespace: spec.namespace ?? '',
      podName: spec.pod ?? '',
      podUid: spec.pod === undefined ? '' : `uid-${spec.pod}`,
      containerName: spec.container ?? '',
    });
    times[s * TIME_COUNT + START_TIME] = spec.startTime ?? NaN;
    labels.push({ type: spec.type, cluster_name: cluster, ...spec.labels } as Labels);
    for (const [name, v] of Object.entries(spec.values ?? {}))
      values[s * METRIC_COUNT + metricId(name as MetricName)] = v as number;
    for (const p of spec.points ?? []) {
      points.set.push(s);
      points.metric.push(metricId(p.metric));
      points.value.push(p.value);
      points.label.push(points.labelTable.push(p.labels) - 1);
    }
  });
  return { sets, owners, times, labels, values, points };
}

export function batch(timestamp: number, ...blocks: MetricBlock[]): Batch {
  return { timestamp, blocks };
}
