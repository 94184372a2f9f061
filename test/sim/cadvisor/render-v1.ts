import { sampleContainer } from './counters.js';
import type { ContainerSample, DiskIoSample, InterfaceSample } from './sample-types.js';
import { goTime, type Instant } from './go-time.js';
import { CGROUP_UNLIMITED, MISSING_FIELDS, omitPaths, type JsonObject } from './json.js';
import { containerOf, type ContainerModel, type HostModel } from './model.js';

/*
 * JSON as cAdvisor's info/v1 types marshal it: struct fields in declaration order, nested structs always present
 * (encoding/json ignores omitempty on structs), empty slices and maps left out where the tag says omitempty, map
 * keys sorted. The field set is that of the releases Heapster scraped: none of the later additions (tcp_advanced,
 * numa_stats, cpuset, resctrl, perf events).
 */

const tcpStat = (): JsonObject => ({
  Established: 0,
  SynSent: 0,
  SynRecv: 0,
  FinWait1: 0,
  FinWait2: 0,
  TimeWait: 0,
  Close: 0,
  CloseWait: 0,
  LastAck: 0,
  Listen: 0,
  Closing: 0,
});
const udpStat = (): JsonObject => ({ Listen: 0, Dropped: 0, RxQueued: 0, TxQueued: 0 });

export function interfaceStats(i: InterfaceSample): JsonObject {
  return {
    name: i.name,
    rx_bytes: i.rxBytes,
    rx_packets: i.rxPackets,
    rx_errors: i.rxErrors,
    rx_dropped: i.rxDropped,
    tx_bytes: i.txBytes,
    tx_packets: i.txPackets,
    tx_errors: i.txErrors,
    tx_dropped: i.txDropped,
  };
}

const NO_INTERFACE: InterfaceSample = {
  name: '',
  rxBytes: 0,
  rxPackets: 0,
  rxErrors: 0,
  rxDropped: 0,
  txBytes: 0,
  txPackets: 0,
  txErrors: 0,
  txDropped: 0,
};

/** v1 NetworkStats: the first interface inlined at the top (older clients read only that), then all of them. */
function networkV1(network: InterfaceSample[]): JsonObject {
  return {
    ...interfaceStats(network[0] ?? NO_INTERFACE),
    ...(network.length > 0 ? { interfaces: network.map(interfaceStats) } : {}),
    tcp: tcpStat(),
    tcp6: tcpStat(),
    udp: udpStat(),
    udp6: udpStat(),
  };
}

export function networkV2(network: InterfaceSample[]): JsonObject {
  return {
    ...(network.length > 0 ? { interfaces: network.map(interfaceStats) } : {}),
    tcp: tcpStat(),
    tcp6: tcpStat(),
    udp: udpStat(),
    udp6: udpStat(),
  };
}

const perDisk = (d: DiskIoSample, stats: DiskIoSample['bytes']): JsonObject => ({
  device: d.device,
  major: d.major,
  minor: d.minor,
  stats: { ...stats },
});

export function cpuStats(s: ContainerSample): JsonObject {
  return {
    usage: { total: s.cpu.total, per_cpu_usage: s.cpu.perCpu, user: s.cpu.user, system: s.cpu.system },
    cfs: {
      periods: s.cpu.cfsPeriods,
      throttled_periods: s.cpu.cfsThrottledPeriods,
      throttled_time: s.cpu.cfsThrottledTime,
    },
    schedstat: { run_time: 0, runqueue_time: 0, run_periods: 0 },
    load_average: 0,
  };
}

export function diskIoStats(s: ContainerSample): JsonObject {
  if (s.diskio.length === 0) return {};
  return {
    io_service_bytes: s.diskio.map((d) => perDisk(d, d.bytes)),
    io_serviced: s.diskio.map((d) => perDisk(d, d.ops)),
  };
}

export function memoryStats(s: ContainerSample): JsonObject {
  const m = s.memory;
  return {
    usage: m.usage,
    max_usage: m.maxUsage,
    cache: m.cache,
    rss: m.rss,
    swap: m.swap,
    mapped_file: m.mappedFile,
    working_set: m.workingSet,
    failcnt: m.failcnt,
    container_data: { pgfault: m.pgfault, pgmajfault: m.pgmajfault },
    hierarchical_data: { pgfault: m.hierarchicalPgfault, pgmajfault: m.hierarchicalPgmajfault },
  };
}

