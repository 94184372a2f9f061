/**
 * What the Kubernetes API says about the cluster, as plain inputs for enrich: filled by discovery (nodes,
 * pods, namespaces), read by the pure stages. Quantities stay as the API writes them ("100m", "128Mi").
 */
export interface ClusterInventory {
  /** By node name. */
  readonly nodes: ReadonlyMap<string, NodeInfo>;
  /** By pod UID (the Summary API's podRef.uid). */
  readonly pods: ReadonlyMap<string, PodInfo>;
  /** Namespace name -> namespace UID. */
  readonly namespaces: ReadonlyMap<string, string>;
}

/** Resource name ("cpu", "memory", "ephemeral-storage", "nvidia.com/gpu") -> quantity. */
export type ResourceList = Readonly<Record<string, string | number>>;

export interface NodeInfo {
  readonly name: string;
  /** The node's Hostname address; the node name when absent, as Heapster did. */
  readonly hostname?: string;
  /** spec.providerID (or Heapster's host-id annotation). */
  readonly hostId?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly capacity?: ResourceList;
  readonly allocatable?: ResourceList;
}

export interface PodInfo {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  readonly nodeName?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** spec.containers (not init containers), with their status where known. */
  readonly containers: readonly ContainerInfo[];
}

export interface ContainerInfo {
  readonly name: string;
  readonly image?: string;
  readonly requests?: ResourceList;
  readonly limits?: ResourceList;
  /** status.containerStatuses[].restartCount */
  readonly restartCount?: number;
}

export const EMPTY_INVENTORY: ClusterInventory = {
  nodes: new Map(),
  pods: new Map(),
  namespaces: new Map(),
};
