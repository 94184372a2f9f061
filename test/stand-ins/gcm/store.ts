import type { SeriesState } from './rules.js';
import type { WireMetricDescriptor, WireTimeSeries } from './wire.js';
import { toMs, valueOf } from './wire.js';

/**
 * What the stand-in holds per project: metric descriptors and time series with their points, oldest first.
 * With `keep: 'last'` only each series' newest point is kept (enough for the ordering rules); with `keep: 'none'`
 * nothing is (each request is still checked on its own): the benchmark's millions of series would fill memory.
 */
export interface StoredPoint {
  readonly start: number | undefined;
  readonly end: number;
  readonly value: number;
}

export interface StoredSeries extends SeriesState {
  readonly key: string;
  readonly resourceKey: string;
  readonly metric: { readonly type: string; readonly labels: Readonly<Record<string, string>> };
  readonly resource: { readonly type: string; readonly labels: Readonly<Record<string, string>> };
  readonly metricKind: string;
  readonly valueType: string;
  readonly points: StoredPoint[];
}

const sortedLabels = (labels: Readonly<Record<string, string>> | undefined): string =>
  Object.entries(labels ?? {})
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export const resourceKeyOf = (ts: WireTimeSeries): string =>
  `${ts.resource?.type ?? ''}{${sortedLabels(ts.resource?.labels)}}`;

export const seriesKeyOf = (ts: WireTimeSeries): string =>
  `${ts.metric?.type ?? ''}{${sortedLabels(ts.metric?.labels)}}${resourceKeyOf(ts)}`;

export class ProjectStore {
  readonly descriptors = new Map<string, WireMetricDescriptor>();
  readonly series = new Map<string, StoredSeries>();
  /** The same series by metric type, for listing one type without scanning every series. */
  readonly byType = new Map<string, StoredSeries[]>();
  /** Active series per monitored resource: series key -> time of its newest point. */
  private readonly active = new Map<string, Map<string, number>>();

  constructor(private readonly keep: 'all' | 'last' | 'none') {}

  activeCount(resourceKey: string, now: number, windowMs: number): number {
    const series = this.active.get(resourceKey);
    if (series === undefined) return 0;
    let n = 0;
    for (const end of series.values()) if (end >= now - windowMs) n++;
    return n;
  }

  isActive(resourceKey: string, key: string, now: number, windowMs: number): boolean {
    const end = this.active.get(resourceKey)?.get(key);
    return end !== undefined && end >= now - windowMs;
  }

  store(ts: WireTimeSeries, key: string, resourceKey: string, kind: string, valueType: string): void {
    if (this.keep === 'none') return;
    const point = ts.points?.[0];
    const stored: StoredPoint = {
      start: toMs(point?.interval?.startTime),
      end: toMs(point?.interval?.endTime) as number,
      value: (valueOf(point?.value) as { value: number }).value,
    };
    let series = this.series.get(key);
    if (series === undefined) {
      series = {
        key,
        resourceKey,
        metric: { type: ts.metric?.type ?? '', labels: { ...(ts.metric?.labels ?? {}) } },
        resource: { type: ts.resource?.type ?? '', labels: { ...(ts.resource?.labels ?? {}) } },
        metricKind: kind,
        valueType,
        points: [],
        lastEnd: stored.end,
        lastStart: stored.start,
      };
      this.series.set(key, series);
      const ofType = this.byType.get(series.metric.type);
      if (ofType === undefined) this.byType.set(series.metric.type, [series]);
      else ofType.push(series);
    }
    if (this.keep === 'last') series.points.length = 0;
    series.points.push(stored);
    series.lastEnd = stored.end;
    series.lastStart = stored.start;
    let perResource = this.active.get(resourceKey);
    if (perResource === undefined) this.active.set(resourceKey, (perResource = new Map()));
    perResource.set(key, stored.end);
  }
}

/**
 * The filters of ListTimeSeries and ListMetricDescriptors the tests use: terms joined by AND, each
 * `FIELD = "value"` or `FIELD = starts_with("value")`, FIELD one of metric.type, resource.type,
 * metric.labels.KEY (or metric.label.KEY) and resource.labels.KEY (or resource.label.KEY).
 */
export type Filter = (subject: {
  metric: { type: string; labels?: Readonly<Record<string, string>> };
  resource?: { type: string; labels: Readonly<Record<string, string>> };
}) => boolean;

export function parseFilter(text: string): Filter {
  const terms: { field: string; value: string; prefix: boolean }[] = [];
  const term =
    /\s*([a-z_.]+[A-Za-z0-9_.]*)\s*=\s*(?:starts_with\(\s*"((?:[^"\\]|\\.)*)"\s*\)|"((?:[^"\\]|\\.)*)")\s*/y;
  let pos = 0;
  while (pos < text.length) {
    term.lastIndex = pos;
    const m = term.exec(text);
    if (m === null) throw new Error(`unsupported filter at "${text.slice(pos)}"`);
    terms.push({ field: m[1] as string, value: m[2] ?? (m[3] as string), prefix: m[2] !== undefined });
    pos = term.lastIndex;
    const and = /AND\s+/y;
    and.lastIndex = pos;
    if (and.exec(text) !== null) pos = and.lastIndex;
    else if (pos < text.length) throw new Error(`unsupported filter at "${text.slice(pos)}"`);
  }
  return (subject) =>
    terms.every(({ field, value, prefix }) => {
      const actual = fieldOf(subject, field);
      return actual !== undefined && (prefix ? actual.startsWith(value) : actual === value);
    });
}

function fieldOf(subject: Parameters<Filter>[0], field: string): string | undefined {
  if (field === 'metric.type') return subject.metric.type;
  if (field === 'resource.type') return subject.resource?.type;
  const m = /^(metric|resource)\.labels?\.(.+)$/.exec(field);
  if (m === null) throw new Error(`unsupported filter field ${field}`);
  return m[1] === 'metric'
    ? subject.metric.labels?.[m[2] as string]
    : subject.resource?.labels[m[2] as string];
}
