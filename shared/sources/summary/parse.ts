import { metricId } from '../../metrics/catalogue.js';
import type { EntityCatalog, PodEntities } from '../../metrics/entity-catalog.js';
import { LOGS_FS, ROOT_FS, type PointLabels } from '../../metrics/labels.js';
import type { MetricSet, NodeSamples } from '../../metrics/model.js';
import { parseRfc3339 } from '../../metrics/rfc3339.js';
import { SampleBuilder } from '../../metrics/sample-builder.js';
import type { ValueAllocator } from '../../metrics/value-arena.js';
import type {
  AcceleratorStats,
  ContainerStats,
  CpuStats,
  FsStats,
  MemoryStats,
  NetworkStats,
  NodeStats,
  PodReference,
  PodStats,
  Summary,
  VolumeStats,
} from './types.js';

/**
 * Summary API payload (already JSON-parsed) -> samples per entity: the node, its system containers, pods
 * and containers. Pure and defensive: a payload of the wrong shape gives an error value, a malformed entry
 * is skipped and reported, a missing or malformed stat emits nothing.
 */
export type ParseOutcome =
  | {
      readonly ok: true;
      readonly samples: NodeSamples;
      /** Entries skipped (the first few messages). */
      readonly problems: readonly string[];
      /** Stats present with a value that is not a non-negative number or an RFC 3339 time. */
      readonly ignoredValues: number;
    }
  | { readonly ok: false; readonly error: string };

/** A view of a JSON object with the field names of T checked and the values still unvalidated. */
type Loose<T> = { readonly [K in keyof T]?: unknown };

const M = {
  cpuUsage: metricId('cpu/usage'),
  memUsage: metricId('memory/usage'),
  workingSet: metricId('memory/working_set'),
  rss: metricId('memory/rss'),
  cache: metricId('memory/cache'),
  pageFaults: metricId('memory/page_faults'),
  majorPageFaults: metricId('memory/major_page_faults'),
  rx: metricId('network/rx'),
  rxErrors: metricId('network/rx_errors'),
  tx: metricId('network/tx'),
  txErrors: metricId('network/tx_errors'),
  fsUsage: metricId('filesystem/usage'),
  fsLimit: metricId('filesystem/limit'),
  fsAvailable: metricId('filesystem/available'),
  fsInodes: metricId('filesystem/inodes'),
  fsInodesFree: metricId('filesystem/inodes_free'),
  ephemeralUsage: metricId('ephemeral_storage/usage'),
  accMemoryTotal: metricId('accelerator/memory_total'),
  accMemoryUsed: metricId('accelerator/memory_used'),
  accDutyCycle: metricId('accelerator/duty_cycle'),
};

/**
 * `arrays`: where the block's arrays come from (see ValueAllocator); fresh ones by default. `entities`: where the
 * node's sets and volume labels are kept from round to round; made anew by default.
 */
export function parseSummary(
  payload: unknown,
  arrays?: ValueAllocator,
  entities?: EntityCatalog,
): ParseOutcome {
  const root = record<Summary>(payload);
  if (root === undefined) return { ok: false, error: 'summary payload is not a JSON object' };
  const node = record<NodeStats>(root.node);
  if (node === undefined) return { ok: false, error: 'summary payload has no "node" object' };
  const nodeName = node.nodeName;
  if (typeof nodeName !== 'string' || nodeName === '') {
    return { ok: false, error: 'summary payload has no node.nodeName' };
  }
  const pods = root.pods ?? [];
  if (!Array.isArray(pods)) return { ok: false, error: 'summary payload "pods" is not an array' };
  const systemContainers = node.systemContainers ?? [];
  if (!Array.isArray(systemContainers)) {
    return { ok: false, error: 'summary payload "node.systemContainers" is not an array' };
  }

  const b = new SampleBuilder(nodeName, countSets(systemContainers, pods), arrays, entities?.node(nodeName));
  decodeNode(b, node);
  for (let i = 0; i < systemContainers.length; i++) decodeSystemContainer(b, systemContainers[i], i);
  for (let i = 0; i < pods.length; i++) decodePod(b, pods[i], i);
  return { ok: true, ...b.finish() };
}

