import type { SimClock } from './clock.js';
import { createCounter, type Counter } from './counter.js';
import type { AddressBlock } from './loopback.js';
import {
  containerBudget,
  MEMORY_PEAK_FACTOR,
  podBudget,
  SYSTEM_MILLICORES,
  SYSTEM_MILLICORES_TOTAL,
  type PodBudget,
} from './pod-budget.js';
import { createRng, hash32, uuid, type Rng } from './rng.js';

/**
 * The simulated cluster's state: nodes, pods, containers and their workloads. Every number a kubelet
 * serves is a function of this state and the simulated time, which is what makes ground truth possible.
 */
export interface ClusterOptions {
  nodes: number;
  podsPerNode: number;
  containersPerPod: number;
  seed: number;
  clock: SimClock;
  addresses: AddressBlock;
  /** How often the kubelet refreshes a stat (its own `time` moves in these steps). */
  statsIntervalMs: number;
  /** Every Nth container (1-based count) has a GPU; 0 for none. */
  acceleratorEvery: number;
  /** Share of containers whose runtime reports usageNanoCores as 0 (as containerd and CRI-O often do). */
  zeroNanoCoresShare: number;
}

export interface SimContainer {
  readonly name: string;
  readonly image: string;
  readonly imageID: string;
  containerID: string;
  startMs: number;
  restartCount: number;
  cpu: Counter;
  pageFaults: Counter;
  majorPageFaults: Counter;
  /** Working set wanders in [memBase, memBase + memSpan]. */
  readonly memBase: number;
  readonly memSpan: number;
  readonly rootfsBase: number;
  readonly logsBase: number;
  readonly requests: Readonly<Record<string, string>>;
  readonly limits: Readonly<Record<string, string>>;
  readonly memoryLimitBytes: number | undefined;
  readonly accelerator: { make: string; model: string; id: string; memoryTotal: number } | undefined;
  readonly reportsNanoCores: boolean;
  readonly seed: number;
}

export interface SimVolume {
  readonly name: string;
  readonly kind: 'projected' | 'emptyDir' | 'persistentVolumeClaim' | 'configMap';
  readonly usedBase: number;
  /** Capacity of the volume's own filesystem (a PVC); emptyDir and projected share the node's. */
  readonly capacity: number | undefined;
  readonly claimName?: string;
}

export interface SimPod {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly nodeName: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly owner: { kind: string; name: string; uid: string };
  readonly ip: string;
  readonly startMs: number;
  readonly containers: SimContainer[];
  readonly volumes: readonly SimVolume[];
  readonly cpu: Counter;
  readonly pageFaults: Counter;
  readonly majorPageFaults: Counter;
  readonly rx: Counter;
  readonly tx: Counter;
  readonly rxErrors: Counter;
  readonly txErrors: Counter;
  readonly seed: number;
}

export interface SimSystemContainer {
  /** The Summary API's own name: kubelet, runtime, misc or pods. */
  readonly name: 'kubelet' | 'runtime' | 'misc' | 'pods';
  readonly startMs: number;
  readonly cpu: Counter;
  readonly pageFaults: Counter;
  readonly memBase: number;
  readonly seed: number;
}

export interface SimNode {
  readonly index: number;
  readonly name: string;
  readonly uid: string;
  readonly address: string;
  readonly startMs: number;
  readonly createdMs: number;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly fsCapacity: number;
  readonly fsInodes: number;
  readonly imageFsUsed: number;
  readonly machineID: string;
  readonly systemUUID: string;
  readonly bootID: string;
  readonly providerID: string;
  readonly pods: Map<string, SimPod>;
  readonly systemContainers: readonly SimSystemContainer[];
  readonly cpu: Counter;
  readonly pageFaults: Counter;
  readonly majorPageFaults: Counter;
  readonly rx: Counter;
  readonly tx: Counter;
  readonly rxErrors: Counter;
  readonly txErrors: Counter;
  readonly seed: number;
  /** Changes whenever the node's set of pods or containers changes, so pre-rendered parts can be reused. */
  generation: number;
}

export type ClusterChange =
  | { kind: 'node-added' | 'node-removed'; node: SimNode }
  | { kind: 'pod-added' | 'pod-removed' | 'pod-updated'; pod: SimPod };

export const NAMESPACES = ['default', 'kube-system', 'monitoring', 'shop', 'batch'] as const;
const APPS = [
  'frontend',
  'checkout',
  'cart',
  'catalog',
  'payments',
  'search',
  'worker',
  'redis',
  'api',
  'auth',
];
const SIDECARS = ['istio-proxy', 'log-shipper', 'metrics-exporter'];

