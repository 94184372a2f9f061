import type { Cluster } from '../../sim/cluster.js';
import type { SummaryJson } from '../../sim/truth.js';
import { pointKey } from '../../support/point-lines.js';
import { objectLabels, type ClusterObjects, type LabelSet } from './object-labels.js';
import { millicores, units } from './quantity.js';
import {
  asSummary,
  type ContainerJson,
  type CpuJson,
  type FsJson,
  type MemoryJson,
  type NetworkJson,
} from './summary-json.js';

/**
 * What Heapster's schema says a round must write, worked out from the simulator's truth alone: the payloads
 * the kubelets served (this round's and the previous one's), the Cluster model for requests, limits and
 * restart counts, and the Kubernetes objects for labels. It follows the rules of Heapster and the catalogue
 * (docs/metrics.md) and shares no code with the scraper.
 */
export interface ExpectedPoint {
  readonly metric: string;
  readonly labels: LabelSet;
  readonly value: number;
  /** Allowed absolute difference: rates are computed in floating point and cpu/usage_rate is rounded. */
  readonly tolerance: number;
}

export interface RoundInput {
  /** Node name -> the summary it served this round. */
  readonly current: ReadonlyMap<string, SummaryJson>;
  /** Node name -> the summary it served the round before; undefined on the first round. */
  readonly previous: ReadonlyMap<string, SummaryJson> | undefined;
  readonly cluster: Cluster;
  readonly objects: ClusterObjects;
  /** The round's aligned time, ms. */
  readonly roundTime: number;
  readonly clusterName: string;
}

interface Sums {
  cpuRate?: number;
  /** How many rounded rates cpuRate sums. */
  rateParts: number;
  memUsage: number;
  cpuReq: number;
  cpuLim: number;
  memReq: number;
  memLim: number;
}
const noSums = (): Sums => ({ rateParts: 0, memUsage: 0, cpuReq: 0, cpuLim: 0, memReq: 0, memLim: 0 });