function countSets(systemContainers: readonly unknown[], pods: readonly unknown[]): number {
  let n = 1 + systemContainers.length + pods.length;
  for (const pod of pods) {
    const containers = record<PodStats>(pod)?.containers;
    if (Array.isArray(containers)) n += containers.length;
  }
  return n;
}

function decodeNode(b: SampleBuilder, node: Loose<NodeStats>): void {
  const set = decodeStats(b, b.entities.node, -1, node.startTime, node.cpu, node.memory, node.network);
  const used = decodeFs(b, set, node.fs, ROOT_FS);
  if (used === used) b.put(set, M.ephemeralUsage, used);
}

function decodePod(b: SampleBuilder, raw: unknown, index: number): void {
  const pod = record<PodStats>(raw);
  const ref = record<PodReference>(pod?.podRef);
  const name = ref?.name;
  const namespace = ref?.namespace;
  if (pod === undefined || typeof name !== 'string' || typeof namespace !== 'string' || name === '') {
    b.problem(`pods[${index}] has no podRef with a name and namespace: skipped`);
    return;
  }
  const uid = typeof ref?.uid === 'string' ? ref.uid : '';
  const entities = b.entities.pod(namespace, name, uid);
  const set = decodeStats(b, entities.set, -1, pod.startTime, pod.cpu, pod.memory, pod.network);
  const ephemeral = record<FsStats>(pod['ephemeral-storage']);
  if (ephemeral !== undefined) b.put(set, M.ephemeralUsage, ephemeral.usedBytes);
  const volumes = pod.volume;
  if (Array.isArray(volumes)) {
    for (const v of volumes) {
      const volume = record<VolumeStats>(v);
      if (volume === undefined || typeof volume.name !== 'string') {
        b.problem(`pod ${namespace}/${name} has a volume without a name: skipped`);
        continue;
      }
      decodeFs(b, set, volume, entities.volume(volume.name));
    }
  }
  const containers = pod.containers;
  if (!Array.isArray(containers)) return;
  for (let i = 0; i < containers.length; i++) {
    if (containers.length > 1 && supersededDuplicate(b, containers, i)) continue;
    decodeContainer(b, containers[i], entities, set);
  }
}

/**
 * Whether another entry of the pod has the same container name and a later start (ties: the later entry).
 * The kubelet can report a terminated and a running instance of one container; like Heapster, keep the newer.
 */
function supersededDuplicate(b: SampleBuilder, containers: readonly unknown[], i: number): boolean {
  const name = record<ContainerStats>(containers[i])?.name;
  if (typeof name !== 'string') return false;
  for (let j = 0; j < containers.length; j++) {
    if (j === i || record<ContainerStats>(containers[j])?.name !== name) continue;
    const mine = parseStart(containers[i]);
    const theirs = parseStart(containers[j]);
    const newer = mine === mine ? theirs > mine || (theirs === mine && j > i) : theirs === theirs || j > i;
    if (newer) {
      b.problem(`container ${name} is reported twice: the older entry was dropped`);
      return true;
    }
  }
  return false;
}

function parseStart(raw: unknown): number {
  const t = record<ContainerStats>(raw)?.startTime;
  return typeof t === 'string' ? parseRfc3339(t) : NaN;
}

function decodeSystemContainer(b: SampleBuilder, raw: unknown, index: number): void {
  const c = record<ContainerStats>(raw);
  const name = c?.name;
  if (c === undefined || typeof name !== 'string' || name === '') {
    b.problem(`node.systemContainers[${index}]: a container entry has no name: skipped`);
    return;
  }
  decodeContainerStats(b, c, b.entities.systemContainer(name), -1);
}

function decodeContainer(b: SampleBuilder, raw: unknown, pod: PodEntities, podSet: number): void {
  const c = record<ContainerStats>(raw);
  const name = c?.name;
  if (c === undefined || typeof name !== 'string' || name === '') {
    b.problem(`pod ${pod.set.namespace}/${pod.set.podName}: a container entry has no name: skipped`);
    return;
  }
  decodeContainerStats(b, c, pod.container(name), podSet);
}