export class Cluster {
  readonly nodes = new Map<string, SimNode>();
  readonly pods = new Map<string, SimPod>();
  readonly namespaceUids: ReadonlyMap<string, string>;
  private readonly rng: Rng;
  private readonly listeners: ((change: ClusterChange) => void)[] = [];
  private nextNodeIndex = 0;
  /** `namespace/name` of every pod: a drawn name already taken gets another suffix (thousands of nodes). */
  private readonly podNames = new Set<string>();
  private containerCount = 0;
  /** While a node is being built its counters are set once, from its start, rather than per pod. */
  private building: SimNode | undefined;

  constructor(readonly options: ClusterOptions) {
    this.rng = createRng(options.seed);
    this.namespaceUids = new Map(NAMESPACES.map((ns) => [ns, uuid(this.rng)]));
    const bornMs = options.clock.now() - 3 * 3600_000;
    for (let i = 0; i < options.nodes; i++) this.addNode(bornMs);
  }

  onChange(listener: (change: ClusterChange) => void): void {
    this.listeners.push(listener);
  }

  /** Adds a node with its share of pods; `atMs` back-dates it (the initial nodes booted hours ago). */
  addNode(at = this.options.clock.now()): SimNode {
    const atMs = Math.floor(at / 1000) * 1000;
    const index = this.nextNodeIndex++;
    const name = `node-${String(index).padStart(4, '0')}`;
    const rng = this.rng;
    const cores = rng.pick([2, 4, 8, 16]);
    const startMs = atMs - rng.int(0, 600) * 1000;
    const seed = hash32(name);
    const node: SimNode = {
      index,
      name,
      uid: uuid(rng),
      address: this.options.addresses.node(index),
      startMs,
      createdMs: startMs - 60_000,
      cores,
      memoryBytes: cores * 4 * 1024 ** 3,
      fsCapacity: 100 * 1024 ** 3,
      fsInodes: 6_553_600,
      imageFsUsed: rng.int(4, 12) * 1024 ** 3,
      machineID: rng.hex(32),
      systemUUID: uuid(rng),
      bootID: uuid(rng),
      providerID: `gce://demo-project/us-central1-a/${name}`,
      pods: new Map(),
      systemContainers: (['kubelet', 'runtime', 'misc', 'pods'] as const).map((sys) => ({
        name: sys,
        startMs: startMs + 5000,
        cpu: createCounter(startMs + 5000, sys === 'pods' ? 0 : SYSTEM_MILLICORES[sys] * 1e6),
        pageFaults: createCounter(startMs + 5000, rng.int(5, 50)),
        memBase: sys === 'pods' ? 0 : rng.int(30, 300) * 1024 ** 2,
        seed: hash32(`${name}/${sys}`),
      })),
      cpu: createCounter(startMs, 0),
      pageFaults: createCounter(startMs, rng.int(100, 1000)),
      majorPageFaults: createCounter(startMs, rng.int(0, 3)),
      rx: createCounter(startMs, 0),
      tx: createCounter(startMs, 0),
      rxErrors: createCounter(startMs, 0.01),
      txErrors: createCounter(startMs, 0.005),
      seed,
      generation: 0,
    };
    this.nodes.set(name, node);
    this.building = node;
    for (let p = 0; p < this.options.podsPerNode; p++)
      this.addPod(node, p === 0 ? 'kube-system' : undefined, atMs);
    this.building = undefined;
    this.refreshNodeRates(node, node.startMs);
    this.emit({ kind: 'node-added', node });
    for (const pod of node.pods.values()) this.emit({ kind: 'pod-added', pod });
    return node;
  }

  removeNode(name: string): void {
    const node = this.mustNode(name);
    for (const pod of [...node.pods.values()]) this.deletePod(pod.uid);
    this.nodes.delete(name);
    this.emit({ kind: 'node-removed', node });
  }

