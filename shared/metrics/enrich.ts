import { METRIC_COUNT, metricId } from './catalogue.js';
import { NodeEntities } from './entity-catalog.js';
import { Labeller, type LabelOptions } from './entity-labels.js';
import type { ClusterInventory, ContainerInfo, NodeInfo, PodInfo, ResourceList } from './inventory.js';
import type { Labels } from './labels.js';
import { setColumns, type MetricSet, type NodeBlock, type NodeSamples, type NumberColumn } from './model.js';
import { QuantityCache } from './quantity.js';

export type EnrichOptions = LabelOptions;

export interface EnrichResult {
  readonly block: NodeBlock;
  /** Quantities that could not be parsed (at most a few messages). */
  readonly problems: readonly string[];
}

/** Extended resources counted as accelerator/request. */
const ACCELERATOR_RESOURCES = ['nvidia.com/gpu', 'amd.com/gpu'] as const;

const M = {
  cpuRequest: metricId('cpu/request'),
  cpuLimit: metricId('cpu/limit'),
  memRequest: metricId('memory/request'),
  memLimit: metricId('memory/limit'),
  ephRequest: metricId('ephemeral_storage/request'),
  ephLimit: metricId('ephemeral_storage/limit'),
  acceleratorRequest: metricId('accelerator/request'),
  restarts: metricId('restart_count'),
  cpuRate: metricId('cpu/usage_rate'),
  memUsage: metricId('memory/usage'),
  ephUsage: metricId('ephemeral_storage/usage'),
};

/** One resource's node-level metrics and the container-level request they are reserved by. */
const NODE_RESOURCES = [
  {
    resource: 'cpu',
    milli: true,
    request: M.cpuRequest,
    usage: M.cpuRate,
    capacity: metricId('cpu/node_capacity'),
    allocatable: metricId('cpu/node_allocatable'),
    reservation: metricId('cpu/node_reservation'),
    utilization: metricId('cpu/node_utilization'),
  },
  {
    resource: 'memory',
    milli: false,
    request: M.memRequest,
    usage: M.memUsage,
    capacity: metricId('memory/node_capacity'),
    allocatable: metricId('memory/node_allocatable'),
    reservation: metricId('memory/node_reservation'),
    utilization: metricId('memory/node_utilization'),
  },
  {
    resource: 'ephemeral-storage',
    milli: false,
    request: M.ephRequest,
    usage: M.ephUsage,
    capacity: metricId('ephemeral_storage/node_capacity'),
    allocatable: metricId('ephemeral_storage/node_allocatable'),
    reservation: metricId('ephemeral_storage/node_reservation'),
    utilization: metricId('ephemeral_storage/node_utilization'),
  },
] as const;

/**
 * Enrich: what the Kubernetes API adds to a node's samples, as Heapster's pod-based, namespace-based and
 * node-autoscaling enrichers did. Every set gets its labels (built once per entity); containers get their
 * requests, limits and restart count from the pod spec, and containers of the spec that the kubelet did not
 * report get a set of their own (so the node's reservation counts them); the node gets its capacity,
 * allocatable, reservation and utilization.
 */
export function enrich(
  samples: NodeSamples,
  inventory: ClusterInventory,
  options: EnrichOptions = {},
): EnrichResult {
  return enrichInPlace({ ...samples, values: samples.values.slice() }, inventory, options);
}

/**
 * enrich writing into `samples.values` (a larger copy only when stub containers are added): for a caller that
 * owns the samples (the pipeline). `entities`: the node's kept entities, for the sets of containers the kubelet
 * did not report (made anew when absent).
 */
export function enrichInPlace(
  samples: NodeSamples,
  inventory: ClusterInventory,
  options: EnrichOptions = {},
  entities?: NodeEntities,
): EnrichResult {
  const quantities = new QuantityCache();
  // Each pod's spec looked up once (the inventory is large, the lookups many).
  const podInfos = new Array<PodInfo | undefined>(samples.sets.length);
  for (let p = 0; p < samples.sets.length; p++) {
    const set = samples.sets[p] as MetricSet;
    if (set.type === 'pod') podInfos[p] = inventory.pods.get(set.podUid);
  }
  const { sets, owners, times, values } = withStubContainers(samples, podInfos, entities);
  const nodeInfo = inventory.nodes.get(samples.nodeName);
  const labeller = new Labeller(samples.nodeName, nodeInfo, inventory, options);

  const labels: Labels[] = new Array<Labels>(sets.length);
  for (let s = 0; s < sets.length; s++) {
    const set = sets[s] as MetricSet;
    const owner = owners[s] as number;
    let podInfo: PodInfo | undefined;
    let spec: ContainerInfo | undefined;
    if (set.type === 'pod') podInfo = podInfos[s];
    else if (set.type === 'pod_container') {
      podInfo = owner >= 0 ? podInfos[owner] : inventory.pods.get(set.podUid);
      spec = specOf(podInfo, set.containerName);
    }
    labels[s] = labeller.labels(set, owner >= 0 ? sets[owner] : undefined, podInfo, spec);
    if (spec !== undefined) containerResources(values, s * METRIC_COUNT, spec, quantities);
  }
  for (let s = 0; s < sets.length; s++) {
    if ((sets[s] as MetricSet).type === 'node') nodeResources(values, s, sets, nodeInfo, quantities);
  }
  return {
    block: { nodeName: samples.nodeName, sets, owners, times, values, points: samples.points, labels },
    problems: quantities.problems,
  };
}