function decodeContainerStats(
  b: SampleBuilder,
  c: Loose<ContainerStats>,
  entity: MetricSet,
  owner: number,
): void {
  // Containers have no network stats of their own (the pod's interfaces are shared).
  const set = decodeStats(b, entity, owner, c.startTime, c.cpu, c.memory, undefined);
  const rootfs = decodeFs(b, set, c.rootfs, ROOT_FS);
  const logs = decodeFs(b, set, c.logs, LOGS_FS);
  // NaN when either is missing: a partial sum would understate the usage.
  const ephemeral = rootfs + logs;
  if (ephemeral === ephemeral) b.put(set, M.ephemeralUsage, ephemeral);
  const accelerators = c.accelerators;
  if (Array.isArray(accelerators)) for (const a of accelerators) decodeAccelerator(b, set, a);
}

/**
 * The part every level shares: a set stamped with its start and its stats' own times, and the cpu, memory
 * and (node and pods) network stats in it. Returns the set's index.
 */
function decodeStats(
  b: SampleBuilder,
  entity: MetricSet,
  owner: number,
  startTime: unknown,
  rawCpu: unknown,
  rawMemory: unknown,
  rawNetwork: unknown,
): number {
  const cpu = record<CpuStats>(rawCpu);
  const memory = record<MemoryStats>(rawMemory);
  const network = record<NetworkStats>(rawNetwork);
  const set = b.addSet(entity, owner);
  b.stamp(
    set,
    b.time(startTime),
    cpu === undefined ? NaN : b.time(cpu.time),
    memory === undefined ? NaN : b.time(memory.time),
    network === undefined ? NaN : b.time(network.time),
  );
  if (cpu !== undefined) b.put(set, M.cpuUsage, cpu.usageCoreNanoSeconds);
  if (memory !== undefined) decodeMemory(b, set, memory);
  if (network !== undefined) decodeNetwork(b, set, network);
  return set;
}

function decodeMemory(b: SampleBuilder, set: number, memory: Loose<MemoryStats>): void {
  const usage = b.put(set, M.memUsage, memory.usageBytes);
  b.put(set, M.workingSet, memory.workingSetBytes);
  const rss = b.put(set, M.rss, memory.rssBytes);
  if (usage >= rss) b.put(set, M.cache, usage - rss);
  b.put(set, M.pageFaults, memory.pageFaults);
  b.put(set, M.majorPageFaults, memory.majorPageFaults);
}

function decodeNetwork(b: SampleBuilder, set: number, network: Loose<NetworkStats>): void {
  // The inline counters are the default interface's, which is what Heapster reported.
  b.put(set, M.rx, network.rxBytes);
  b.put(set, M.rxErrors, network.rxErrors);
  b.put(set, M.tx, network.txBytes);
  b.put(set, M.txErrors, network.txErrors);
}

/** Emits the filesystem points of one filesystem; returns its usedBytes (NaN when absent). */
function decodeFs(b: SampleBuilder, set: number, raw: unknown, labels: PointLabels): number {
  const fs = record<FsStats>(raw);
  if (fs === undefined) return NaN;
  const used = b.point(set, M.fsUsage, fs.usedBytes, labels);
  b.point(set, M.fsLimit, fs.capacityBytes, labels);
  b.point(set, M.fsAvailable, fs.availableBytes, labels);
  b.point(set, M.fsInodes, fs.inodes, labels);
  b.point(set, M.fsInodesFree, fs.inodesFree, labels);
  return used;
}

function decodeAccelerator(b: SampleBuilder, set: number, raw: unknown): void {
  const a = record<AcceleratorStats>(raw);
  if (a === undefined) return;
  const labels: PointLabels = {
    make: typeof a.make === 'string' ? a.make : '',
    model: typeof a.model === 'string' ? a.model : '',
    accelerator_id: typeof a.id === 'string' ? a.id : '',
  };
  b.point(set, M.accMemoryTotal, a.memoryTotal, labels);
  b.point(set, M.accMemoryUsed, a.memoryUsed, labels);
  b.point(set, M.accDutyCycle, a.dutyCycle, labels);
}

function record<T>(value: unknown): Loose<T> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Loose<T>)
    : undefined;
}
