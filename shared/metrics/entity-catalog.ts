import type { NodeInfo, PodInfo } from './inventory.js';
import { VOLUME_PREFIX, type Labels, type PointLabels } from './labels.js';
import type { MetricSet } from './model.js';

/**
 * The entities of the nodes a process scrapes, kept from round to round: a node's metric sets, their labels and
 * its volumes' labels are the same objects every round, made again only when what they are made of changed.
 *
 * Why: a round holds its blocks until its sinks have written. Objects of its own per entity (~45 KiB per node of
 * sets, labels and volume labels) outlived V8's young generation, and at 1000 nodes their ~45 MiB per round
 * started two to six full collections every round. Kept, they are promoted once; a round then allocates its
 * numbers (from its arena) and ~6 KiB per node besides.
 *
 * What neither the last round nor the one before saw is forgotten (sweep), so churn does not grow it. Rounds
 * may overlap: an entity's identity never changes, its labels are replaced whole, and one forgotten too early is
 * only made again.
 */
export class EntityCatalog {
  private readonly nodes = new Map<string, NodeEntities>();
  private readonly clock = { round: 0 };

  /** The entities of a node, made on first sight. */
  node(name: string): NodeEntities {
    let node = this.nodes.get(name);
    if (node === undefined) {
      node = new NodeEntities(name, this.clock);
      this.nodes.set(name, node);
    }
    node.seen = this.clock.round;
    return node;
  }

  /** Once a round is over: forgets what neither it nor the round before it saw. */
  sweep(): void {
    const oldest = this.clock.round - 1;
    for (const [name, node] of this.nodes) {
      if (node.seen < oldest) this.nodes.delete(name);
      else node.sweep(oldest);
    }
    this.clock.round++;
  }

  /** Nodes kept (for tests and the bench). */
  get size(): number {
    return this.nodes.size;
  }
}

/** When an entity was last seen: the catalog's round number. */
interface Seen {
  seen: number;
}

interface Kept<T> extends Seen {
  readonly value: T;
}

/** What a set's labels were made from: they are still valid while all of it is the same. */
export interface LabelSource {
  readonly node: NodeInfo | undefined;
  readonly pod: PodInfo | undefined;
  readonly namespaceId: string | undefined;
  /** The label options, as one string (see Labeller). */
  readonly options: string;
}

/**
 * A kept set, with the labels last made for it and what they were made from: fields of the set itself, not an
 * object and a map entry of their own per set, which cost more than the labels.
 */
class Entity implements MetricSet {
  keptLabels: Labels | undefined = undefined;
  keptNode: NodeInfo | undefined = undefined;
  keptPod: PodInfo | undefined = undefined;
  keptNamespaceId: string | undefined = undefined;
  keptOptions = '';

  constructor(
    readonly type: MetricSet['type'],
    readonly nodeName: string,
    readonly namespace: string,
    readonly podName: string,
    readonly podUid: string,
    readonly containerName: string,
  ) {}
}

/** One node's entities. Made by an EntityCatalog, or on its own for one round (nothing kept). */
export class NodeEntities implements Seen {
  seen: number;
  /** The node's own set. */
  readonly node: MetricSet;
  private readonly systemContainers = new Map<string, Kept<MetricSet>>();
  private readonly pods = new Map<string, PodEntities>();

  constructor(
    readonly nodeName: string,
    private readonly clock: { readonly round: number } = { round: 0 },
  ) {
    this.seen = clock.round;
    this.node = new Entity('node', nodeName, '', '', '', '');
  }

  systemContainer(name: string): MetricSet {
    let kept = this.systemContainers.get(name);
    if (kept === undefined) {
      kept = { value: new Entity('sys_container', this.nodeName, '', '', '', name), seen: 0 };
      this.systemContainers.set(name, kept);
    }
    kept.seen = this.clock.round;
    return kept.value;
  }

  /** A pod by its UID (by namespace/name when the source gave none). */
  pod(namespace: string, name: string, uid: string): PodEntities {
    const key = uid !== '' ? uid : `${namespace}/${name}`;
    let pod = this.pods.get(key);
    if (pod === undefined || pod.set.namespace !== namespace || pod.set.podName !== name) {
      pod = new PodEntities(new Entity('pod', this.nodeName, namespace, name, uid, ''));
      this.pods.set(key, pod);
    }
    pod.seen = this.clock.round;
    return pod;
  }

  /** Forgets what was last seen before round `oldest`. */
  sweep(oldest: number): void {
    forget(this.systemContainers, oldest);
    forget(this.pods, oldest);
  }
}

/** The labels last kept with a set, if they were made from the same source; undefined otherwise. */
export function keptLabels(set: MetricSet, source: LabelSource): Labels | undefined {
  return set instanceof Entity &&
    set.keptNode === source.node &&
    set.keptPod === source.pod &&
    set.keptNamespaceId === source.namespaceId &&
    set.keptOptions === source.options
    ? set.keptLabels
    : undefined;
}

/** Keeps `labels` with a set made by NodeEntities (other sets keep nothing). */
export function keepLabels(set: MetricSet, labels: Labels, source: LabelSource): void {
  if (!(set instanceof Entity)) return;
  set.keptLabels = labels;
  set.keptNode = source.node;
  set.keptPod = source.pod;
  set.keptNamespaceId = source.namespaceId;
  set.keptOptions = source.options;
}

/** A pod's set, its containers' sets and its volumes' labels. */
export class PodEntities implements Seen {
  seen = 0;
  private readonly containers: MetricSet[] = [];
  private readonly volumeNames: string[] = [];
  private readonly volumeLabels: PointLabels[] = [];

  constructor(readonly set: MetricSet) {}

  /** The resource_id label of a volume's filesystem points. */
  volume(name: string): PointLabels {
    const at = this.volumeNames.indexOf(name);
    if (at >= 0) return this.volumeLabels[at] as PointLabels;
    const labels: PointLabels = { resource_id: VOLUME_PREFIX + name };
    this.volumeNames.push(name);
    this.volumeLabels.push(labels);
    return labels;
  }

  container(name: string): MetricSet {
    for (const c of this.containers) if (c.containerName === name) return c;
    const { nodeName, namespace, podName, podUid } = this.set;
    const c = new Entity('pod_container', nodeName, namespace, podName, podUid, name);
    this.containers.push(c);
    return c;
  }
}

function forget<K>(map: Map<K, Seen>, oldest: number): void {
  for (const [key, value] of map) if (value.seen < oldest) map.delete(key);
}
