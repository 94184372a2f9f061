// CPU of parse + derive + enrich + aggregate against JSON.parse of the same Summary payloads.
// Run: node --import tsx scripts/bench-pipeline.ts [nodes=100] [pods=30] [containers=2]
import { performance } from 'node:perf_hooks';
import { finalizeAggregates, mergePartials, type AggregatePartial } from '../shared/metrics/aggregate.js';
import { decodeCounters, encodeCounters } from '../shared/metrics/counter-state.js';
import type { NodeCounters } from '../shared/metrics/derive.js';
import type { ClusterInventory, NodeInfo, PodInfo } from '../shared/metrics/inventory.js';
import { countPoints } from '../shared/metrics/model.js';
import { processNode } from '../shared/metrics/pipeline.js';
import type { ContainerStats, FsStats, PodStats, Summary } from '../shared/sources/summary/types.js';

const [NODES = 100, PODS = 30, CONTAINERS = 2] = process.argv.slice(2).map(Number);
const T0 = Date.parse('2026-01-01T00:00:00Z');
const ROUND_MS = 60_000;
const NAMESPACES = ['default', 'kube-system', 'payments', 'search', 'monitoring'];

/** A deterministic number from a few integers, so that the payloads vary without a random generator. */
const mix = (...xs: number[]) => xs.reduce((h, x) => Math.imul(h ^ x, 0x9e3779b1) >>> 0, 0x12345) % 1_000_003;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

function fs(seed: number, used: number): FsStats {
  return {
    time: iso(T0),
    availableBytes: 13_717_454_848 - seed,
    capacityBytes: 17_361_125_376,
    usedBytes: used,
    inodesFree: 9_725_586 - (seed % 1000),
    inodes: 9_768_928,
    inodesUsed: 43_342 + (seed % 1000),
  };
}

function container(name: string, seed: number, round: number, now: number): ContainerStats {
  return {
    name,
    startTime: iso(T0 - 86_400_000 - seed * 1000),
    cpu: {
      time: iso(now - (seed % 5) * 1000),
      usageNanoCores: 0,
      usageCoreNanoSeconds: 4e12 + seed * 1e6 + round * 3e9,
    },
    memory: {
      time: iso(now - (seed % 5) * 1000),
      availableBytes: 171_589_632,
      usageBytes: 25_088_000 + seed,
      workingSetBytes: 25_083_904 + seed,
      rssBytes: 23_523_328 + seed,
      pageFaults: 9_702 + seed + round * 50,
      majorPageFaults: seed % 7,
    },
    rootfs: fs(seed, 36_864 + seed),
    logs: fs(seed + 1, 98_304 + seed),
  };
}

function payload(node: number, round: number): Summary {
  const now = T0 + round * ROUND_MS;
  const pods: PodStats[] = [];
  for (let p = 0; p < PODS; p++) {
    const seed = mix(node, p);
    const iface = {
      rxBytes: 948_305_362 + seed + round * 1e6,
      rxErrors: 0,
      txBytes: 12_542_068 + round * 1e5,
      txErrors: 0,
    };
    pods.push({
      podRef: {
        name: `app-${node}-${p}`,
        namespace: NAMESPACES[p % NAMESPACES.length] as string,
        uid: uid(node, p),
      },
      startTime: iso(T0 - 86_400_000 - seed * 1000),
      containers: Array.from({ length: CONTAINERS }, (_, c) =>
        container(`c${c}`, mix(node, p, c), round, now),
      ),
      cpu: { time: iso(now), usageNanoCores: 3_620_103, usageCoreNanoSeconds: 9e12 + seed + round * 6e9 },
      memory: {
        time: iso(now),
        availableBytes: 171_589_632,
        usageBytes: 50_290_944 + seed,
        workingSetBytes: 50_230_656 + seed,
        rssBytes: 47_660_736,
        pageFaults: 20_000 + round * 100,
        majorPageFaults: 0,
      },
      network: {
        time: iso(now),
        name: 'eth0',
        ...iface,
        interfaces: [
          { name: 'eth0', ...iface },
          { name: 'sit0', rxBytes: 0, rxErrors: 0, txBytes: 0, txErrors: 0 },
        ],
      },
      volume: [
        { ...fs(seed, 12_288), name: 'config-volume' },
        { ...fs(seed + 2, 24_576), name: `token-${p}` },
      ],
      'ephemeral-storage': fs(seed, 49_152 + seed),
    });
  }
  const system = ['kubelet', 'runtime', 'pods'].map((name, i) => {
    const c = container(name, mix(node, 1000 + i), round, now);
    return { name, startTime: c.startTime, cpu: c.cpu, memory: c.memory };
  });
  return {
    node: {
      nodeName: `node-${node}`,
      systemContainers: system,
      startTime: iso(T0 - 864_000_000),
      cpu: { time: iso(now), usageNanoCores: 165_737_329, usageCoreNanoSeconds: 2.6e14 + round * 60e9 },
      memory: {
        time: iso(now),
        availableBytes: 2.6e9,
        usageBytes: 3.6e9,
        workingSetBytes: 1.2e9,
        rssBytes: 6e8,
        pageFaults: 12_345,
        majorPageFaults: 12,
      },
      network: {
        time: iso(now),
        name: 'eth0',
        rxBytes: 9e9 + round * 1e7,
        rxErrors: 0,
        txBytes: 1e8,
        txErrors: 0,
      },
      fs: fs(node, 2_626_973_696),
      runtime: { imageFs: fs(node, 5_698_399_516) },
      rlimit: { time: iso(now), maxpid: 32_768, curproc: 438 },
    },
    pods,
  };
}

