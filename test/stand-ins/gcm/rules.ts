import type { WireMetricDescriptor, WireTimeSeries } from './wire.js';
import { toMs, valueOf } from './wire.js';

/**
 * Cloud Monitoring's documented rules for writing custom metrics (quotas and limits page, CreateTimeSeries and
 * TimeInterval references), with the service's wording so that clients classify them as they would in
 * production. Each check answers the message of the first rule a series breaks, or undefined.
 */
export const LIMITS = {
  seriesPerRequest: 200,
  labelsPerDescriptor: 30,
  labelKeyLength: 100,
  labelValueLength: 1024,
  maxAgeMs: 25 * 3_600_000,
  maxAheadMs: 5 * 60_000,
  activeWindowMs: 24 * 3_600_000,
} as const;

export const MESSAGES = {
  duplicate: 'Duplicate TimeSeries encountered. Only one point can be written per TimeSeries per request.',
  onePoint: 'Only one point can be written per TimeSeries per request.',
  olderEnd:
    'Points must be written in order. One or more of the points specified had an older end time than the most recent point.',
  olderStart:
    'Points must be written in order. One or more of the points specified had an older start time than the most recent point.',
  tooFrequent:
    'One or more points were written more frequently than the maximum sampling period configured for the metric.',
  tooOld: 'Points must be written no more than 25 hours in the past.',
  tooNew: 'Points must be written no more than 5 minutes in the future.',
  seriesLimit: 'The limit of active time series per monitored resource has been exceeded.',
} as const;

/** Monitored resource types the stand-in knows, with the labels each requires (and allows). */
export const RESOURCE_TYPES: Readonly<Record<string, readonly string[]>> = {
  k8s_container: ['project_id', 'location', 'cluster_name', 'namespace_name', 'pod_name', 'container_name'],
  k8s_pod: ['project_id', 'location', 'cluster_name', 'namespace_name', 'pod_name'],
  k8s_node: ['project_id', 'location', 'cluster_name', 'node_name'],
  k8s_cluster: ['project_id', 'location', 'cluster_name'],
  global: ['project_id'],
};

export const METRIC_KINDS = ['GAUGE', 'CUMULATIVE', 'DELTA'] as const;
export const VALUE_TYPES = ['INT64', 'DOUBLE', 'BOOL'] as const;

const LABEL_KEY = /^[a-z][a-z0-9_]*$/;

export function checkDescriptor(d: WireMetricDescriptor, prefixes: readonly string[]): string | undefined {
  if (d.type === undefined || d.type === '') return 'Field metricDescriptor.type is required.';
  if (!prefixes.some((p) => d.type?.startsWith(p)))
    return `The metric type ${d.type} must begin with one of: ${prefixes.join(', ')}.`;
  if (!(METRIC_KINDS as readonly (string | undefined)[]).includes(d.metricKind))
    return `Field metricDescriptor.metricKind had an invalid value: ${String(d.metricKind)}.`;
  if (!(VALUE_TYPES as readonly (string | undefined)[]).includes(d.valueType))
    return `Field metricDescriptor.valueType had an invalid value: ${String(d.valueType)}.`;
  const labels = d.labels ?? [];
  if (labels.length > LIMITS.labelsPerDescriptor)
    return `The metric descriptor has ${labels.length} labels; at most ${LIMITS.labelsPerDescriptor} are allowed.`;
  const keys = new Set<string>();
  for (const l of labels) {
    const key = l.key ?? '';
    if (key.length > LIMITS.labelKeyLength || !LABEL_KEY.test(key))
      return `The metric label key "${key}" is invalid: up to ${LIMITS.labelKeyLength} lowercase letters, digits and underscores, starting with a letter.`;
    if (keys.has(key)) return `The metric label key "${key}" appears twice.`;
    keys.add(key);
  }
  return undefined;
}

export interface SeriesState {
  lastEnd: number;
  lastStart: number | undefined;
}

export interface CheckContext {
  readonly now: number;
  readonly minSamplingPeriodMs: number;
  readonly prefixes: readonly string[];
  readonly descriptor: (type: string) => WireMetricDescriptor | undefined;
}

/** Rules about the series itself and its one point, before the stored series is looked at. */
export function checkSeries(ts: WireTimeSeries, ctx: CheckContext): string | undefined {
  const type = ts.metric?.type ?? '';
  if (!ctx.prefixes.some((p) => type.startsWith(p)))
    return `The metric type ${type} must begin with one of: ${ctx.prefixes.join(', ')}.`;
  const descriptor = ctx.descriptor(type);
  if (descriptor === undefined) return `The metric descriptor for ${type} was not found.`;
  const resourceType = ts.resource?.type ?? '';
  const required = RESOURCE_TYPES[resourceType];
  if (required === undefined) return `The monitored resource type ${resourceType} is not allowed here.`;
  const given = ts.resource?.labels ?? {};
  for (const key of required)
    if (given[key] === undefined || given[key] === '')
      return `The monitored resource label ${key} is required for ${resourceType}.`;
  for (const key of Object.keys(given))
    if (!required.includes(key))
      return `The monitored resource label ${key} is not defined for ${resourceType}.`;
  const declared = new Set((descriptor.labels ?? []).map((l) => l.key));
  for (const [key, value] of Object.entries(ts.metric?.labels ?? {})) {
    if (!declared.has(key)) return `Unrecognized metric label ${key} for the metric type ${type}.`;
    if (value.length > LIMITS.labelValueLength)
      return `The metric label ${key} value is longer than ${LIMITS.labelValueLength} characters.`;
  }
  if (ts.metricKind !== undefined && ts.metricKind !== descriptor.metricKind)
    return `The metric kind ${ts.metricKind} does not match the metric descriptor's ${descriptor.metricKind}.`;
  if (ts.valueType !== undefined && ts.valueType !== descriptor.valueType)
    return `The value type ${ts.valueType} does not match the metric descriptor's ${descriptor.valueType}.`;
  const points = ts.points ?? [];
  if (points.length !== 1) return MESSAGES.onePoint;
  const point = points[0];
  const value = valueOf(point?.value);
  if (value === undefined || value.type !== descriptor.valueType)
    return `The value type of the point must be ${descriptor.valueType}.`;
  const end = toMs(point?.interval?.endTime);
  if (end === undefined) return 'Field timeSeries.points.interval.endTime is required.';
  if (end < ctx.now - LIMITS.maxAgeMs) return MESSAGES.tooOld;
  if (end > ctx.now + LIMITS.maxAheadMs) return MESSAGES.tooNew;
  const start = toMs(point?.interval?.startTime);
  if (descriptor.metricKind === 'GAUGE') {
    if (start !== undefined && start !== end)
      return 'The start time must be equal to the end time for the gauge metric.';
  } else if (start === undefined || start >= end) {
    return `The start time must be before the end time for the ${descriptor.metricKind} metric.`;
  }
  return undefined;
}

/** Rules about the point against what the series already holds. */
export function checkOrder(
  ts: WireTimeSeries,
  state: SeriesState | undefined,
  kind: string,
  ctx: CheckContext,
): string | undefined {
  if (state === undefined) return undefined;
  const interval = ts.points?.[0]?.interval;
  const end = toMs(interval?.endTime) as number;
  const start = toMs(interval?.startTime);
  if (end <= state.lastEnd) return MESSAGES.olderEnd;
  if (end - state.lastEnd < ctx.minSamplingPeriodMs) return MESSAGES.tooFrequent;
  if (kind === 'CUMULATIVE' && start !== state.lastStart && start !== undefined && start <= state.lastEnd)
    return MESSAGES.olderStart;
  return undefined;
}
