import type { Problems } from '../../config/config-error.js';
import type { HeapsterUri } from '../../config/uri.js';
import { readDuration, readInt, rejectUnknownOptions } from '../../config/values.js';
import { findMetricId, isMetricSetType, METRICS, type MetricSetType } from '../../metrics/catalogue.js';
import { splitEndpoint } from '../../config/endpoint.js';

/**
 * The `gcm` sink's options, Heapster's syntax:
 *   gcm?project=P&location=L&prefix=custom.googleapis.com/heapster&metrics=all&levels=pod_container,pod
 * Project and location left out are taken from the runtime when the sink starts.
 */
export interface GcmSinkConfig {
  readonly project: string | undefined;
  /** The monitored resources' location label: the cluster's region or zone. */
  readonly location: string | undefined;
  /** Metric types are `<prefix>/<metric name>`. */
  readonly prefix: string;
  /**
   * Catalogue indexes of the metrics written. Cloud Monitoring bills every point, and each request carries at
   * most 200, so the series written are both the bill and most of the sink's CPU (a gRPC call costs far more
   * than encoding its 200 points). The default is Heapster's: all. The `*_rate` gauges are about a seventh of
   * the points and can be left out with an explicit list: Cloud Monitoring derives rates from the cumulative
   * metrics (ALIGN_RATE).
   */
  readonly metrics: readonly number[];
  /**
   * With 30 pods of 2 containers a node, pod_container carries about 60% of the points, pod 36%, node and
   * sys_container 1.5% each, ns and cluster almost none. The default leaves out sys_container only, so a
   * 1000-node cluster writes about 2.8 million points (14,000 requests) a round; levels=pod,node,ns,cluster
   * writes 38% of that.
   */
  readonly levels: readonly MetricSetType[];
  /** Extra metric labels, each from a Heapster label or one user label of the pod or node. */
  readonly labels: readonly ExtraLabel[];
  /** HOST:PORT of a regional or Private Service Connect endpoint, or a local stand-in. */
  readonly endpoint: string | undefined;
  /** CreateTimeSeries requests in flight at once. */
  readonly concurrency: number;
  /** Per request, before it counts as DEADLINE_EXCEEDED. */
  readonly timeoutMs: number;
}

/** Heapster labels that may be asked for as metric labels: few values per entity, never free text. */
export const EXTRA_HEAPSTER_LABELS = [
  'pod_id',
  'namespace_id',
  'container_base_image',
  'hostname',
  'host_id',
  'nodename',
] as const;
export type ExtraHeapsterLabel = (typeof EXTRA_HEAPSTER_LABELS)[number];

export type ExtraLabel =
  | { readonly kind: 'heapster'; readonly key: ExtraHeapsterLabel }
  /** `label:app` reads the user label "app" out of the joined `labels` label, written as `label_app`. */
  | { readonly kind: 'user'; readonly userKey: string; readonly key: string };

/** Node metrics Heapster's `metrics=autoscaling` wrote (its NodeAutoscalingMetrics). */
export const AUTOSCALING_METRICS = [
  'cpu/node_capacity',
  'memory/node_capacity',
  'cpu/node_allocatable',
  'memory/node_allocatable',
  'cpu/node_utilization',
  'memory/node_utilization',
  'cpu/node_reservation',
  'memory/node_reservation',
] as const;

export const DEFAULT_PREFIX = 'custom.googleapis.com/heapster';
export const DEFAULT_LEVELS: readonly MetricSetType[] = ['pod_container', 'pod', 'node', 'ns', 'cluster'];
/** Cloud Monitoring allows 30 labels per descriptor; the sink's own take at most 6 of them. */
export const MAX_EXTRA_LABELS = 10;
const KNOWN_OPTIONS = [
  'project',
  'location',
  'prefix',
  'metrics',
  'levels',
  'labels',
  'endpoint',
  'concurrency',
  'timeout',
] as const;

const EXAMPLE = 'gcm?project=my-project&location=europe-west1';

