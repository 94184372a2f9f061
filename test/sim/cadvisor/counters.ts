import { hash32 } from '../rng.js';
import { compareInstants, goTime, type Instant } from './go-time.js';
import { containerOf, subtree, type ContainerModel, type FilesystemModel, type HostModel } from './model.js';

/**
 * Every number a simulated cAdvisor serves for one container at one instant. Cumulative counters are own rate
 * times time since creation, summed over the container's subtree (so a parent's rate is the sum of its
 * children's plus its own); gauges swing around their mean with a per-container period.
 */
export interface ContainerSample {
  timestamp: string;
  at: Instant;
  cpu: CpuSample;
  memory: MemorySample;
  /** Empty when the container has no network namespace of its own. */
  network: InterfaceSample[];
  diskio: DiskIoSample[];
  filesystem: FsSample[];
  processes: { processCount: number; fdCount: number; socketCount: number };
}

export interface CpuSample {
  /** Nanoseconds: total is the sum of perCpu. */
  total: number;
  user: number;
  system: number;
  perCpu: number[];
  cfsPeriods: number;
  cfsThrottledPeriods: number;
  cfsThrottledTime: number;
}

export interface MemorySample {
  usage: number;
  maxUsage: number;
  cache: number;
  rss: number;
  swap: number;
  mappedFile: number;
  workingSet: number;
  failcnt: number;
  /** container_data: this cgroup alone. */
  pgfault: number;
  pgmajfault: number;
  /** hierarchical_data: the whole subtree. */
  hierarchicalPgfault: number;
  hierarchicalPgmajfault: number;
}

export interface InterfaceSample {
  name: string;
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDropped: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDropped: number;
}

/** The blkio maps cAdvisor serves per device: keys Async, Read, Sync, Total, Write. */
export type BlkioStats = Record<'Async' | 'Read' | 'Sync' | 'Total' | 'Write', number>;

export interface DiskIoSample {
  device: string;
  major: number;
  minor: number;
  /** io_service_bytes */
  bytes: BlkioStats;
  /** io_serviced */
  ops: BlkioStats;
}

export interface FsSample {
  device: string;
  type: string;
  capacity: number;
  usage: number;
  baseUsage: number;
  available: number;
  inodes: number;
  inodesFree: number;
  readsCompleted: number;
  readsMerged: number;
  sectorsRead: number;
  readTime: number;
  writesCompleted: number;
  writesMerged: number;
  sectorsWritten: number;
  writeTime: number;
  ioInProgress: number;
  ioTime: number;
  weightedIoTime: number;
}

function elapsedNs(c: ContainerModel, at: Instant): number {
  return Math.max(0, (at.ms - c.creationMs) * 1_000_000 + at.ns);
}

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

function ownFsUsage(c: ContainerModel, at: Instant): number {
  return c.own.fsUsageBytes + Math.floor((c.own.fsGrowthBytesPerSecond * elapsedNs(c, at)) / 1e9);
}

function deviceUsage(host: HostModel, fs: FilesystemModel, at: Instant): number {
  let used = fs.baseUsage;
  for (const c of host.containers.values()) if (c.fsDevice === fs.device) used += ownFsUsage(c, at);
  return used;
}

