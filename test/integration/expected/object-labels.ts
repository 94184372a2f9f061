import type { KubeObject } from '../../sim/objects.js';

/**
 * Heapster's set labels for each entity, read straight from the Kubernetes objects the API server serves:
 * the node's name, Hostname address and providerID; the pod's namespace (and that namespace's UID), name,
 * UID and user labels; the container's image from the pod spec.
 */
export type LabelSet = Record<string, string>;

export interface ClusterObjects {
  readonly nodes: readonly KubeObject[];
  readonly pods: readonly KubeObject[];
  readonly namespaces: readonly KubeObject[];
}

export interface ObjectLabels {
  node(nodeName: string): LabelSet;
  sysContainer(nodeName: string, kubeletName: string): LabelSet;
  pod(podUid: string): LabelSet;
  container(podUid: string, containerName: string): LabelSet;
  namespace(name: string): LabelSet;
  cluster(): LabelSet;
}

/** Heapster's names for the runtime and misc system containers. */
const SYSTEM_CONTAINER_NAMES: Readonly<Record<string, string>> = { runtime: 'docker-daemon', misc: 'system' };

/** Sorted `key:value` pairs joined by ",". */
export function userLabels(labels: Readonly<Record<string, string>> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}:${v}`)
    .sort()
    .join(',');
}

export function objectLabels(objects: ClusterObjects, clusterName: string): ObjectLabels {
  const nodes = new Map(objects.nodes.map((n) => [n.metadata.name, n]));
  const pods = new Map(objects.pods.map((p) => [p.metadata.uid as string, p]));
  const namespaceUids = new Map(objects.namespaces.map((n) => [n.metadata.name, n.metadata.uid as string]));

  const host = (nodeName: string): LabelSet => {
    const node = nodes.get(nodeName);
    if (node === undefined) throw new Error(`no Node object ${nodeName}`);
    const status = node['status'] as { addresses: { type: string; address: string }[] };
    const spec = node['spec'] as { providerID: string };
    return {
      cluster_name: clusterName,
      nodename: nodeName,
      hostname: status.addresses.find((a) => a.type === 'Hostname')?.address ?? nodeName,
      host_id: spec.providerID,
    };
  };
  const pod = (podUid: string): LabelSet => {
    const object = pods.get(podUid);
    if (object === undefined) throw new Error(`no Pod object with uid ${podUid}`);
    const spec = object['spec'] as { nodeName: string };
    const namespace = object.metadata.namespace as string;
    return {
      type: 'pod',
      ...host(spec.nodeName),
      namespace_name: namespace,
      namespace_id: namespaceUids.get(namespace) as string,
      pod_name: object.metadata.name,
      pod_id: podUid,
      labels: userLabels(object.metadata.labels),
    };
  };
  return {
    node: (nodeName) => ({
      type: 'node',
      ...host(nodeName),
      labels: userLabels(nodes.get(nodeName)?.metadata.labels),
    }),
    sysContainer: (nodeName, kubeletName) => ({
      type: 'sys_container',
      ...host(nodeName),
      container_name: SYSTEM_CONTAINER_NAMES[kubeletName] ?? kubeletName,
    }),
    pod,
    container: (podUid, containerName) => {
      const spec = pods.get(podUid)?.['spec'] as { containers: { name: string; image: string }[] };
      const image = spec.containers.find((c) => c.name === containerName)?.image;
      if (image === undefined) throw new Error(`pod ${podUid} has no container ${containerName} in its spec`);
      return {
        ...pod(podUid),
        type: 'pod_container',
        container_name: containerName,
        container_base_image: image,
      };
    },
    namespace: (name) => ({
      type: 'ns',
      cluster_name: clusterName,
      namespace_name: name,
      namespace_id: namespaceUids.get(name) as string,
    }),
    cluster: () => ({ type: 'cluster', cluster_name: clusterName }),
  };
}
