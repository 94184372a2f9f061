import type { Instant } from './go-time.js';

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