function specOf(info: PodInfo | undefined, name: string): ContainerInfo | undefined {
  if (info === undefined) return undefined;
  for (const c of info.containers) if (c.name === name) return c;
  return undefined;
}

/** The sets plus one stub pod_container set per spec container the kubelet did not report. */
function withStubContainers(
  samples: NodeSamples,
  podInfos: readonly (PodInfo | undefined)[],
  entities: NodeEntities | undefined,
): Pick<NodeSamples, 'sets' | 'owners' | 'times' | 'values'> {
  const { sets, owners } = samples;
  let made: NodeEntities | undefined;
  let stubs: MetricSet[] | undefined;
  let stubOwners: number[] | undefined;
  for (let p = 0; p < sets.length; p++) {
    const info = podInfos[p];
    if (info === undefined) continue;
    const pod = sets[p] as MetricSet;
    for (const c of info.containers) {
      if (reported(sets, owners, p, c.name)) continue;
      stubs ??= [];
      stubOwners ??= [];
      made ??= entities ?? new NodeEntities(samples.nodeName);
      stubs.push(made.pod(pod.namespace, pod.podName, pod.podUid).container(c.name));
      stubOwners.push(p);
    }
  }
  if (stubs === undefined || stubOwners === undefined) return samples;
  // Stubs have no values or times: the kubelet reported nothing of them.
  const columns = setColumns(sets.length + stubs.length, samples);
  columns.owners.set(stubOwners, sets.length);
  return { sets: [...sets, ...stubs], ...columns };
}

/** Whether the pod set at `pod` has a container set named `name`. */
function reported(sets: readonly MetricSet[], owners: NumberColumn, pod: number, name: string): boolean {
  // Parse puts a pod's containers right after it: look there first, then anywhere.
  for (let i = pod + 1; i < sets.length; i++) {
    if (owners[i] !== pod) break;
    if ((sets[i] as MetricSet).containerName === name) return true;
  }
  for (let i = 0; i < sets.length; i++)
    if (owners[i] === pod && (sets[i] as MetricSet).containerName === name) return true;
  return false;
}

function containerResources(values: Float64Array, base: number, spec: ContainerInfo, q: QuantityCache): void {
  const { requests, limits } = spec;
  // Heapster's convention: a resource the spec does not set is a request or limit of 0 (an invalid one is absent).
  values[base + M.cpuRequest] = q.milli(requests?.cpu ?? 0) ?? NaN;
  values[base + M.cpuLimit] = q.milli(limits?.cpu ?? 0) ?? NaN;
  values[base + M.memRequest] = q.value(requests?.memory ?? 0) ?? NaN;
  values[base + M.memLimit] = q.value(limits?.memory ?? 0) ?? NaN;
  values[base + M.ephRequest] = q.value(requests?.['ephemeral-storage'] ?? 0) ?? NaN;
  values[base + M.ephLimit] = q.value(limits?.['ephemeral-storage'] ?? 0) ?? NaN;
  let accelerators: number | undefined;
  for (const name of ACCELERATOR_RESOURCES) {
    // Extended resources must be requested and limited alike; limits alone are allowed.
    const n = q.value(requests?.[name] ?? limits?.[name]);
    if (n !== undefined) accelerators = (accelerators ?? 0) + n;
  }
  if (accelerators !== undefined) values[base + M.acceleratorRequest] = accelerators;
  if (typeof spec.restartCount === 'number' && spec.restartCount >= 0)
    values[base + M.restarts] = spec.restartCount;
}

function nodeResources(
  values: Float64Array,
  node: number,
  sets: readonly MetricSet[],
  info: NodeInfo | undefined,
  q: QuantityCache,
): void {
  const base = node * METRIC_COUNT;
  for (const r of NODE_RESOURCES) {
    const read = (list: ResourceList | undefined) =>
      r.milli ? q.milli(list?.[r.resource]) : q.value(list?.[r.resource]);
    const capacity = read(info?.capacity);
    const allocatable = read(info?.allocatable);
    if (capacity !== undefined) values[base + r.capacity] = capacity;
    if (allocatable === undefined) continue;
    values[base + r.allocatable] = allocatable;
    if (allocatable <= 0) continue;
    const requested = sumOverContainers(values, sets, r.request);
    if (requested === requested) values[base + r.reservation] = requested / allocatable;
    const used = values[base + r.usage] as number;
    if (used === used) values[base + r.utilization] = used / allocatable;
  }
}

/** Sum of a metric over the block's containers; NaN when no container has it. */
function sumOverContainers(values: Float64Array, sets: readonly MetricSet[], metric: number): number {
  let sum = NaN;
  for (let s = 0; s < sets.length; s++) {
    if ((sets[s] as MetricSet).type !== 'pod_container') continue;
    const v = values[s * METRIC_COUNT + metric] as number;
    if (v === v) sum = sum === sum ? sum + v : v;
  }
  return sum;
}
