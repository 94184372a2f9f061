import { k8sTime } from './clock.js';
import type { SimContainer, SimNode, SimPod, SimVolume } from './cluster.js';
import { statTime, wobble } from './counter.js';

/**
 * Renders a node's kubelet Summary API answer (stats/v1alpha1) at a simulated time, straight to JSON text:
 * at 1,000 nodes a round must be cheap, so no intermediate objects are built. Every value is a function of
 * the cluster state and the time, which the ground truth re-renders to know exactly what was served.
 */
export interface SummaryOptions {
  statsIntervalMs: number;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** Per-entity time at which a stat was last refreshed, never before the entity started. */
function timeOf(nowMs: number, intervalMs: number, seed: number, startMs: number): number {
  const phase = (seed % Math.max(1, Math.floor(intervalMs / 1000))) * 1000;
  return Math.max(startMs, statTime(nowMs, intervalMs, phase));
}

export function containerWorkingSet(c: SimContainer, t: number): number {
  return wobble(c.memBase, c.memSpan, t, c.seed);
}

export function nodeFsUsed(node: SimNode, t: number): number {
  return wobble(node.imageFsUsed + 8 * GiB, GiB, t, node.seed);
}

function volumeUsed(v: SimVolume, t: number, seed: number): number {
  return v.kind === 'projected' ? v.usedBase : wobble(v.usedBase, Math.max(4096, v.usedBase / 10), t, seed);
}

class JsonWriter {
  parts: string[] = [];
  private readonly times = new Map<number, string>();
  raw(text: string): void {
    this.parts.push(text);
  }
  time(ms: number): string {
    let s = this.times.get(ms);
    if (s === undefined) {
      s = `"${k8sTime(ms)}"`;
      this.times.set(ms, s);
    }
    return s;
  }
  text(): string {
    return this.parts.join('');
  }
}

function fsStats(
  w: JsonWriter,
  t: number,
  capacity: number,
  available: number,
  used: number,
  inodes: number,
  inodesUsed: number,
): void {
  w.raw(
    `{"time":${w.time(t)},"availableBytes":${available},"capacityBytes":${capacity},"usedBytes":${used},` +
      `"inodesFree":${inodes - inodesUsed},"inodes":${inodes},"inodesUsed":${inodesUsed}}`,
  );
}

function renderContainer(
  w: JsonWriter,
  node: SimNode,
  c: SimContainer,
  now: number,
  o: SummaryOptions,
): void {
  const t = timeOf(now, o.statsIntervalMs, c.seed, c.startMs);
  const ws = containerWorkingSet(c, t);
  const usage = ws + Math.floor(c.memBase / 8);
  const nodeUsed = nodeFsUsed(node, t);
  const rootfs = wobble(c.rootfsBase, 10 * MiB, t, c.seed ^ 1);
  const logs = c.logsBase + Math.floor((t - c.startMs) / 1000) * 64;
  w.raw(`{"name":"${c.name}","startTime":${w.time(c.startMs)},"cpu":{"time":${w.time(t)},"usageNanoCores":`);
  w.raw(
    `${c.reportsNanoCores ? Math.round(c.cpu.rate) : 0},"usageCoreNanoSeconds":${c.cpu.at(t)}},"memory":{"time":${w.time(t)},`,
  );
  if (c.memoryLimitBytes !== undefined) w.raw(`"availableBytes":${Math.max(0, c.memoryLimitBytes - ws)},`);
  w.raw(
    `"usageBytes":${usage},"workingSetBytes":${ws},"rssBytes":${Math.floor(ws * 0.85)},` +
      `"pageFaults":${c.pageFaults.at(t)},"majorPageFaults":${c.majorPageFaults.at(t)}},`,
  );
  if (c.accelerator !== undefined) {
    const a = c.accelerator;
    w.raw(
      `"accelerators":[{"make":"${a.make}","model":"${a.model}","id":"${a.id}","memoryTotal":${a.memoryTotal},` +
        `"memoryUsed":${wobble(2 * GiB, 8 * GiB, t, c.seed ^ 2)},"dutyCycle":${wobble(0, 100, t, c.seed ^ 3)}}],`,
    );
  }
  w.raw(`"rootfs":`);
  fsStats(
    w,
    t,
    node.fsCapacity,
    node.fsCapacity - nodeUsed,
    rootfs,
    node.fsInodes,
    Math.floor(rootfs / 16384),
  );
  w.raw(`,"logs":`);
  fsStats(w, t, node.fsCapacity, node.fsCapacity - nodeUsed, logs, node.fsInodes, 4);
  w.raw('}');
}

function renderPod(w: JsonWriter, node: SimNode, pod: SimPod, now: number, o: SummaryOptions): void {
  const t = timeOf(now, o.statsIntervalMs, pod.seed, pod.startMs);
  w.raw(
    `{"podRef":{"name":"${pod.name}","namespace":"${pod.namespace}","uid":"${pod.uid}"},"startTime":${w.time(pod.startMs)},"containers":[`,
  );
  let first = true;
  let ws = 0;
  let ephemeralUsed = 0;
  let ephemeralInodes = 0;
  for (const c of pod.containers) {
    if (c.startMs > now) continue;
    if (!first) w.raw(',');
    first = false;
    renderContainer(w, node, c, now, o);
    ws += containerWorkingSet(c, t);
    const ct = timeOf(now, o.statsIntervalMs, c.seed, c.startMs);
    const rootfs = wobble(c.rootfsBase, 10 * MiB, ct, c.seed ^ 1);
    ephemeralUsed += rootfs + c.logsBase + Math.floor((ct - c.startMs) / 1000) * 64;
    ephemeralInodes += Math.floor(rootfs / 16384) + 4;
  }
  const nodeUsed = nodeFsUsed(node, t);
  w.raw(
    `],"cpu":{"time":${w.time(t)},"usageNanoCores":${Math.round(pod.cpu.rate)},"usageCoreNanoSeconds":${pod.cpu.at(t)}},` +
      `"memory":{"time":${w.time(t)},"usageBytes":${ws + 2 * MiB},"workingSetBytes":${ws + MiB},` +
      `"rssBytes":${Math.floor(ws * 0.85)},"pageFaults":${pod.pageFaults.at(t)},"majorPageFaults":${pod.majorPageFaults.at(t)}},`,
  );
  const rx = pod.rx.at(t);
  const tx = pod.tx.at(t);
  const rxe = pod.rxErrors.at(t);
  const txe = pod.txErrors.at(t);
  w.raw(
    `"network":{"time":${w.time(t)},"name":"eth0","rxBytes":${rx},"rxErrors":${rxe},"txBytes":${tx},"txErrors":${txe},` +
      `"interfaces":[{"name":"eth0","rxBytes":${rx},"rxErrors":${rxe},"txBytes":${tx},"txErrors":${txe}}]},"volume":[`,
  );
  pod.volumes.forEach((v, i) => {
    const used = volumeUsed(v, t, pod.seed ^ (i + 7));
    const capacity = v.capacity ?? (v.kind === 'projected' ? node.memoryBytes : node.fsCapacity);
    const available =
      v.capacity !== undefined
        ? capacity - used
        : v.kind === 'projected'
          ? capacity - used
          : capacity - nodeUsed;
    if (v.kind === 'emptyDir' || v.kind === 'projected') {
      ephemeralUsed += used;
      ephemeralInodes += Math.floor(used / 16384) + 1;
    }
    w.raw(
      `${i > 0 ? ',' : ''}{"time":${w.time(t)},"availableBytes":${available},"capacityBytes":${capacity},"usedBytes":${used},` +
        `"inodesFree":${node.fsInodes - Math.floor(used / 16384) - 1},"inodes":${node.fsInodes},"inodesUsed":${Math.floor(used / 16384) + 1},` +
        `"name":"${v.name}"${v.claimName !== undefined ? `,"pvcRef":{"name":"${v.claimName}","namespace":"${pod.namespace}"}` : ''}}`,
    );
  });
  w.raw(`],"ephemeral-storage":`);
  fsStats(w, t, node.fsCapacity, node.fsCapacity - nodeUsed, ephemeralUsed, node.fsInodes, ephemeralInodes);
  w.raw(`,"process_stats":{"process_count":${pod.containers.length * 2}}}`);
}

export function renderSummary(node: SimNode, now: number, o: SummaryOptions): string {
  const w = new JsonWriter();
  const t = timeOf(now, o.statsIntervalMs, node.seed, node.startMs);
  w.raw(`{"node":{"nodeName":"${node.name}","systemContainers":[`);
  let podsWs = 0;
  for (const pod of node.pods.values()) {
    for (const c of pod.containers) podsWs += containerWorkingSet(c, t);
  }
  node.systemContainers.forEach((s, i) => {
    const ws = s.name === 'pods' ? podsWs : wobble(s.memBase, s.memBase / 5, t, s.seed);
    const available = s.name === 'pods' ? node.memoryBytes - podsWs : node.memoryBytes / 8 - ws;
    w.raw(
      `${i > 0 ? ',' : ''}{"name":"${s.name}","startTime":${w.time(s.startMs)},` +
        `"cpu":{"time":${w.time(t)},"usageNanoCores":${Math.round(s.cpu.rate)},"usageCoreNanoSeconds":${s.cpu.at(t)}},` +
        `"memory":{"time":${w.time(t)},"availableBytes":${Math.floor(available)},"usageBytes":${ws + 4 * MiB},"workingSetBytes":${ws},` +
        `"rssBytes":${Math.floor(ws * 0.9)},"pageFaults":${s.pageFaults.at(t)},"majorPageFaults":0}}`,
    );
  });
  const sysWs = node.systemContainers.reduce(
    (sum, s) => (s.name === 'pods' ? sum : sum + wobble(s.memBase, s.memBase / 5, t, s.seed)),
    0,
  );
  const ws = podsWs + sysWs + 300 * MiB;
  const rx = node.rx.at(t);
  const tx = node.tx.at(t);
  const rxe = node.rxErrors.at(t);
  const txe = node.txErrors.at(t);
  const used = nodeFsUsed(node, t);
  w.raw(
    `],"startTime":${w.time(node.startMs)},"cpu":{"time":${w.time(t)},"usageNanoCores":${Math.round(node.cpu.rate)},` +
      `"usageCoreNanoSeconds":${node.cpu.at(t)}},"memory":{"time":${w.time(t)},"availableBytes":${node.memoryBytes - ws},` +
      `"usageBytes":${ws + GiB},"workingSetBytes":${ws},"rssBytes":${Math.floor(ws * 0.8)},` +
      `"pageFaults":${node.pageFaults.at(t)},"majorPageFaults":${node.majorPageFaults.at(t)}},` +
      `"network":{"time":${w.time(t)},"name":"eth0","rxBytes":${rx},"rxErrors":${rxe},"txBytes":${tx},"txErrors":${txe},` +
      `"interfaces":[{"name":"eth0","rxBytes":${rx},"rxErrors":${rxe},"txBytes":${tx},"txErrors":${txe}},` +
      `{"name":"cni0","rxBytes":${Math.floor(tx / 2)},"rxErrors":0,"txBytes":${Math.floor(rx / 2)},"txErrors":0}]},"fs":`,
  );
  fsStats(w, t, node.fsCapacity, node.fsCapacity - used, used, node.fsInodes, Math.floor(used / 32768));
  w.raw(`,"runtime":{"imageFs":`);
  fsStats(
    w,
    t,
    node.fsCapacity,
    node.fsCapacity - used,
    node.imageFsUsed,
    node.fsInodes,
    Math.floor(node.imageFsUsed / 65536),
  );
  w.raw(`,"containerFs":`);
  fsStats(
    w,
    t,
    node.fsCapacity,
    node.fsCapacity - used,
    node.imageFsUsed,
    node.fsInodes,
    Math.floor(node.imageFsUsed / 65536),
  );
  w.raw(
    `},"rlimit":{"time":${w.time(t)},"maxpid":4194304,"curproc":${200 + node.pods.size * 6}},` +
      `"swap":{"time":${w.time(t)},"swapAvailableBytes":0,"swapUsageBytes":0}},"pods":[`,
  );
  let first = true;
  for (const pod of node.pods.values()) {
    if (pod.startMs > now) continue;
    if (!first) w.raw(',');
    first = false;
    renderPod(w, node, pod, now, o);
  }
  w.raw(']}');
  return w.text();
}

/**
 * The same answer with some stats left out, as a kubelet whose runtime lost track of them would send:
 * the node's memory, the first pod's cpu, the second container's memory and every pod's network.
 */
export function renderSummaryMissingFields(node: SimNode, now: number, o: SummaryOptions): string {
  const summary = JSON.parse(renderSummary(node, now, o)) as {
    node: Record<string, unknown>;
    pods: { cpu?: unknown; network?: unknown; containers: { memory?: unknown }[] }[];
  };
  delete summary.node['memory'];
  const [firstPod] = summary.pods;
  if (firstPod !== undefined) delete firstPod.cpu;
  for (const pod of summary.pods) {
    delete pod.network;
    const second = pod.containers[1];
    if (second !== undefined) delete second.memory;
  }
  return JSON.stringify(summary);
}
