import { createRng, hash32, uuid, type Rng } from '../rng.js';
import { between, buildMachine, MIB } from './build-machine.js';
import { APPS, PAUSE_IMAGE, type AppKind } from './pod-apps.js';
import type {
  CadvisorApiVersion,
  ContainerKind,
  ContainerLoad,
  ContainerModel,
  HostModel,
  NetnsModel,
  PodRef,
} from './model.js';

/** Lets a test pin the own load of chosen containers (anything not returned keeps its seeded value). */
export type LoadOverride = (host: number, container: ContainerModel) => Partial<ContainerLoad> | undefined;

export interface HostSettings {
  index: number;
  name: string;
  ip: string;
  port: number;
  apiVersion: CadvisorApiVersion;
  seed: number;
  /** Simulated time the fleet was built; creation times lie before it. */
  anchorMs: number;
  housekeepingIntervalMs: number;
  historySamples: number;
  load?: LoadOverride;
}

const ALPHANUM = 'bcdfghjklmnpqrstvwxz2456789';

function sortedRecord(entries: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function load(partial: Partial<ContainerLoad>): ContainerLoad {
  return {
    cpuCores: 0,
    memoryBytes: 0,
    rxBytesPerSecond: 0,
    txBytesPerSecond: 0,
    diskReadBytesPerSecond: 0,
    diskWriteBytesPerSecond: 0,
    fsUsageBytes: 0,
    fsGrowthBytesPerSecond: 0,
    ...partial,
  };
}

/** Builds one host: machine, raw cgroups, a few pods (sandbox + containers) and one hand-started container. */
export function buildHost(s: HostSettings): HostModel {
  const rng = createRng(hash32(`${s.seed}:cadvisor:${s.index}`));
  const machine = buildMachine(rng, s.anchorMs);
  const list: ContainerModel[] = [];
  const historyMs = s.historySamples * s.housekeepingIntervalMs;
  const latestCreation = s.anchorMs - historyMs - 3_600_000;

  const add = (
    name: string,
    kind: ContainerKind,
    creationMs: number,
    own: Partial<ContainerLoad>,
    extra: Partial<ContainerModel> = {},
  ): ContainerModel => {
    const hash = hash32(`${s.seed}:${s.name}:${name}`);
    const phaseMs = hash % s.housekeepingIntervalMs;
    const c: ContainerModel = {
      name,
      kind,
      aliases: [],
      labels: {},
      creationMs,
      children: [],
      own: load(own),
      cpuShares: 1024,
      disk: 'sda',
      processCount: 1 + (hash % 4),
      phase: { ms: phaseMs, ns: hash32(`${hash}:ns`) % 1_000_000 },
      hash,
      ...extra,
    };
    const parentName = name === '/' ? undefined : name.slice(0, name.lastIndexOf('/')) || '/';
    if (parentName !== undefined) {
      c.parent = parentName;
      list.find((p) => p.name === parentName)?.children.push(name);
    }
    list.push(c);
    return c;
  };

  const boot = machine.bootMs;
  const hostNetns: NetnsModel = { key: `${s.name}:host`, sinceMs: boot, interfaces: [] };
  const rootLoad = {
    cpuCores: between(rng, 0.03, 0.1),
    memoryBytes: between(rng, 300, 600) * MIB,
    rxBytesPerSecond: between(rng, 1, 5) * 1024,
    txBytesPerSecond: between(rng, 1, 5) * 1024,
    diskWriteBytesPerSecond: between(rng, 4, 40) * 1024,
  };
  add('/', 'root', boot, rootLoad, {
    netns: hostNetns,
    processCount: rng.int(120, 220),
  });
  add('/docker', 'system', boot + 9_000, {});
  add('/system.slice', 'system', boot + 2_000, { cpuCores: 0.002, memoryBytes: 12 * MIB });
  add('/system.slice/docker.service', 'system', boot + 8_000, {
    cpuCores: between(rng, 0.02, 0.05),
    memoryBytes: between(rng, 60, 120) * MIB,
    diskWriteBytesPerSecond: between(rng, 2, 20) * 1024,
  });
  add('/system.slice/kubelet.service', 'system', boot + 11_000, {
    cpuCores: between(rng, 0.05, 0.1),
    memoryBytes: between(rng, 80, 150) * MIB,
    diskReadBytesPerSecond: between(rng, 1, 5) * 1024,
    diskWriteBytesPerSecond: between(rng, 4, 30) * 1024,
  });
  add('/user.slice', 'system', boot + 30_000, { cpuCores: 0.001, memoryBytes: between(rng, 5, 20) * MIB });

  const dockerContainer = (
    kind: ContainerKind,
    dockerName: string,
    image: string,
    creationMs: number,
    own: Partial<ContainerLoad>,
    netns: NetnsModel,
    extra: Partial<ContainerModel>,
  ): ContainerModel => {
    const id = rng.hex(64);
    return add(`/docker/${id}`, kind, creationMs, own, {
      id,
      aliases: [dockerName, id],
      namespace: 'docker',
      image,
      netns,
      disk: 'sdb',
      fsDevice: '/dev/sdb1',
      ...extra,
    });
  };

  const pods = rng.int(2, 3);
  const usedApps = new Set<number>();
  for (let p = 0; p < pods; p++) {
    let appIndex = rng.int(0, APPS.length - 1);
    while (usedApps.has(appIndex)) appIndex = (appIndex + 1) % APPS.length;
    usedApps.add(appIndex);
    const app = APPS[appIndex] as AppKind;
    const suffix = Array.from({ length: 5 }, () => rng.pick(ALPHANUM.split(''))).join('');
    const podName = `${app.app}-${rng.hex(10)}-${suffix}`;
    const uid = uuid(rng);
    const created = boot + rng.int(60_000, Math.max(120_000, latestCreation - boot - 60_000));
    const netns: NetnsModel = { key: `${s.name}:${podName}`, sinceMs: created, interfaces: [] };
    const podRef = (container: string): PodRef => ({
      name: podName,
      namespace: app.namespace,
      uid,
      container,
    });
    const k8sLabels = (container: string, type: string): Record<string, string> => ({
      'io.kubernetes.container.name': container,
      'io.kubernetes.docker.type': type,
      'io.kubernetes.pod.name': podName,
      'io.kubernetes.pod.namespace': app.namespace,
      'io.kubernetes.pod.uid': uid,
    });
    dockerContainer(
      'pod-infra',
      `k8s_POD_${podName}_${app.namespace}_${uid}_0`,
      PAUSE_IMAGE,
      created,
      {
        cpuCores: 0.0005,
        memoryBytes: 700 * 1024,
        rxBytesPerSecond: 200,
        txBytesPerSecond: 150,
        fsUsageBytes: 4096,
      },
      netns,
      {
        labels: sortedRecord(k8sLabels('POD', 'podsandbox')),
        pod: podRef('POD'),
        cpuShares: 2,
        processCount: 1,
      },
    );
    const members = [{ name: app.app, image: app.image, main: true }];
    if (app.sidecar !== undefined) members.push({ ...app.sidecar, main: false });
    for (const [m, member] of members.entries()) {
      const cores = member.main ? between(rng, 0.05, 0.6) : between(rng, 0.005, 0.03);
      const memory = member.main ? between(rng, 40, 400) * MIB : between(rng, 4, 16) * MIB;
      const limited = member.main && rng.next() < 0.6;
      const requestMilli = Math.max(10, Math.round(cores * 1000 * between(rng, 0.5, 1.2)));
      dockerContainer(
        'pod-app',
        `k8s_${member.name}_${podName}_${app.namespace}_${uid}_0`,
        member.image,
        created + 2_000 + m * 500,
        {
          cpuCores: cores,
          memoryBytes: memory,
          rxBytesPerSecond: member.main ? between(rng, 2, 200) * 1024 : 0,
          txBytesPerSecond: member.main ? between(rng, 2, 400) * 1024 : between(rng, 1, 8) * 1024,
          diskReadBytesPerSecond: between(rng, 0, 50) * 1024,
          diskWriteBytesPerSecond: between(rng, 1, 80) * 1024,
          fsUsageBytes: Math.round(between(rng, 0.1, 60) * MIB),
          fsGrowthBytesPerSecond: Math.round(between(rng, 0, 300)),
        },
        netns,
        {
          labels: sortedRecord({
            ...(member.main ? app.imageLabels : {}),
            ...k8sLabels(member.name, 'container'),
          }),
          pod: podRef(member.name),
          cpuShares: Math.max(2, Math.floor((requestMilli * 1024) / 1000)),
          ...(limited
            ? {
                cpuLimitCores: Math.ceil(cores * 2 * 10) / 10,
                memoryLimitBytes: Math.ceil((memory * 1.5) / MIB) * MIB,
              }
            : {}),
        },
      );
    }
  }
  const standaloneCreated = boot + 15_000;
  dockerContainer(
    'docker',
    'cadvisor',
    'google/cadvisor:v0.34.0',
    standaloneCreated,
    {
      cpuCores: between(rng, 0.02, 0.06),
      memoryBytes: between(rng, 30, 60) * MIB,
      rxBytesPerSecond: 300,
      txBytesPerSecond: between(rng, 5, 50) * 1024,
      diskReadBytesPerSecond: 512,
      fsUsageBytes: 8 * MIB,
      fsGrowthBytesPerSecond: 2,
    },
    { key: `${s.name}:cadvisor`, sinceMs: standaloneCreated, interfaces: [] },
    {},
  );

  for (const c of list) {
    const override = s.load?.(s.index, c);
    if (override !== undefined) c.own = { ...c.own, ...override };
  }
  finishNetworks(list, hostNetns, rng);
  list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    index: s.index,
    name: s.name,
    ip: s.ip,
    port: s.port,
    apiVersion: s.apiVersion,
    machine,
    containers: new Map(list.map((c) => [c.name, c])),
    housekeepingIntervalMs: s.housekeepingIntervalMs,
    historySamples: s.historySamples,
  };
}

