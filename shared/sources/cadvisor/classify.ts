import type { CadvisorContainer } from './container.js';

/** A pod as the kubelet labels its containers (or names them, before labels). */
export interface PodIdentity {
  readonly namespace: string;
  readonly name: string;
  /** Empty when neither labels nor name carry it. */
  readonly uid: string;
}

/**
 * What a cAdvisor container is in Heapster's model: the root cgroup is the machine; a container the kubelet
 * started is its pod's sandbox ("POD", whose network namespace the pod's containers share) or one of the
 * pod's containers; anything else (raw cgroups, containers started by hand) is a system container named by
 * its cgroup without the leading "/", as Heapster named them.
 */
export type ContainerRole =
  | { readonly kind: 'node' }
  | { readonly kind: 'sys_container'; readonly name: string }
  | { readonly kind: 'pod'; readonly pod: PodIdentity }
  | { readonly kind: 'pod_container'; readonly pod: PodIdentity; readonly container: string };

const LABEL = {
  container: 'io.kubernetes.container.name',
  pod: 'io.kubernetes.pod.name',
  namespace: 'io.kubernetes.pod.namespace',
  uid: 'io.kubernetes.pod.uid',
  dockerType: 'io.kubernetes.docker.type',
};
const SANDBOX = 'POD';

/**
 * The kubelet's docker names: k8s_<container>[.<hash>]_<pod>_<namespace>_<uid>_<suffix>, the suffix being
 * the restart count (or, before Kubernetes 1.2, a random hex word). Kubernetes names hold no "_", so the
 * fields split cleanly.
 */
const DOCKER_NAME = /^\/?k8s_([^_.]+)(?:\.[0-9a-f]+)?_([^_]+)_([^_]+)_([^_]+)_[0-9a-f]+$/;

function fromAliases(aliases: readonly string[]): { container: string; pod: PodIdentity } | undefined {
  for (const alias of aliases) {
    const m = DOCKER_NAME.exec(alias);
    if (m !== null) {
      const [, container = '', name = '', namespace = '', uid = ''] = m;
      return { container, pod: { namespace, name, uid } };
    }
  }
  return undefined;
}

export function classify(c: CadvisorContainer): ContainerRole {
  if (c.name === '/') return { kind: 'node' };
  const labels = c.labels;
  let container = labels[LABEL.container] ?? '';
  let namespace = labels[LABEL.namespace] ?? '';
  let name = labels[LABEL.pod] ?? '';
  let uid = labels[LABEL.uid] ?? '';
  // Kubernetes 1.0 wrote "namespace/name" in the pod name label and no namespace label.
  if (namespace === '' && name.includes('/')) [namespace = '', name = ''] = name.split('/', 2);
  if (container === '' || namespace === '' || name === '') {
    const parsed = fromAliases(c.aliases);
    if (parsed !== undefined) {
      container ||= parsed.container;
      namespace ||= parsed.pod.namespace;
      name ||= parsed.pod.name;
      uid ||= parsed.pod.uid;
    }
  }
  if (container === '' || namespace === '' || name === '')
    return { kind: 'sys_container', name: c.name.replace(/^\//, '') };
  const pod = { namespace, name, uid };
  if (container === SANDBOX || labels[LABEL.dockerType] === 'podsandbox') return { kind: 'pod', pod };
  return { kind: 'pod_container', pod, container };
}
