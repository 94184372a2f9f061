import type { MetricSetType, PointLabelKey } from './catalogue.js';

/**
 * Heapster's label keys, spelled as Heapster spelled them (its InfluxDB tags and GCM labels), plus
 * cluster_name from our config. A key is present on a metric set only when its value is known.
 */
export const LABELS = [
  { key: 'type', description: 'Kind of metric set: pod_container, pod, ns, node, sys_container or cluster.' },
  { key: 'cluster_name', description: 'Name of the cluster, from the configuration (absent when not set).' },
  { key: 'nodename', description: 'Name of the node the entity runs on.' },
  { key: 'hostname', description: "The node's hostname (its Hostname address, else the node name)." },
  { key: 'host_id', description: 'Identifier of the node given by the cloud provider or the user.' },
  { key: 'namespace_name', description: 'Name of the namespace.' },
  { key: 'namespace_id', description: 'UID of the namespace.' },
  { key: 'pod_name', description: 'Name of the pod.' },
  { key: 'pod_id', description: 'UID of the pod.' },
  {
    key: 'container_name',
    description:
      'Name of the container; for system containers the kubelet name, with runtime and misc reported as ' +
      'docker-daemon and system as Heapster did (configurable).',
  },
  { key: 'container_base_image', description: 'Image of the container, from the pod spec.' },
  {
    key: 'labels',
    description:
      'User labels of the pod (or node) as sorted key:value pairs joined by a separator (default ",").',
  },
  {
    key: 'resource_id',
    description: 'Per-point: which filesystem ("/", "logs", "Volume:<name>") a filesystem metric describes.',
  },
  { key: 'make', description: 'Per-point: make of the accelerator (nvidia, amd, ...).' },
  { key: 'model', description: 'Per-point: model of the accelerator.' },
  { key: 'accelerator_id', description: 'Per-point: identifier of the accelerator.' },
] as const;

export type LabelKey = (typeof LABELS)[number]['key'];
export type SetLabelKey = Exclude<LabelKey, PointLabelKey>;

/** The labels of one metric set: built once per entity and shared by all of its points. */
export type Labels = Readonly<Partial<Record<SetLabelKey, string>>> & { readonly type: MetricSetType };

/** The labels that distinguish points of one metric within a set (filesystem or accelerator). */
export type PointLabels = Readonly<Partial<Record<PointLabelKey, string>>>;

/** Heapster's resource_id values for filesystems. */
export const ROOT_FS: PointLabels = Object.freeze({ resource_id: '/' });
export const LOGS_FS: PointLabels = Object.freeze({ resource_id: 'logs' });
export const VOLUME_PREFIX = 'Volume:';

/**
 * Joined labels by the map they came from. Inventory maps are never changed once made (a changed pod gets a
 * new object), so a pod kept across rounds is joined once, not every round.
 */
const joined = new WeakMap<object, { readonly separator: string; readonly text: string }>();

/** The labels value for a map of user labels: sorted `key:value` pairs joined by the separator. */
export function joinUserLabels(
  labels: Readonly<Record<string, string>> | undefined,
  separator: string,
): string {
  if (labels === undefined) return '';
  const hit = joined.get(labels);
  if (hit !== undefined && hit.separator === separator) return hit.text;
  const pairs: string[] = [];
  for (const key of Object.keys(labels)) pairs.push(`${key}:${labels[key]}`);
  // Code-unit order equals Go's byte order for the ASCII that label keys are made of.
  pairs.sort();
  const text = pairs.join(separator);
  joined.set(labels, { separator, text });
  return text;
}
