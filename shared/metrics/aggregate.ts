import { METRIC_COUNT, METRICS, metricId, type MetricName } from './catalogue.js';
import type { Labels } from './labels.js';
import {
  NO_POINTS,
  setColumns,
  type MetricBlock,
  type MetricSet,
  type NodeBlock,
  type NumberColumn,
} from './model.js';

/**
 * Aggregate, with Heapster's rules. Per node: a pod takes the sum of its containers' gauges for every
 * metric the kubelet gave no pod-level value for, and the node takes the sum of its pods' requests and
 * limits. Across nodes: namespaces sum their pods, the cluster sums the nodes, over the metrics below.
 *
 * Namespace and cluster totals span nodes, so aggregate returns them as partial sums: plain JSON that
 * shards can hand to one finaliser, merged in any order with the same result (the sums are of integers).
 */
export const NAMESPACE_METRICS = [
  'cpu/usage_rate',
  'memory/usage',
  'cpu/request',
  'cpu/limit',
  'memory/request',
  'memory/limit',
] as const satisfies readonly MetricName[];
export type AggregatedMetric = (typeof NAMESPACE_METRICS)[number];
/** The cluster set sums the nodes over the same metrics. */
export const CLUSTER_METRICS = NAMESPACE_METRICS;
export const NODE_METRICS_FROM_PODS = [
  'cpu/request',
  'cpu/limit',
  'memory/request',
  'memory/limit',
  'ephemeral_storage/request',
  'ephemeral_storage/limit',
] as const satisfies readonly MetricName[];

export type AggregateSums = Readonly<Partial<Record<AggregatedMetric, number>>>;

export interface NamespacePartial {
  /** The namespace's UID when known. */
  readonly id?: string;
  readonly sums: AggregateSums;
}

/** Partial namespace and cluster sums of some nodes. */
export interface AggregatePartial {
  /** By namespace name. */
  readonly namespaces: Readonly<Record<string, NamespacePartial>>;
  readonly cluster: AggregateSums;
}

export const EMPTY_PARTIAL: AggregatePartial = { namespaces: {}, cluster: {} };

/** Gauges a pod sums from its containers: per-set values (no per-point labels) at both levels. */
const POD_FROM_CONTAINERS = METRICS.flatMap((m, id) =>
  m.kind === 'gauge' &&
  m.pointLabels.length === 0 &&
  (m.levels as readonly string[]).includes('pod_container') &&
  (m.levels as readonly string[]).includes('pod')
    ? [{ id, counter: 'rateOf' in m ? metricId(m.rateOf as MetricName) : -1 }]
    : [],
);
const NAMESPACE_IDS = NAMESPACE_METRICS.map((name) => metricId(name));
const NODE_FROM_PODS_IDS = NODE_METRICS_FROM_PODS.map((name) => metricId(name));

export interface AggregateResult {
  readonly block: NodeBlock;
  readonly partial: AggregatePartial;
}

export function aggregate(block: NodeBlock): AggregateResult {
  return aggregateInPlace({ ...block, values: block.values.slice() });
}

/** aggregate writing the sums into `block.values`: for a caller that owns the block (the pipeline). */
export function aggregateInPlace(block: NodeBlock): AggregateResult {
  const { sets, owners, labels, values } = block;
  fillPodsFromContainers(sets, owners, values);
  fillNodeFromPods(sets, values);

  const namespaces = new Map<string, DraftNamespace>();
  const cluster: DraftSums = {};
  for (let s = 0; s < sets.length; s++) {
    const set = sets[s] as MetricSet;
    if (set.type === 'pod' && set.namespace !== '') {
      const ns = draftNamespace(namespaces, set.namespace);
      const id = (labels[s] as Labels).namespace_id;
      if (id !== undefined) ns.id = id;
      addRow(ns.sums, values, s);
    } else if (set.type === 'node') {
      addRow(cluster, values, s);
    }
  }
  return { block, partial: { namespaces: Object.fromEntries(namespaces), cluster } };
}

/** Per-pod sums while a node is aggregated: one buffer for every node, grown as needed. */
let podSums = new Float64Array(0);

function fillPodsFromContainers(
  sets: readonly MetricSet[],
  owners: NumberColumn,
  values: Float64Array,
): void {
  const width = POD_FROM_CONTAINERS.length;
  if (podSums.length < sets.length * width) podSums = new Float64Array(sets.length * width * 2);
  const sums = podSums.fill(NaN, 0, sets.length * width);
  for (let c = 0; c < sets.length; c++) {
    const pod = owners[c] as number;
    if (pod < 0) continue;
    for (let k = 0; k < width; k++) {
      const v = values[c * METRIC_COUNT + (POD_FROM_CONTAINERS[k] as { id: number }).id] as number;
      if (v !== v) continue;
      const at = pod * width + k;
      const sum = sums[at] as number;
      sums[at] = sum === sum ? sum + v : v;
    }
  }
  for (let p = 0; p < sets.length; p++) {
    if ((sets[p] as MetricSet).type !== 'pod') continue;
    const base = p * METRIC_COUNT;
    for (let k = 0; k < width; k++) {
      const { id, counter } = POD_FROM_CONTAINERS[k] as { id: number; counter: number };
      const sum = sums[p * width + k] as number;
      const own = values[base + id] as number;
      // A pod with its own counter but no rate yet (first sight, restart) waits for its own rate.
      const ownCounter = counter >= 0 ? (values[base + counter] as number) : NaN;
      if (own !== own && sum === sum && ownCounter !== ownCounter) values[base + id] = sum;
    }
  }
}

