import { LABELS } from '../../metrics/labels.js';
import { metricAt, UNIT_UCUM, type MetricDefinition, type MetricSetType } from '../../metrics/catalogue.js';
import type { ExtraLabel } from './options.js';
import { extraLabelLevels, LEVEL_METRIC_LABELS } from './resources.js';

/**
 * Metric descriptors from the catalogue: one per metric written, with its kind, value type, unit and the
 * metric labels its series can carry on the chosen levels.
 */
export type MetricKindName = 'GAUGE' | 'CUMULATIVE';
export type ValueTypeName = 'INT64' | 'DOUBLE';

export interface LabelSpec {
  readonly key: string;
  readonly valueType: 'STRING';
  readonly description: string;
}

export interface DescriptorSpec {
  readonly type: string;
  readonly metricKind: MetricKindName;
  readonly valueType: ValueTypeName;
  readonly unit: string;
  readonly description: string;
  readonly displayName: string;
  readonly labels: readonly LabelSpec[];
}

export interface DescriptorOptions {
  readonly prefix: string;
  readonly metrics: readonly number[];
  readonly levels: readonly MetricSetType[];
  readonly labels: readonly ExtraLabel[];
}

export const metricType = (prefix: string, metric: MetricDefinition): string => `${prefix}/${metric.name}`;

export const kindName = (metric: MetricDefinition): MetricKindName =>
  metric.kind === 'cumulative' ? 'CUMULATIVE' : 'GAUGE';

export const valueTypeName = (metric: MetricDefinition): ValueTypeName =>
  metric.valueType === 'int' ? 'INT64' : 'DOUBLE';

const SINK_LABEL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  container_name: 'System container of the node (kubelet, docker-daemon, system, pods).',
  namespace_name: 'Namespace the totals are for.',
};

function labelDescription(key: string, extra: ExtraLabel | undefined): string {
  if (extra?.kind === 'user') return `Value of the user label "${extra.userKey}" of the pod or node.`;
  const heapster = LABELS.find((l) => l.key === key);
  return SINK_LABEL_DESCRIPTIONS[key] ?? heapster?.description ?? key;
}

/** The levels a metric is written on with these options; empty when it is not written at all. */
export function levelsOf(metric: MetricDefinition, levels: readonly MetricSetType[]): MetricSetType[] {
  return metric.levels.filter((l) => levels.includes(l));
}

export function descriptorsFor(options: DescriptorOptions): DescriptorSpec[] {
  const specs: DescriptorSpec[] = [];
  for (const id of options.metrics) {
    const metric = metricAt(id);
    const levels = levelsOf(metric, options.levels);
    if (levels.length === 0) continue;
    const keys: string[] = [];
    for (const level of levels)
      for (const k of LEVEL_METRIC_LABELS[level]) if (!keys.includes(k)) keys.push(k);
    for (const k of metric.pointLabels) keys.push(k);
    for (const extra of options.labels)
      if (extraLabelLevels(extra).some((l) => levels.includes(l))) keys.push(extra.key);
    specs.push({
      type: metricType(options.prefix, metric),
      metricKind: kindName(metric),
      valueType: valueTypeName(metric),
      unit: UNIT_UCUM[metric.unit],
      description: metric.description,
      displayName: metric.name,
      labels: keys.map((key) => ({
        key,
        valueType: 'STRING',
        description: labelDescription(
          key,
          options.labels.find((l) => l.key === key),
        ),
      })),
    });
  }
  return specs;
}