export function parseGcmSink(problems: Problems, variable: string, uri: HeapsterUri): GcmSinkConfig {
  const name = (option: string): string => `${variable} (gcm option ${option})`;
  const o = uri.options;
  rejectUnknownOptions(problems, variable, uri.text, o, KNOWN_OPTIONS);
  if (uri.url !== undefined)
    problems.add(variable, `the gcm sink takes no URL, only options: "${uri.text}"`, EXAMPLE);

  const project = text(o.get('project'));
  if (project !== undefined && !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^\d+$/.test(project))
    problems.add(name('project'), `"${project}" is not a project ID or number`, EXAMPLE);
  const location = text(o.get('location'));
  if (location !== undefined && !/^[a-z0-9-]{1,63}$/.test(location))
    problems.add(name('location'), `"${location}" is not a region or zone`, EXAMPLE);

  const prefix = (text(o.get('prefix')) ?? DEFAULT_PREFIX).replace(/\/+$/, '');
  if (!/^custom\.googleapis\.com(\/[A-Za-z0-9_.-]+)+$/.test(prefix))
    problems.add(
      name('prefix'),
      `"${prefix}" must be custom.googleapis.com/ followed by path segments of letters, digits, "_", "." or "-"`,
      `gcm?prefix=${DEFAULT_PREFIX}`,
    );

  const endpoint = text(o.get('endpoint'));
  if (endpoint !== undefined && splitEndpoint(endpoint) === undefined)
    problems.add(
      name('endpoint'),
      `"${endpoint}" must be HOST:PORT`,
      'gcm?endpoint=monitoring.googleapis.com:443',
    );

  return {
    project,
    location,
    prefix,
    metrics: readMetrics(problems, name('metrics'), o.get('metrics')),
    levels: readLevels(problems, name('levels'), o.get('levels')),
    labels: readLabels(problems, name('labels'), o.get('labels')),
    endpoint,
    concurrency: readInt(problems, name('concurrency'), o.get('concurrency'), 8, { min: 1, max: 64 }),
    timeoutMs: readDuration(problems, name('timeout'), o.get('timeout'), 12_000, {
      minMs: 1_000,
      maxMs: 300_000,
    }),
  };
}

function text(raw: string | null): string | undefined {
  const t = raw?.trim();
  return t === undefined || t === '' ? undefined : t;
}

function list(raw: string | null): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function readMetrics(problems: Problems, variable: string, raw: string | null): number[] {
  const items = list(raw);
  if (items.length === 0 || (items.length === 1 && items[0] === 'all')) return METRICS.map((_, i) => i);
  if (items.length === 1 && items[0] === 'autoscaling')
    return AUTOSCALING_METRICS.map((m) => findMetricId(m) as number);
  const ids: number[] = [];
  for (const item of items) {
    const id = findMetricId(item);
    if (id === undefined)
      problems.add(
        variable,
        `"${item}" is not "all", "autoscaling" or a metric name (see docs/metrics.md)`,
        'gcm?metrics=cpu/usage_rate,memory/working_set',
      );
    else if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

function readLevels(problems: Problems, variable: string, raw: string | null): MetricSetType[] {
  const items = list(raw);
  if (items.length === 0) return [...DEFAULT_LEVELS];
  const levels: MetricSetType[] = [];
  for (const item of items) {
    if (!isMetricSetType(item))
      problems.add(
        variable,
        `"${item}" is not one of pod_container, pod, node, sys_container, ns, cluster`,
        'gcm?levels=pod,node,cluster',
      );
    else if (!levels.includes(item)) levels.push(item);
  }
  return levels;
}

function readLabels(problems: Problems, variable: string, raw: string | null): ExtraLabel[] {
  const labels: ExtraLabel[] = [];
  for (const item of list(raw)) {
    if (item.startsWith('label:')) {
      const userKey = item.slice('label:'.length);
      // Kubernetes label keys: an optional DNS prefix and a name of letters, digits, "-", "_" and ".".
      if (!/^([a-z0-9.-]{1,253}\/)?[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/.test(userKey)) {
        problems.add(variable, `"${userKey}" is not a Kubernetes label key`, 'gcm?labels=label:app');
        continue;
      }
      const key = `label_${userKey.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
      if (!labels.some((l) => l.key === key)) labels.push({ kind: 'user', userKey, key });
    } else if ((EXTRA_HEAPSTER_LABELS as readonly string[]).includes(item)) {
      if (!labels.some((l) => l.key === item))
        labels.push({ kind: 'heapster', key: item as ExtraHeapsterLabel });
    } else {
      problems.add(
        variable,
        `"${item}" is not one of ${EXTRA_HEAPSTER_LABELS.join(', ')} or label:<user label key>`,
        'gcm?labels=container_base_image,label:app',
      );
    }
  }
  if (labels.length > MAX_EXTRA_LABELS)
    problems.add(
      variable,
      `${labels.length} extra labels: at most ${MAX_EXTRA_LABELS} (each multiplies the series a resource has)`,
      'gcm?labels=label:app',
    );
  return labels;
}