function diskIo(host: HostModel, nodes: ContainerModel[], at: Instant): DiskIoSample[] {
  const byDisk = new Map<string, { read: number; write: number; readOps: number; writeOps: number }>();
  for (const c of nodes) {
    const { diskReadBytesPerSecond: r, diskWriteBytesPerSecond: w } = c.own;
    if (r === 0 && w === 0) continue;
    const seconds = elapsedNs(c, at) / 1e9;
    const read = Math.floor(r * seconds);
    const write = Math.floor(w * seconds);
    const acc = byDisk.get(c.disk) ?? { read: 0, write: 0, readOps: 0, writeOps: 0 };
    acc.read += read;
    acc.write += write;
    acc.readOps += Math.floor(read / 32768);
    acc.writeOps += Math.floor(write / 16384);
    byDisk.set(c.disk, acc);
  }
  const blkio = (read: number, write: number): BlkioStats => {
    const sync = read + Math.floor(write / 4);
    return { Async: read + write - sync, Read: read, Sync: sync, Total: read + write, Write: write };
  };
  return host.machine.disks
    .filter((d) => byDisk.has(d.name))
    .map((d) => {
      const acc = byDisk.get(d.name) as { read: number; write: number; readOps: number; writeOps: number };
      return {
        device: `/dev/${d.name}`,
        major: d.major,
        minor: d.minor,
        bytes: blkio(acc.read, acc.write),
        ops: blkio(acc.readOps, acc.writeOps),
      };
    });
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

const EMPTY_FS_IO = {
  readsCompleted: 0,
  readsMerged: 0,
  sectorsRead: 0,
  readTime: 0,
  writesCompleted: 0,
  writesMerged: 0,
  sectorsWritten: 0,
  writeTime: 0,
  ioInProgress: 0,
  ioTime: 0,
  weightedIoTime: 0,
};

function filesystems(host: HostModel, c: ContainerModel, io: DiskIoSample[], at: Instant): FsSample[] {
  const inodesUsed = (bytes: number): number => Math.floor(bytes / 32768);
  const free = (fs: FilesystemModel, used: number): { available: number; inodesFree: number } => ({
    available: Math.max(0, fs.capacity - used - Math.floor(fs.capacity * 0.05)),
    inodesFree: fs.inodes - 40_000 - inodesUsed(used),
  });
  if (c.kind === 'root') {
    return host.machine.filesystems.map((fs) => {
      const used = deviceUsage(host, fs, at);
      const disk = io.find((d) => d.device === `/dev/${fs.disk}`);
      const reads = disk?.ops.Read ?? 0;
      const writes = disk?.ops.Write ?? 0;
      return {
        device: fs.device,
        type: 'vfs',
        capacity: fs.capacity,
        usage: used,
        baseUsage: 0,
        ...free(fs, used),
        inodes: fs.inodes,
        readsCompleted: reads,
        readsMerged: Math.floor(reads / 10),
        sectorsRead: Math.floor((disk?.bytes.Read ?? 0) / 512),
        readTime: Math.floor(reads * 0.8),
        writesCompleted: writes,
        writesMerged: Math.floor(writes / 3),
        sectorsWritten: Math.floor((disk?.bytes.Write ?? 0) / 512),
        writeTime: Math.floor(writes * 1.5),
        ioInProgress: 0,
        ioTime: Math.floor((reads + writes) / 2),
        weightedIoTime: Math.floor((reads + writes) * 0.75),
      };
    });
  }
  const fs = host.machine.filesystems.find((f) => f.device === c.fsDevice);
  if (fs === undefined) return [];
  const usage = ownFsUsage(c, at);
  const device = free(fs, deviceUsage(host, fs, at));
  return [
    {
      device: fs.device,
      type: 'vfs',
      capacity: fs.capacity,
      usage,
      baseUsage: Math.floor(usage * 0.8),
      available: device.available,
      inodes: inodesUsed(usage) + 20,
      inodesFree: device.inodesFree,
      ...EMPTY_FS_IO,
    },
  ];
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

function tick(host: HostModel, c: ContainerModel, k: number): Instant {
  const interval = host.housekeepingIntervalMs;
  const jitter = hash32(`${c.hash}:${k}`) % Math.max(1, Math.floor(interval / 20));
  return { ms: k * interval + c.phase.ms + jitter, ns: c.phase.ns };
}

/**
 * The instants of the samples cAdvisor holds for `name` at simulated time `nowMs`, oldest first: one per
 * housekeeping tick (with a little deterministic jitter), no earlier than the container's creation and at most
 * `historySamples` of them.
 */
export function sampleInstants(host: HostModel, name: string, nowMs: number): Instant[] {
  const c = containerOf(host, name);
  const interval = host.housekeepingIntervalMs;
  const now: Instant = { ms: nowMs, ns: 0 };
  let last = Math.floor((nowMs - c.phase.ms) / interval);
  while (compareInstants(tick(host, c, last), now) > 0) last--;
  const created: Instant = { ms: c.creationMs, ns: 0 };
  let first = Math.ceil((c.creationMs - c.phase.ms) / interval);
  while (compareInstants(tick(host, c, first - 1), created) >= 0) first--;
  while (compareInstants(tick(host, c, first), created) < 0) first++;
  first = Math.max(first, last - host.historySamples + 1);
  const out: Instant[] = [];
  for (let k = first; k <= last; k++) out.push(tick(host, c, k));
  return out;
}