  /** Schedules a new pod on `node` (a random one when not given). */
  addPod(node?: SimNode, namespace?: string, at = this.options.clock.now()): SimPod {
    const atMs = Math.floor(at / 1000) * 1000;
    const rng = this.rng;
    const target = node ?? rng.pick([...this.nodes.values()]);
    const system = namespace === 'kube-system';
    const ns = namespace ?? rng.pick(NAMESPACES.filter((n) => n !== 'kube-system'));
    const app = system ? 'kube-proxy' : rng.pick(APPS);
    const template = rng.hex(10).replace(/[0-9]/g, (d) => 'bcdfghjklm'[Number(d)] as string);
    const podNs = system ? 'kube-system' : ns;
    let name: string;
    do name = system ? `kube-proxy-${rng.hex(5)}` : `${app}-${template}-${rng.hex(5)}`;
    while (this.podNames.has(`${podNs}/${name}`));
    this.podNames.add(`${podNs}/${name}`);
    const uid = uuid(rng);
    // Pods of a node being built started some time ago; a pod scheduled later starts now.
    const startMs =
      this.building === target ? Math.max(target.startMs + 30_000, atMs - rng.int(0, 3600) * 1000) : atMs;
    const containers: SimContainer[] = [];
    const budget = podBudget(target, this.options.podsPerNode);
    const count = this.options.containersPerPod;
    for (let c = 0; c < count; c++) {
      const containerName = c === 0 ? app : (SIDECARS[(c - 1) % SIDECARS.length] as string);
      containers.push(this.newContainer(containerName, startMs, c, containerBudget(budget, c, count)));
    }
    const volumes: SimVolume[] = [
      { name: `kube-api-access-${rng.hex(5)}`, kind: 'projected', usedBase: 12 * 1024, capacity: undefined },
    ];
    if (rng.next() < 0.4)
      volumes.push({
        name: 'scratch',
        kind: 'emptyDir',
        usedBase: rng.int(1, 500) * 1024 ** 2,
        capacity: undefined,
      });
    if (rng.next() < 0.15)
      volumes.push({
        name: 'data',
        kind: 'persistentVolumeClaim',
        usedBase: rng.int(1, 40) * 1024 ** 3,
        capacity: 50 * 1024 ** 3,
        claimName: `${app}-data-${rng.hex(4)}`,
      });
    const podRate = containers.reduce((sum, c) => sum + c.cpu.rate, 0);
    const pod: SimPod = {
      uid,
      name,
      namespace: podNs,
      nodeName: target.name,
      labels: system
        ? { 'k8s-app': 'kube-proxy', 'controller-revision-hash': rng.hex(10) }
        : { app, 'pod-template-hash': template, tier: rng.pick(['web', 'backend', 'cache']) },
      owner: system
        ? { kind: 'DaemonSet', name: 'kube-proxy', uid: uuid(rng) }
        : { kind: 'ReplicaSet', name: `${app}-${template}`, uid: uuid(rng) },
      ip: `10.${(target.index >> 8) & 255}.${target.index & 255}.${rng.int(2, 254)}`,
      startMs,
      containers,
      volumes,
      cpu: createCounter(startMs, podRate),
      pageFaults: createCounter(startMs, rng.int(10, 500)),
      majorPageFaults: createCounter(startMs, rng.next() < 0.2 ? 1 : 0),
      rx: createCounter(startMs, rng.int(1, 2000) * 1024),
      tx: createCounter(startMs, rng.int(1, 1000) * 1024),
      rxErrors: createCounter(startMs, rng.next() < 0.1 ? 0.05 : 0),
      txErrors: createCounter(startMs, 0),
      seed: hash32(uid),
    };
    target.pods.set(uid, pod);
    this.pods.set(uid, pod);
    target.generation++;
    if (this.building !== target) {
      this.refreshNodeRates(target, this.options.clock.now());
      this.emit({ kind: 'pod-added', pod });
    }
    return pod;
  }

  deletePod(uid: string): void {
    const pod = this.mustPod(uid);
    const node = this.mustNode(pod.nodeName);
    node.pods.delete(uid);
    this.pods.delete(uid);
    this.podNames.delete(`${pod.namespace}/${pod.name}`);
    node.generation++;
    this.refreshNodeRates(node, this.options.clock.now());
    this.emit({ kind: 'pod-removed', pod });
  }

  /** Restarts one container: its counters start again from zero and its startTime moves to now. */
  restartContainer(podUid: string, containerName: string): SimContainer {
    const pod = this.mustPod(podUid);
    const container = pod.containers.find((c) => c.name === containerName);
    if (container === undefined)
      throw new Error(`pod ${pod.namespace}/${pod.name} has no container ${containerName}`);
    const now = this.options.clock.now();
    const startMs = Math.ceil(now / 1000) * 1000;
    container.startMs = startMs;
    container.restartCount++;
    container.containerID = `containerd://${this.rng.hex(64)}`;
    container.cpu = createCounter(startMs, container.cpu.rate);
    container.pageFaults = createCounter(startMs, container.pageFaults.rate);
    container.majorPageFaults = createCounter(startMs, container.majorPageFaults.rate);
    this.mustNode(pod.nodeName).generation++;
    this.emit({ kind: 'pod-updated', pod });
    return container;
  }