export function expectedPoints(input: RoundInput): Map<string, ExpectedPoint> {
  const out = new Map<string, ExpectedPoint>();
  const labelsOf = objectLabels(input.objects, input.clusterName);
  const add = (metric: string, labels: LabelSet, value: number, tolerance = 0, extra?: LabelSet): void => {
    const all: LabelSet = {};
    for (const [k, v] of Object.entries({ ...labels, ...extra })) if (v !== '') all[k] = v;
    const key = pointKey(metric, all);
    if (out.has(key)) throw new Error(`expectation has ${key} twice`);
    out.set(key, { metric, labels: all, value, tolerance });
  };
  const uptime = (startTime: string): number => Math.max(0, input.roundTime - Date.parse(startTime));
  const namespaces = new Map<string, Sums>();
  const cluster = noSums();

  for (const [nodeName, json] of input.current) {
    const s = asSummary(json);
    const before = input.previous?.get(nodeName);
    const prev = before === undefined ? undefined : asSummary(before);
    const nodeObject = input.objects.nodes.find((n) => n.metadata.name === nodeName);
    const status = nodeObject?.['status'] as {
      capacity: Record<string, string>;
      allocatable: Record<string, string>;
    };

    const nodeLabels = labelsOf.node(nodeName);
    add('uptime', nodeLabels, uptime(s.node.startTime));
    const nodeRate = statPoints(add, nodeLabels, s.node, prev?.node, s.node.startTime);
    networkPoints(add, nodeLabels, s.node.network, prev?.node.network, sameStart(s.node, prev?.node));
    fsPoints(add, nodeLabels, s.node.fs, '/');
    add('ephemeral_storage/usage', nodeLabels, s.node.fs.usedBytes);

    for (const sys of s.node.systemContainers) {
      const labels = labelsOf.sysContainer(nodeName, sys.name);
      const before = prev?.node.systemContainers.find((c) => c.name === sys.name);
      add('uptime', labels, uptime(sys.startTime));
      statPoints(add, labels, sys, before, sys.startTime);
    }

    const node: Sums = { ...noSums(), memUsage: s.node.memory.usageBytes };
    if (nodeRate !== undefined) Object.assign(node, { cpuRate: nodeRate, rateParts: 1 });
    for (const pod of s.pods) {
      const uid = pod.podRef.uid;
      const model = input.cluster.mustPod(uid);
      const prevPod = prev?.pods.find((p) => p.podRef.uid === uid);
      const podLabels = labelsOf.pod(uid);
      add('uptime', podLabels, uptime(pod.startTime));
      const podRate = statPoints(add, podLabels, pod, prevPod, pod.startTime);
      networkPoints(add, podLabels, pod.network, prevPod?.network, sameStart(pod, prevPod));
      add('ephemeral_storage/usage', podLabels, pod['ephemeral-storage'].usedBytes);
      for (const volume of pod.volume) fsPoints(add, podLabels, volume, `Volume:${volume.name}`);

      const podSums: Sums = { ...noSums(), memUsage: pod.memory.usageBytes };
      if (podRate !== undefined) Object.assign(podSums, { cpuRate: podRate, rateParts: 1 });
      let restarts = 0;
      for (const spec of model.containers) {
        const resources = {
          cpuReq: millicores(spec.requests['cpu'] ?? '0'),
          cpuLim: millicores(spec.limits['cpu'] ?? '0'),
          memReq: units(spec.requests['memory'] ?? '0'),
          memLim: units(spec.limits['memory'] ?? '0'),
        };
        const reported = pod.containers.find((c) => c.name === spec.name);
        const labels = labelsOf.container(uid, spec.name);
        if (reported !== undefined)
          containerPoints(
            add,
            labels,
            reported,
            prevPod?.containers.find((c) => c.name === spec.name),
            uptime,
          );
        add('cpu/request', labels, resources.cpuReq);
        add('cpu/limit', labels, resources.cpuLim);
        add('memory/request', labels, resources.memReq);
        add('memory/limit', labels, resources.memLim);
        add('ephemeral_storage/request', labels, 0);
        add('ephemeral_storage/limit', labels, 0);
        add('restart_count', labels, spec.restartCount);
        restarts += spec.restartCount;
        podSums.cpuReq += resources.cpuReq;
        podSums.cpuLim += resources.cpuLim;
        podSums.memReq += resources.memReq;
        podSums.memLim += resources.memLim;
      }
      add('cpu/request', podLabels, podSums.cpuReq);
      add('cpu/limit', podLabels, podSums.cpuLim);
      add('memory/request', podLabels, podSums.memReq);
      add('memory/limit', podLabels, podSums.memLim);
      add('ephemeral_storage/request', podLabels, 0);
      add('ephemeral_storage/limit', podLabels, 0);
      add('restart_count', podLabels, restarts);
      const ns = namespaces.get(pod.podRef.namespace) ?? noSums();
      addSums(ns, podSums);
      namespaces.set(pod.podRef.namespace, ns);
      // The node keeps its own usage and rate; only the pods' requests and limits add up to it.
      addSums(node, { ...podSums, cpuRate: undefined, rateParts: 0, memUsage: 0 });
    }

    add('cpu/request', nodeLabels, node.cpuReq);
    add('cpu/limit', nodeLabels, node.cpuLim);
    add('memory/request', nodeLabels, node.memReq);
    add('memory/limit', nodeLabels, node.memLim);
    add('ephemeral_storage/request', nodeLabels, 0);
    add('ephemeral_storage/limit', nodeLabels, 0);
    const cpuAllocatable = millicores(status.allocatable['cpu'] as string);
    const memAllocatable = units(status.allocatable['memory'] as string);
    const ephAllocatable = units(status.allocatable['ephemeral-storage'] as string);
    add('cpu/node_capacity', nodeLabels, millicores(status.capacity['cpu'] as string));
    add('cpu/node_allocatable', nodeLabels, cpuAllocatable);
    add('cpu/node_reservation', nodeLabels, node.cpuReq / cpuAllocatable, 1e-12);
    if (node.cpuRate !== undefined)
      add('cpu/node_utilization', nodeLabels, node.cpuRate / cpuAllocatable, 1 / cpuAllocatable);
    add('memory/node_capacity', nodeLabels, units(status.capacity['memory'] as string));
    add('memory/node_allocatable', nodeLabels, memAllocatable);
    add('memory/node_reservation', nodeLabels, node.memReq / memAllocatable, 1e-12);
    add('memory/node_utilization', nodeLabels, s.node.memory.usageBytes / memAllocatable, 1e-12);
    add('ephemeral_storage/node_capacity', nodeLabels, units(status.capacity['ephemeral-storage'] as string));
    add('ephemeral_storage/node_allocatable', nodeLabels, ephAllocatable);
    add('ephemeral_storage/node_reservation', nodeLabels, 0);
    add('ephemeral_storage/node_utilization', nodeLabels, s.node.fs.usedBytes / ephAllocatable, 1e-12);
    addSums(cluster, node);
  }

  for (const [name, sums] of namespaces) aggregatePoints(add, labelsOf.namespace(name), sums);
  aggregatePoints(add, labelsOf.cluster(), cluster);
  return out;
}

type Add = (metric: string, labels: LabelSet, value: number, tolerance?: number, extra?: LabelSet) => void;

function addSums(into: Sums, from: Sums): void {
  if (from.cpuRate !== undefined) {
    into.cpuRate = (into.cpuRate ?? 0) + from.cpuRate;
    into.rateParts += from.rateParts;
  }
  into.memUsage += from.memUsage;
  into.cpuReq += from.cpuReq;
  into.cpuLim += from.cpuLim;
  into.memReq += from.memReq;
  into.memLim += from.memLim;
}