const uid = (node: number, pod: number) =>
  `${(node * 1000 + pod).toString(16).padStart(8, '0')}-ed0b-446d-9aab-3fdce8b4f9e2`;

function inventory(): ClusterInventory {
  const nodes = new Map<string, NodeInfo>();
  const pods = new Map<string, PodInfo>();
  for (let n = 0; n < NODES; n++) {
    nodes.set(`node-${n}`, {
      name: `node-${n}`,
      hostId: `gce://project/zone/node-${n}`,
      labels: { 'kubernetes.io/os': 'linux', 'node.kubernetes.io/instance-type': 'e2-standard-8' },
      capacity: { cpu: '8', memory: '32Gi', 'ephemeral-storage': '100G' },
      allocatable: { cpu: '7910m', memory: '29Gi', 'ephemeral-storage': '90G' },
    });
    for (let p = 0; p < PODS; p++) {
      pods.set(uid(n, p), {
        uid: uid(n, p),
        name: `app-${n}-${p}`,
        namespace: NAMESPACES[p % NAMESPACES.length] as string,
        labels: { app: `app-${p % 7}`, tier: 'backend', 'pod-template-hash': '5456b4b8cd' },
        containers: Array.from({ length: CONTAINERS }, (_, c) => ({
          name: `c${c}`,
          image: `registry.example/app-${p % 7}:1.${c}`,
          requests: { cpu: '100m', memory: '128Mi' },
          limits: { cpu: '1', memory: '512Mi' },
          restartCount: p % 3,
        })),
      });
    }
  }
  return { nodes, pods, namespaces: new Map(NAMESPACES.map((ns, i) => [ns, `ns-uid-${i}`])) };
}

/** Median of `runs` timings (CPU of the whole process and wall clock) of fn, after warm-up runs. */
function measure(fn: () => void, runs = 15, warmup = 5): { cpuMs: number; wallMs: number } {
  for (let i = 0; i < warmup; i++) fn();
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    fn();
    wall.push(performance.now() - w0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  return { cpuMs: median(cpu), wallMs: median(wall) };
}

const inv = inventory();
const bodies1 = Array.from({ length: NODES }, (_, n) => JSON.stringify(payload(n, 1)));
const bodies2 = Array.from({ length: NODES }, (_, n) => JSON.stringify(payload(n, 2)));
const objects2 = bodies2.map((b) => JSON.parse(b) as unknown);

// Round 1 seeds the counters, through their stored form.
const states: (NodeCounters | undefined)[] = bodies1.map((body, n) => {
  const r = processNode({
    payload: JSON.parse(body),
    previous: undefined,
    inventory: inv,
    timestamp: T0 + ROUND_MS,
  });
  if (!r.ok) throw new Error(r.error);
  const decoded = decodeCounters(encodeCounters(r.next));
  if (!decoded.ok) throw new Error(`node ${n}: ${decoded.error}`);
  return decoded.counters;
});

let points = 0;
function pipeline(count = false): void {
  const partials: AggregatePartial[] = [];
  for (let n = 0; n < NODES; n++) {
    const r = processNode({
      payload: objects2[n],
      previous: states[n],
      inventory: inv,
      timestamp: T0 + 2 * ROUND_MS,
    });
    if (!r.ok) throw new Error(r.error);
    partials.push(r.partial);
    if (count) points += countPoints(r.block);
  }
  const aggregates = finalizeAggregates(mergePartials(partials), { clusterName: 'bench' });
  if (count) points += countPoints(aggregates);
}

const json = measure(() => {
  for (const body of bodies2) JSON.parse(body);
});
const stages = measure(() => pipeline());
pipeline(true);
const blobs = states.map((s) => encodeCounters(s as NodeCounters));
const stateBytes = blobs.reduce((n, b) => n + b.length, 0);
const codec = measure(() => {
  for (const blob of blobs) {
    const d = decodeCounters(blob);
    if (d.ok) encodeCounters(d.counters);
  }
});

const kb = bodies2.reduce((n, b) => n + b.length, 0) / NODES / 1024;
const perNode = (ms: number) => (ms / NODES).toFixed(3);
console.log(
  `conditions: node ${process.version}, ${NODES} nodes x ${PODS} pods x ${CONTAINERS} containers, ${kb.toFixed(1)} KB of JSON per node`,
);
console.log(
  `points per round: ${points} (${Math.round(points / NODES)} per node), medians of 15 runs after 5 warm-up runs`,
);
console.log(
  `JSON.parse:                       ${perNode(json.cpuMs)} ms CPU per node (${perNode(json.wallMs)} ms wall)`,
);
console.log(
  `parse+derive+enrich+aggregate:    ${perNode(stages.cpuMs)} ms CPU per node (${perNode(stages.wallMs)} ms wall), ${((stages.cpuMs * 1e6) / points).toFixed(0)} ns CPU per point`,
);
console.log(
  `ratio stages / JSON.parse:        ${(stages.cpuMs / json.cpuMs).toFixed(2)} CPU, ${(stages.wallMs / json.wallMs).toFixed(2)} wall`,
);
console.log(
  `counter state:                    ${Math.round(stateBytes / NODES)} bytes per node, ${(((stateBytes / NODES) * 1000) / 1048576).toFixed(2)} MiB for 1,000 nodes; decode+encode ${perNode(codec.cpuMs)} ms CPU per node`,
);
