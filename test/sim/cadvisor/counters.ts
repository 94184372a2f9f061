import { hash32 } from '../rng.js';
import { goTime, type Instant } from './go-time.js';
import { containerOf, elapsedNs, subtree, type ContainerModel, type HostModel } from './model.js';
import type { ContainerSample, InterfaceSample, MemorySample } from './sample-types.js';
import { diskIo, filesystems } from './storage.js';

export type { ContainerSample } from './sample-types.js';

function cpuWeights(host: HostModel, c: ContainerModel): number[] {
  const raw = Array.from(
    { length: host.machine.numCores },
    (_, i) => 1 + (hash32(`${c.hash}:cpu${i}`) % 100) / 100,
  );
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((w) => w / sum);
}

function ownMemory(
  c: ContainerModel,
  at: Instant,
): Omit<MemorySample, 'hierarchicalPgfault' | 'hierarchicalPgmajfault'> {
  const elapsed = elapsedNs(c, at);
  const mean = c.own.memoryBytes;
  if (elapsed === 0 || mean === 0) {
    return {
      usage: 0,
      maxUsage: 0,
      cache: 0,
      rss: 0,
      swap: 0,
      mappedFile: 0,
      workingSet: 0,
      failcnt: 0,
      pgfault: 0,
      pgmajfault: 0,
    };
  }
  const periodMs = 120_000 + (c.hash % 480_000);
  const angle = (2 * Math.PI * ((at.ms + at.ns / 1e6) % periodMs)) / periodMs + (c.hash % 628) / 100;
  const usage = Math.floor(mean * (1 + 0.04 * Math.sin(angle)));
  const cacheShare = 0.1 + (c.hash % 20) / 100;
  const cache = Math.floor(usage * cacheShare);
  const seconds = elapsed / 1e9;
  const nearLimit = c.memoryLimitBytes !== undefined && mean > 0.6 * c.memoryLimitBytes;
  const pgfault = Math.floor(seconds * (mean / 4096 / 50));
  return {
    usage,
    maxUsage: Math.floor(mean * 1.05),
    cache,
    rss: usage - cache,
    swap: 0,
    mappedFile: Math.floor(cache / 4),
    workingSet: usage - Math.floor(cache / 2),
    failcnt: nearLimit ? Math.floor(seconds / 300) : 0,
    pgfault,
    pgmajfault: Math.floor(pgfault / 2000),
  };
}

function network(c: ContainerModel, at: Instant): InterfaceSample[] {
  if (c.netns === undefined) return [];
  const seconds = Math.max(0, (at.ms - c.netns.sinceMs) * 1_000_000 + at.ns) / 1e9;
  return c.netns.interfaces.map((i) => {
    const rxBytes = Math.floor(i.rxBytesPerSecond * seconds);
    const txBytes = Math.floor(i.txBytesPerSecond * seconds);
    const rxPackets = Math.floor(rxBytes / 900);
    const txPackets = Math.floor(txBytes / 1100);
    return {
      name: i.name,
      rxBytes,
      rxPackets,
      rxErrors: Math.floor(rxPackets / 2_000_000),
      rxDropped: Math.floor(rxPackets / 150_000),
      txBytes,
      txPackets,
      txErrors: 0,
      txDropped: Math.floor(txPackets / 400_000),
    };
  });
}

/** The sample `container` on `host` shows at instant `at`. */
export function sampleContainer(host: HostModel, name: string, at: Instant): ContainerSample {
  const c = containerOf(host, name);
  const nodes = subtree(host, name);
  const perCpu = new Array<number>(host.machine.numCores).fill(0);
  const memory: MemorySample = {
    ...ownMemory(c, at),
    hierarchicalPgfault: 0,
    hierarchicalPgmajfault: 0,
  };
  const sums = ['usage', 'maxUsage', 'cache', 'rss', 'swap', 'mappedFile', 'workingSet', 'failcnt'] as const;
  for (const node of nodes) {
    const elapsed = elapsedNs(node, at);
    cpuWeights(host, node).forEach(
      (w, i) => (perCpu[i] = (perCpu[i] ?? 0) + Math.floor(node.own.cpuCores * w * elapsed)),
    );
    const m = ownMemory(node, at);
    if (node !== c) for (const key of sums) memory[key] += m[key];
    memory.hierarchicalPgfault += m.pgfault;
    memory.hierarchicalPgmajfault += m.pgmajfault;
  }
  const total = perCpu.reduce((a, b) => a + b, 0);
  const userShare = 0.55 + (c.hash % 30) / 100;
  const periods = c.cpuLimitCores === undefined ? 0 : Math.floor(elapsedNs(c, at) / 100_000_000);
  const throttleShare =
    c.cpuLimitCores === undefined
      ? 0
      : Math.min(0.2, Math.max(0, c.own.cpuCores / c.cpuLimitCores - 0.3) / 5);
  const throttled = Math.floor(periods * throttleShare);
  const io = diskIo(host, nodes, at);
  const fdCount = c.processCount * 9 + (c.hash % 7);
  return {
    timestamp: goTime(at),
    at,
    cpu: {
      total,
      user: Math.floor(total * userShare),
      system: Math.floor(total * (0.95 - userShare)),
      perCpu,
      cfsPeriods: periods,
      cfsThrottledPeriods: throttled,
      cfsThrottledTime: throttled * 3_000_000,
    },
    memory,
    network: network(c, at),
    diskio: io,
    filesystem: filesystems(host, c, io, at),
    processes: { processCount: c.processCount, fdCount, socketCount: Math.floor(fdCount / 5) },
  };
}