  /** Changes a container's CPU load from now on. */
  setContainerLoad(podUid: string, containerName: string, millicores: number): void {
    const pod = this.mustPod(podUid);
    const container = pod.containers.find((c) => c.name === containerName);
    if (container === undefined)
      throw new Error(`pod ${pod.namespace}/${pod.name} has no container ${containerName}`);
    const now = this.options.clock.now();
    container.cpu.setRate(now, millicores * 1e6);
    pod.cpu.setRate(
      now,
      pod.containers.reduce((sum, c) => sum + c.cpu.rate, 0),
    );
    this.refreshNodeRates(this.mustNode(pod.nodeName), now);
  }

  mustNode(name: string): SimNode {
    const node = this.nodes.get(name);
    if (node === undefined) throw new Error(`no simulated node ${name}`);
    return node;
  }

  mustPod(uid: string): SimPod {
    const pod = this.pods.get(uid);
    if (pod === undefined) throw new Error(`no simulated pod ${uid}`);
    return pod;
  }

  private newContainer(name: string, podStartMs: number, position: number, budget: PodBudget): SimContainer {
    const rng = this.rng;
    const main = position === 0;
    // Drawn, then held within the node's room for it (see pod-budget.ts).
    const millicores = Math.min(main ? rng.int(20, 900) : rng.int(2, 60), Math.floor(budget.millicores));
    const drawnMi = main ? rng.int(64, 1500) : rng.int(16, 120);
    const memBase =
      Math.max(1, Math.min(drawnMi, Math.floor(budget.memoryBytes / MEMORY_PEAK_FACTOR / 1024 ** 2))) *
      1024 ** 2;
    const withRequests = rng.next() < 0.8;
    const withLimits = withRequests && rng.next() < 0.6;
    const requestMi = Math.ceil(memBase / 1024 ** 2 / 64) * 64;
    const requests: Record<string, string> = withRequests
      ? { cpu: `${Math.ceil(millicores / 50) * 50}m`, memory: `${requestMi}Mi` }
      : {};
    const limits: Record<string, string> = withLimits
      ? { cpu: rng.pick(['1', '2', '1500m']), memory: `${requestMi * 2}Mi` }
      : {};
    this.containerCount++;
    const every = this.options.acceleratorEvery;
    const accelerator =
      main && every > 0 && this.containerCount % every === 0
        ? { make: 'nvidia', model: 'tesla-t4', id: `GPU-${uuid(rng)}`, memoryTotal: 16 * 1024 ** 3 }
        : undefined;
    const containerStart =
      podStartMs + rng.int(1, podStartMs < this.options.clock.now() - 60_000 ? 20 : 2) * 1000;
    const image = main
      ? `registry.example.com/${name}:1.${rng.int(0, 30)}.${rng.int(0, 9)}`
      : `docker.io/library/${name}:latest`;
    return {
      name,
      image,
      imageID: `${image.split(':')[0]}@sha256:${rng.hex(64)}`,
      containerID: `containerd://${rng.hex(64)}`,
      startMs: containerStart,
      restartCount: 0,
      cpu: createCounter(containerStart, millicores * 1e6),
      pageFaults: createCounter(containerStart, rng.int(1, 300)),
      majorPageFaults: createCounter(containerStart, rng.next() < 0.1 ? 0.2 : 0),
      memBase,
      memSpan: Math.floor(memBase / 4),
      rootfsBase: rng.int(4, 400) * 1024 * 1024,
      logsBase: rng.int(1, 200) * 1024 * 1024,
      requests,
      limits,
      memoryLimitBytes: withLimits ? requestMi * 2 * 1024 ** 2 : undefined,
      accelerator,
      reportsNanoCores: rng.next() >= this.options.zeroNanoCoresShare,
      seed: hash32(`${name}/${rng.hex(8)}`),
    };
  }

  /** The node's and its "pods" system container's counters follow the sum of what runs on it. */
  private refreshNodeRates(node: SimNode, atMs: number): void {
    let pods = 0;
    let rx = 0;
    let tx = 0;
    for (const pod of node.pods.values()) {
      pods += pod.cpu.rate;
      rx += pod.rx.rate;
      tx += pod.tx.rate;
    }
    const system = SYSTEM_MILLICORES_TOTAL * 1e6;
    const at = Math.max(atMs, node.cpu.startMs);
    node.cpu.setRate(at, pods + system);
    node.rx.setRate(at, rx + 4096);
    node.tx.setRate(at, tx + 2048);
    const podsContainer = node.systemContainers.find((s) => s.name === 'pods');
    podsContainer?.cpu.setRate(Math.max(at, podsContainer.startMs), pods);
  }

  private emit(change: ClusterChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