export function fsStats(s: ContainerSample): JsonObject[] {
  return s.filesystem.map((f) => ({
    device: f.device,
    type: f.type,
    capacity: f.capacity,
    usage: f.usage,
    base_usage: f.baseUsage,
    available: f.available,
    has_inodes: true,
    inodes: f.inodes,
    inodes_free: f.inodesFree,
    reads_completed: f.readsCompleted,
    reads_merged: f.readsMerged,
    sectors_read: f.sectorsRead,
    read_time: f.readTime,
    writes_completed: f.writesCompleted,
    writes_merged: f.writesMerged,
    sectors_written: f.sectorsWritten,
    write_time: f.writeTime,
    io_in_progress: f.ioInProgress,
    io_time: f.ioTime,
    weighted_io_time: f.weightedIoTime,
  }));
}

export const loadStats = (): JsonObject => ({
  nr_sleeping: 0,
  nr_running: 0,
  nr_stopped: 0,
  nr_uninterruptible: 0,
  nr_io_wait: 0,
});

export function processStats(s: ContainerSample): JsonObject {
  return {
    process_count: s.processes.processCount,
    fd_count: s.processes.fdCount,
    socket_count: s.processes.socketCount,
  };
}

/** v1 ContainerStats. */
export function statsV1(s: ContainerSample, missing: boolean): JsonObject {
  const filesystem = fsStats(s);
  const stats: JsonObject = {
    timestamp: s.timestamp,
    cpu: cpuStats(s),
    diskio: diskIoStats(s),
    memory: memoryStats(s),
    network: networkV1(s.network),
    ...(filesystem.length > 0 ? { filesystem } : {}),
    task_stats: loadStats(),
    processes: processStats(s),
  };
  return missing ? omitPaths(stats, MISSING_FIELDS.stats) : stats;
}

/** Flags and limits both spec versions share. */
export function specFacts(host: HostModel, c: ContainerModel) {
  const unlimitedOr = (bytes: number | undefined): number | bigint => bytes ?? CGROUP_UNLIMITED;
  return {
    creationTime: goTime({ ms: c.creationMs, ns: 0 }),
    labels: Object.keys(c.labels).length > 0 ? { labels: c.labels } : {},
    cpu: {
      limit: c.cpuShares,
      max_limit: 0,
      mask: `0-${host.machine.numCores - 1}`,
      ...(c.cpuLimitCores !== undefined
        ? { quota: Math.round(c.cpuLimitCores * 100_000), period: 100_000 }
        : {}),
    },
    memory: {
      limit: unlimitedOr(c.memoryLimitBytes),
      reservation: CGROUP_UNLIMITED,
      swap_limit: unlimitedOr(c.memoryLimitBytes),
    },
    hasNetwork: c.netns !== undefined,
    hasFilesystem: c.kind === 'root' || c.fsDevice !== undefined,
    image: c.image !== undefined ? { image: c.image } : {},
  };
}

/** v1 ContainerSpec. */
export function specV1(host: HostModel, c: ContainerModel): JsonObject {
  const f = specFacts(host, c);
  return {
    creation_time: f.creationTime,
    ...f.labels,
    has_cpu: true,
    cpu: f.cpu,
    has_memory: true,
    memory: f.memory,
    has_hugetlb: false,
    has_network: f.hasNetwork,
    has_processes: true,
    processes: {},
    has_filesystem: f.hasFilesystem,
    has_diskio: true,
    has_custom_metrics: false,
    ...f.image,
  };
}

export function containerReference(c: ContainerModel): JsonObject {
  return {
    ...(c.id !== undefined ? { id: c.id } : {}),
    name: c.name,
    ...(c.aliases.length > 0 ? { aliases: c.aliases } : {}),
    ...(c.namespace !== undefined ? { namespace: c.namespace } : {}),
  };
}

/** v1 ContainerInfo with the samples taken at `instants`. */
export function containerInfoV1(
  host: HostModel,
  name: string,
  instants: Instant[],
  missing: boolean,
): JsonObject {
  const c = containerOf(host, name);
  return {
    ...containerReference(c),
    ...(c.children.length > 0 ? { subcontainers: c.children.map((child) => ({ name: child })) } : {}),
    spec: specV1(host, c),
    ...(instants.length > 0
      ? { stats: instants.map((at) => statsV1(sampleContainer(host, name, at), missing)) }
      : {}),
  };
}