function aggregatePoints(add: Add, labels: LabelSet, sums: Sums): void {
  // A sum of rounded rates: each part may be off by one where it was rounded.
  if (sums.cpuRate !== undefined) add('cpu/usage_rate', labels, sums.cpuRate, sums.rateParts);
  add('memory/usage', labels, sums.memUsage);
  add('cpu/request', labels, sums.cpuReq);
  add('cpu/limit', labels, sums.cpuLim);
  add('memory/request', labels, sums.memReq);
  add('memory/limit', labels, sums.memLim);
}

interface Stats {
  readonly cpu: CpuJson;
  readonly memory: MemoryJson;
}

/** A rate only between two samples of one life (same startTime) whose stat time moved and counter grew. */
function sameStart(a: { startTime: string }, b: { startTime: string } | undefined): boolean {
  return b !== undefined && Date.parse(a.startTime) === Date.parse(b.startTime);
}

function perMs(now: number, before: number, nowTime: string, beforeTime: string): number | undefined {
  const elapsed = Date.parse(nowTime) - Date.parse(beforeTime);
  if (!(elapsed > 0) || now < before) return undefined;
  return (now - before) / elapsed;
}

/** cpu and memory points of an entity; answers its cpu/usage_rate (millicores) when it has one. */
function statPoints(
  add: Add,
  labels: LabelSet,
  now: Stats,
  before: (Stats & { startTime: string }) | undefined,
  startTime: string,
): number | undefined {
  add('cpu/usage', labels, now.cpu.usageCoreNanoSeconds);
  const m = now.memory;
  add('memory/usage', labels, m.usageBytes);
  add('memory/working_set', labels, m.workingSetBytes);
  add('memory/rss', labels, m.rssBytes);
  if (m.usageBytes >= m.rssBytes) add('memory/cache', labels, m.usageBytes - m.rssBytes);
  add('memory/page_faults', labels, m.pageFaults);
  add('memory/major_page_faults', labels, m.majorPageFaults);
  if (before === undefined || !sameStart({ startTime }, before)) return undefined;
  const pf = perMs(m.pageFaults, before.memory.pageFaults, m.time, before.memory.time);
  if (pf !== undefined) add('memory/page_faults_rate', labels, pf * 1000, 1e-9 * (1 + pf * 1000));
  const mpf = perMs(m.majorPageFaults, before.memory.majorPageFaults, m.time, before.memory.time);
  if (mpf !== undefined) add('memory/major_page_faults_rate', labels, mpf * 1000, 1e-9 * (1 + mpf * 1000));
  // ns per ms is microcores; a thousandth of it is millicores.
  const cpu = perMs(
    now.cpu.usageCoreNanoSeconds,
    before.cpu.usageCoreNanoSeconds,
    now.cpu.time,
    before.cpu.time,
  );
  if (cpu === undefined) return undefined;
  const rate = Math.round(cpu / 1000);
  add('cpu/usage_rate', labels, rate, 1);
  return rate;
}

function networkPoints(
  add: Add,
  labels: LabelSet,
  now: NetworkJson,
  before: NetworkJson | undefined,
  sameLife: boolean,
): void {
  const counters = [
    ['network/rx', now.rxBytes, before?.rxBytes],
    ['network/rx_errors', now.rxErrors, before?.rxErrors],
    ['network/tx', now.txBytes, before?.txBytes],
    ['network/tx_errors', now.txErrors, before?.txErrors],
  ] as const;
  for (const [metric, value, previous] of counters) {
    add(metric, labels, value);
    if (before === undefined || previous === undefined || !sameLife) continue;
    const rate = perMs(value, previous, now.time, before.time);
    if (rate !== undefined) add(`${metric}_rate`, labels, rate * 1000, 1e-9 * (1 + rate * 1000));
  }
}

function fsPoints(add: Add, labels: LabelSet, fs: FsJson, resourceId: string): void {
  const id = { resource_id: resourceId };
  add('filesystem/usage', labels, fs.usedBytes, 0, id);
  add('filesystem/limit', labels, fs.capacityBytes, 0, id);
  add('filesystem/available', labels, fs.availableBytes, 0, id);
  add('filesystem/inodes', labels, fs.inodes, 0, id);
  add('filesystem/inodes_free', labels, fs.inodesFree, 0, id);
}

function containerPoints(
  add: Add,
  labels: LabelSet,
  c: ContainerJson,
  before: ContainerJson | undefined,
  uptime: (startTime: string) => number,
): void {
  add('uptime', labels, uptime(c.startTime));
  statPoints(add, labels, c, before, c.startTime);
  fsPoints(add, labels, c.rootfs, '/');
  fsPoints(add, labels, c.logs, 'logs');
  add('ephemeral_storage/usage', labels, c.rootfs.usedBytes + c.logs.usedBytes);
  for (const a of c.accelerators ?? []) {
    const id = { make: a.make, model: a.model, accelerator_id: a.id };
    add('accelerator/memory_total', labels, a.memoryTotal, 0, id);
    add('accelerator/memory_used', labels, a.memoryUsed, 0, id);
    add('accelerator/duty_cycle', labels, a.dutyCycle, 0, id);
  }
}
