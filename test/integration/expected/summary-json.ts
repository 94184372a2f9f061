import type { SummaryJson } from '../../sim/truth.js';

/**
 * The parts of a kubelet Summary API answer (stats/v1alpha1) the expectation reads, typed as the simulator
 * renders them: every stat it serves is present, so the fields are not optional here.
 */
export interface CpuJson {
  time: string;
  usageCoreNanoSeconds: number;
}
export interface MemoryJson {
  time: string;
  usageBytes: number;
  workingSetBytes: number;
  rssBytes: number;
  pageFaults: number;
  majorPageFaults: number;
}
export interface NetworkJson {
  time: string;
  rxBytes: number;
  rxErrors: number;
  txBytes: number;
  txErrors: number;
}
export interface FsJson {
  usedBytes: number;
  capacityBytes: number;
  availableBytes: number;
  inodes: number;
  inodesFree: number;
}
export interface AcceleratorJson {
  make: string;
  model: string;
  id: string;
  memoryTotal: number;
  memoryUsed: number;
  dutyCycle: number;
}
export interface ContainerJson {
  name: string;
  startTime: string;
  cpu: CpuJson;
  memory: MemoryJson;
  rootfs: FsJson;
  logs: FsJson;
  accelerators?: AcceleratorJson[];
}
export interface PodJson {
  podRef: { name: string; namespace: string; uid: string };
  startTime: string;
  containers: ContainerJson[];
  cpu: CpuJson;
  memory: MemoryJson;
  network: NetworkJson;
  volume: (FsJson & { name: string })[];
  'ephemeral-storage': FsJson;
}
export interface NodeJson {
  nodeName: string;
  startTime: string;
  systemContainers: { name: string; startTime: string; cpu: CpuJson; memory: MemoryJson }[];
  cpu: CpuJson;
  memory: MemoryJson;
  network: NetworkJson;
  fs: FsJson;
}
export interface Summary {
  node: NodeJson;
  pods: PodJson[];
}

export function asSummary(json: SummaryJson): Summary {
  return json as unknown as Summary;
}
