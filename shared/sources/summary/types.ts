/**
 * The kubelet Summary API (`GET /stats/summary`, stats/v1alpha1) as JSON. Field names follow the JSON tags of
 * kubernetes' staging/src/k8s.io/kubelet/pkg/apis/stats/v1alpha1/types.go. Every field is optional here: the
 * Go types use pointers and omitempty, kubelets of different versions and runtimes fill different subsets,
 * and an absent stat must stay absent, never become zero. Times are RFC 3339 strings.
 */

export interface Summary {
  readonly node?: NodeStats;
  readonly pods?: readonly PodStats[];
}

export interface NodeStats {
  readonly nodeName?: string;
  readonly systemContainers?: readonly ContainerStats[];
  readonly startTime?: string;
  readonly cpu?: CpuStats;
  readonly memory?: MemoryStats;
  readonly network?: NetworkStats;
  readonly fs?: FsStats;
  readonly runtime?: RuntimeStats;
  readonly rlimit?: RlimitStats;
}

/** Names the kubelet gives its system containers. */
export const SYSTEM_CONTAINER_NAMES = ['kubelet', 'runtime', 'misc', 'pods'] as const;
export type SystemContainerName = (typeof SYSTEM_CONTAINER_NAMES)[number];

export interface RuntimeStats {
  readonly imageFs?: FsStats;
  readonly containerFs?: FsStats;
}

export interface RlimitStats {
  readonly time?: string;
  readonly maxpid?: number;
  readonly curproc?: number;
}

export interface PodReference {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
}

export interface PodStats {
  readonly podRef?: PodReference;
  readonly startTime?: string;
  readonly containers?: readonly ContainerStats[];
  readonly cpu?: CpuStats;
  readonly memory?: MemoryStats;
  readonly network?: NetworkStats;
  readonly volume?: readonly VolumeStats[];
  readonly 'ephemeral-storage'?: FsStats;
  readonly process_stats?: { readonly process_count?: number };
}

export interface ContainerStats {
  readonly name?: string;
  readonly startTime?: string;
  readonly cpu?: CpuStats;
  readonly memory?: MemoryStats;
  readonly accelerators?: readonly AcceleratorStats[];
  readonly rootfs?: FsStats;
  readonly logs?: FsStats;
  readonly userDefinedMetrics?: readonly unknown[];
}

export interface CpuStats {
  readonly time?: string;
  /** Often 0 or missing under containerd and CRI-O: rates are derived from usageCoreNanoSeconds instead. */
  readonly usageNanoCores?: number;
  readonly usageCoreNanoSeconds?: number;
}

export interface MemoryStats {
  readonly time?: string;
  readonly availableBytes?: number;
  readonly usageBytes?: number;
  readonly workingSetBytes?: number;
  readonly rssBytes?: number;
  readonly pageFaults?: number;
  readonly majorPageFaults?: number;
}

export interface InterfaceStats {
  readonly name?: string;
  readonly rxBytes?: number;
  readonly rxErrors?: number;
  readonly txBytes?: number;
  readonly txErrors?: number;
}

/** The default interface's counters inline, and every interface in `interfaces`. */
export interface NetworkStats extends InterfaceStats {
  readonly time?: string;
  readonly interfaces?: readonly InterfaceStats[];
}

export interface FsStats {
  readonly time?: string;
  readonly availableBytes?: number;
  readonly capacityBytes?: number;
  readonly usedBytes?: number;
  readonly inodesFree?: number;
  readonly inodes?: number;
  readonly inodesUsed?: number;
}

export interface VolumeStats extends FsStats {
  readonly name?: string;
  readonly pvcRef?: { readonly name?: string; readonly namespace?: string };
}

export interface AcceleratorStats {
  readonly make?: string;
  readonly model?: string;
  readonly id?: string;
  readonly memoryTotal?: number;
  readonly memoryUsed?: number;
  readonly dutyCycle?: number;
}