/**
 * A namespace's eth0 carries what its members send and receive. The host's two NICs carry every namespace plus
 * the host's own traffic (the root cgroup's load), split 80/20.
 */
function finishNetworks(list: ContainerModel[], hostNetns: NetnsModel, rng: Rng): void {
  const namespaces = new Map<string, NetnsModel>();
  let rx = 0;
  let tx = 0;
  for (const c of list) {
    rx += c.own.rxBytesPerSecond;
    tx += c.own.txBytesPerSecond;
    if (c.netns === undefined || c.netns === hostNetns) continue;
    namespaces.set(c.netns.key, c.netns);
    const eth0 = c.netns.interfaces[0] ?? { name: 'eth0', rxBytesPerSecond: 0, txBytesPerSecond: 0 };
    eth0.rxBytesPerSecond += c.own.rxBytesPerSecond;
    eth0.txBytesPerSecond += c.own.txBytesPerSecond;
    c.netns.interfaces[0] = eth0;
  }
  const share = between(rng, 0.75, 0.85);
  hostNetns.interfaces.push(
    { name: 'eth0', rxBytesPerSecond: rx * share, txBytesPerSecond: tx * share },
    { name: 'eth1', rxBytesPerSecond: rx * (1 - share), txBytesPerSecond: tx * (1 - share) },
  );
}
