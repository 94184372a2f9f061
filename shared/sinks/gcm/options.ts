import type { Problems } from '../../config/config-error.js';
import type { HeapsterUri } from '../../config/uri.js';
import { readDuration, readInt, rejectUnknownOptions } from '../../config/values.js';
import {
  findMetricId,
  isMetricSetType,
  metricId,
  METRICS,
  type MetricName,
  type MetricSetType,
} from '../../metrics/catalogue.js';
import { splitEndpoint } from '../../config/endpoint.js';

/**
 * The `gcm` sink's options, Heapster's syntax:
 *   gcm?project=P&location=L&prefix=custom.googleapis.com/heapster&metrics=core&levels=pod,node,ns,cluster
 * Project and location left out are taken from the runtime when the sink starts. The defaults write what a GKE
 * cluster does not already get for free from Cloud Monitoring's system metrics (kubernetes.io/container/*
 * carries per-container CPU, memory, requests, limits and restarts): pod sums, node reservation and
 * utilization, namespace and cluster totals.
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
   * than encoding its 200 points). The default, `core`, is CORE_METRICS: usage, requests and limits of CPU and
   * memory, network rates, ephemeral storage, restarts and the node autoscaling metrics. Heapster's `all` and
   * `autoscaling` keep their meaning; a comma-separated list names metrics one by one.
   */
  readonly metrics: readonly number[];
  /**
   * Default pod, node, ns, cluster. With 30 pods of 2 containers a node, pod_container would carry about 60%
   * of the points (more than pod, as each pod has two containers): on GKE those are the free
   * kubernetes.io/container/* metrics again, so it is asked for explicitly. At the defaults a 1000-node,
   * 30-pod cluster writes about 350,000 points (1,750 requests) a round; `metrics=all` on every level but
   * sys_container about 2.8 million (14,000 requests).
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

/**
 * The `core` set, the default: what operators chart and alert on, where GKE's free system metrics leave gaps
 * (pod sums of requests and limits, node reservation and utilization, namespace and cluster totals). Only
 * gauges: Cloud Monitoring bills cumulative points the same, and the rates here are what charts ask for.
 */
export const CORE_METRICS = [
  'cpu/usage_rate',
  'cpu/request',
  'cpu/limit',
  'memory/usage',
  'memory/working_set',
  'memory/request',
  'memory/limit',
  'network/rx_rate',
  'network/tx_rate',
  'ephemeral_storage/usage',
  'restart_count',
  ...AUTOSCALING_METRICS,
] as const satisfies readonly MetricName[];

/** Named metric sets of the `metrics` option. */
export const METRIC_SETS = ['core', 'all', 'autoscaling'] as const;
export type MetricSetName = (typeof METRIC_SETS)[number];
const isMetricSetName = (value: string): value is MetricSetName =>
  (METRIC_SETS as readonly string[]).includes(value);

const METRIC_SET_MEMBERS: Readonly<Record<MetricSetName, () => number[]>> = {
  core: () => CORE_METRICS.map(metricId),
  all: () => METRICS.map((_, i) => i),
  autoscaling: () => AUTOSCALING_METRICS.map(metricId),
};

export const DEFAULT_PREFIX = 'custom.googleapis.com/heapster';
export const DEFAULT_METRIC_SET: MetricSetName = 'core';
export const DEFAULT_LEVELS: readonly MetricSetType[] = ['pod', 'node', 'ns', 'cluster'];
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
  if (items.length === 0) return METRIC_SET_MEMBERS[DEFAULT_METRIC_SET]();
  const only = items.length === 1 ? items[0] : undefined;
  if (only !== undefined && isMetricSetName(only)) return METRIC_SET_MEMBERS[only]();
  const ids: number[] = [];
  for (const item of items) {
    const id = findMetricId(item);
    if (isMetricSetName(item))
      problems.add(
        variable,
        `"${item}" names a set of metrics: give it alone, or list metric names`,
        `gcm?metrics=${item}`,
      );
    else if (id === undefined)
      problems.add(
        variable,
        `"${item}" is not ${METRIC_SETS.map((m) => `"${m}"`).join(', ')} or a metric name (see docs/metrics.md)`,
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
        'gcm?levels=pod_container,pod,node,ns,cluster',
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
