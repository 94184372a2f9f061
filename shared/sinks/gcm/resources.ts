import type { MetricSetType } from '../../metrics/catalogue.js';
import type { Labels } from '../../metrics/labels.js';
import type { MetricSet } from '../../metrics/model.js';
import type { ExtraLabel } from './options.js';

/**
 * Where a metric set's points go in Cloud Monitoring: the most specific Kubernetes monitored resource, plus
 * the few metric labels that tell apart entities sharing one resource (a node's system containers, a
 * cluster's namespaces). Cardinality is counted per monitored resource, so metric labels stay few.
 */
export const RESOURCE_TYPES = ['k8s_container', 'k8s_pod', 'k8s_node', 'k8s_cluster'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** The labels each resource type requires (Cloud Monitoring's monitored resource list). */
export const RESOURCE_LABELS: Readonly<Record<ResourceType, readonly string[]>> = {
  k8s_container: ['project_id', 'location', 'cluster_name', 'namespace_name', 'pod_name', 'container_name'],
  k8s_pod: ['project_id', 'location', 'cluster_name', 'namespace_name', 'pod_name'],
  k8s_node: ['project_id', 'location', 'cluster_name', 'node_name'],
  k8s_cluster: ['project_id', 'location', 'cluster_name'],
};

export const RESOURCE_OF_LEVEL: Readonly<Record<MetricSetType, ResourceType>> = {
  pod_container: 'k8s_container',
  pod: 'k8s_pod',
  node: 'k8s_node',
  sys_container: 'k8s_node',
  ns: 'k8s_cluster',
  cluster: 'k8s_cluster',
};

/** Metric labels the sink itself adds per level: which system container, which namespace. */
export const LEVEL_METRIC_LABELS: Readonly<Record<MetricSetType, readonly string[]>> = {
  pod_container: [],
  pod: [],
  node: [],
  sys_container: ['container_name'],
  ns: ['namespace_name'],
  cluster: [],
};

/** The levels on which an extra label can have a value. */
export function extraLabelLevels(label: ExtraLabel): readonly MetricSetType[] {
  if (label.kind === 'user') return ['pod_container', 'pod', 'node'];
  switch (label.key) {
    case 'pod_id':
      return ['pod_container', 'pod'];
    case 'namespace_id':
      return ['pod_container', 'pod', 'ns'];
    case 'container_base_image':
      return ['pod_container'];
    case 'hostname':
    case 'host_id':
    case 'nodename':
      return ['pod_container', 'pod', 'node', 'sys_container'];
  }
}

export interface MonitoredResource {
  readonly type: ResourceType;
  readonly labels: Readonly<Record<string, string>>;
}

/** One metric set's destination: shared by every point of the set. */
export interface SetTarget {
  readonly resource: MonitoredResource;
  readonly metricLabels: Readonly<Record<string, string>>;
  /** Identifies the resource and metric labels: two sets with one key would write the same series. */
  readonly key: string;
}

export interface ResourceContext {
  readonly project: string;
  readonly location: string;
  readonly extraLabels: readonly ExtraLabel[];
}

/** Cloud Monitoring rejects longer label values. */
export const MAX_LABEL_VALUE = 1024;

export function targetOf(set: MetricSet, labels: Labels, ctx: ResourceContext): SetTarget {
  const cluster = labels.cluster_name ?? 'default';
  const base = { project_id: ctx.project, location: ctx.location, cluster_name: cluster };
  let resource: MonitoredResource;
  const metricLabels: Record<string, string> = {};
  switch (set.type) {
    case 'pod_container':
      resource = {
        type: 'k8s_container',
        labels: {
          ...base,
          namespace_name: set.namespace,
          pod_name: set.podName,
          container_name: set.containerName,
        },
      };
      break;
    case 'pod':
      resource = {
        type: 'k8s_pod',
        labels: { ...base, namespace_name: set.namespace, pod_name: set.podName },
      };
      break;
    case 'node':
      resource = { type: 'k8s_node', labels: { ...base, node_name: set.nodeName } };
      break;
    case 'sys_container':
      resource = { type: 'k8s_node', labels: { ...base, node_name: set.nodeName } };
      metricLabels.container_name = labels.container_name ?? set.containerName;
      break;
    case 'ns':
      resource = { type: 'k8s_cluster', labels: base };
      metricLabels.namespace_name = set.namespace;
      break;
    case 'cluster':
      resource = { type: 'k8s_cluster', labels: base };
      break;
  }
  for (const extra of ctx.extraLabels) {
    // Only where the descriptors declare it (descriptors.ts uses the same levels).
    if (!extraLabelLevels(extra).includes(set.type)) continue;
    const value = extraValue(extra, labels);
    if (value !== undefined && value !== '') metricLabels[extra.key] = value.slice(0, MAX_LABEL_VALUE);
  }
  let key = resource.type;
  for (const k of RESOURCE_LABELS[resource.type]) key += `\u0000${resource.labels[k]}`;
  for (const k in metricLabels) key += `\u0001${k}=${metricLabels[k]}`;
  return { resource, metricLabels, key };
}

function extraValue(extra: ExtraLabel, labels: Labels): string | undefined {
  if (extra.kind === 'heapster') return labels[extra.key];
  return labels.labels === undefined ? undefined : userLabel(labels.labels, extra.userKey);
}

const KEY_CHAR = /[A-Za-z0-9._/-]/;
const VALUE_RUN = /^[A-Za-z0-9._-]*/;

/**
 * One user label's value out of Heapster's joined `key:value` list. The separator is configurable, but keys
 * and values are made of letters, digits and ".", "_", "-" ("/" in keys), so a value ends at the first other
 * character and a key starts after one.
 */
export function userLabel(joined: string, key: string): string | undefined {
  const needle = `${key}:`;
  let from = 0;
  for (;;) {
    const at = joined.indexOf(needle, from);
    if (at === -1) return undefined;
    if (at === 0 || !KEY_CHAR.test(joined[at - 1] as string))
      return (VALUE_RUN.exec(joined.slice(at + needle.length)) as RegExpExecArray)[0];
    from = at + 1;
  }
}