function fillNodeFromPods(sets: readonly MetricSet[], values: Float64Array): void {
  const node = sets.findIndex((s) => s.type === 'node');
  if (node < 0) return;
  for (const id of NODE_FROM_PODS_IDS) {
    let sum = NaN;
    for (let p = 0; p < sets.length; p++) {
      if ((sets[p] as MetricSet).type !== 'pod') continue;
      const v = values[p * METRIC_COUNT + id] as number;
      if (v === v) sum = sum === sum ? sum + v : v;
    }
    if (sum === sum) values[node * METRIC_COUNT + id] = sum;
  }
}

function addRow(sums: DraftSums, values: Float64Array, set: number): void {
  for (let k = 0; k < NAMESPACE_METRICS.length; k++) {
    const v = values[set * METRIC_COUNT + (NAMESPACE_IDS[k] as number)] as number;
    if (v !== v) continue;
    const name = NAMESPACE_METRICS[k] as AggregatedMetric;
    sums[name] = (sums[name] ?? 0) + v;
  }
}

/** One partial from many; the order does not matter. */
export function mergePartials(partials: readonly AggregatePartial[]): AggregatePartial {
  const namespaces = new Map<string, DraftNamespace>();
  const cluster: DraftSums = {};
  for (const partial of partials) {
    for (const [name, ns] of Object.entries(partial.namespaces)) {
      const into = draftNamespace(namespaces, name);
      if (ns.id !== undefined) into.id = ns.id;
      addSums(into.sums, ns.sums);
    }
    addSums(cluster, partial.cluster);
  }
  return { namespaces: Object.fromEntries(namespaces), cluster };
}

type DraftSums = Partial<Record<AggregatedMetric, number>>;
interface DraftNamespace {
  id?: string;
  sums: DraftSums;
}

// A Map, not an object: "constructor" and "toString" are valid namespace names.
function draftNamespace(namespaces: Map<string, DraftNamespace>, name: string): DraftNamespace {
  let ns = namespaces.get(name);
  if (ns === undefined) {
    ns = { sums: {} };
    namespaces.set(name, ns);
  }
  return ns;
}

function addSums(into: DraftSums, from: AggregateSums): void {
  for (const name of NAMESPACE_METRICS) {
    const v = from[name];
    if (typeof v === 'number' && Number.isFinite(v)) into[name] = (into[name] ?? 0) + v;
  }
}

export interface FinalizeOptions {
  readonly clusterName?: string;
}

/** The namespace sets (sorted by name) and the cluster set of a round, from all nodes' merged partial. */
export function finalizeAggregates(partial: AggregatePartial, options: FinalizeOptions = {}): MetricBlock {
  const names = Object.keys(partial.namespaces).sort();
  const sets: MetricSet[] = [];
  const labels: Labels[] = [];
  const { values, times, owners } = setColumns(names.length + 1);
  const cluster =
    options.clusterName !== undefined && options.clusterName !== ''
      ? { cluster_name: options.clusterName }
      : {};
  names.forEach((name, i) => {
    const ns = partial.namespaces[name] as NamespacePartial;
    sets.push(aggregateSet('ns', name));
    labels.push({
      type: 'ns',
      ...cluster,
      namespace_name: name,
      ...(ns.id !== undefined && ns.id !== '' ? { namespace_id: ns.id } : {}),
    });
    writeSums(values, i, ns.sums);
  });
  sets.push(aggregateSet('cluster', ''));
  labels.push({ type: 'cluster', ...cluster });
  writeSums(values, names.length, partial.cluster);
  return { sets, owners, times, values, points: NO_POINTS, labels };
}

function aggregateSet(type: 'ns' | 'cluster', namespace: string): MetricSet {
  return { type, nodeName: '', namespace, podName: '', podUid: '', containerName: '' };
}

function writeSums(values: Float64Array, set: number, sums: AggregateSums): void {
  for (let k = 0; k < NAMESPACE_METRICS.length; k++) {
    const v = sums[NAMESPACE_METRICS[k] as AggregatedMetric];
    if (typeof v === 'number') values[set * METRIC_COUNT + (NAMESPACE_IDS[k] as number)] = v;
  }
}
