/**
 * What a node can still give a new pod, so that the loads the simulator draws never add up to more than the
 * node has: a node's CPU and memory utilization stay at or below 1, as on a real node, whose kubelet would
 * not admit or keep pods beyond its capacity. A node's first pods get an equal share each; pods scheduled
 * later (churn) get what is left, possibly nothing.
 */
export interface PodBudget {
  readonly millicores: number;
  readonly memoryBytes: number;
}

export interface BudgetNode {
  readonly cores: number;
  readonly memoryBytes: number;
  readonly pods: ReadonlyMap<string, { readonly containers: readonly BudgetContainer[] }>;
}

export interface BudgetContainer {
  /** CPU load, nanocores (ns of CPU per s). */
  readonly cpu: { readonly rate: number };
  readonly memBase: number;
}

const MiB = 1024 ** 2;
/** Share of a node's capacity pods may use in all. */
const POD_SHARE = 0.9;
/** CPU of the kubelet and container runtime themselves (and misc system daemons), millicores. */
export const SYSTEM_MILLICORES = { kubelet: 40, runtime: 25, misc: 5 } as const;
export const SYSTEM_MILLICORES_TOTAL =
  SYSTEM_MILLICORES.kubelet + SYSTEM_MILLICORES.runtime + SYSTEM_MILLICORES.misc;
/** The system containers' working sets at their highest plus the node's own 300 MiB. */
const SYSTEM_MEMORY = 1536 * MiB;
/** A container's memory use at its highest, as a multiple of its memBase (working set wobble plus cache). */
export const MEMORY_PEAK_FACTOR = 1.4;

export function podBudget(node: BudgetNode, podsPerNode: number): PodBudget {
  const cpuForPods = node.cores * 1000 * POD_SHARE - SYSTEM_MILLICORES_TOTAL;
  const memoryForPods = node.memoryBytes * POD_SHARE - SYSTEM_MEMORY;
  let cpuUsed = 0;
  let memoryUsed = 0;
  for (const pod of node.pods.values())
    for (const c of pod.containers) {
      cpuUsed += c.cpu.rate / 1e6;
      memoryUsed += c.memBase * MEMORY_PEAK_FACTOR;
    }
  const share = Math.max(1, podsPerNode);
  return {
    millicores: Math.max(0, Math.min(cpuForPods / share, cpuForPods - cpuUsed)),
    memoryBytes: Math.max(0, Math.min(memoryForPods / share, memoryForPods - memoryUsed)),
  };
}

/** A container's part of its pod's budget: most of it for the main container, the rest shared by sidecars. */
export function containerBudget(pod: PodBudget, position: number, containers: number): PodBudget {
  const part = containers <= 1 ? 1 : position === 0 ? 0.8 : 0.2 / (containers - 1);
  return { millicores: pod.millicores * part, memoryBytes: pod.memoryBytes * part };
}
