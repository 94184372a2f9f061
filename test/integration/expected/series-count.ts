import type { Cluster } from '../../sim/cluster.js';

/**
 * How many points of each `type` a round must write, counted from the Cluster model alone (nodes, pods,
 * containers, volumes, accelerators), for a cluster whose kubelets serve every stat. `withRates` is a round
 * that follows a complete one with no restarts in between.
 */
export function expectedPointsPerType(cluster: Cluster, withRates: boolean): Record<string, number> {
  // uptime, cpu/usage, and memory usage, working_set, rss, cache, page_faults, major_page_faults
  const stats = 8;
  // cpu/usage_rate, memory/page_faults_rate, memory/major_page_faults_rate
  const statRates = withRates ? 3 : 0;
  // rx, rx_errors, tx, tx_errors, and as many rates
  const network = withRates ? 8 : 4;
  // usage, limit, available, inodes, inodes_free
  const fs = 5;
  // cpu, memory, ephemeral_storage: request and limit
  const requests = 6;

  let node = 0;
  let sys = 0;
  let pod = 0;
  let container = 0;
  const namespaces = new Set<string>();
  for (const n of cluster.nodes.values()) {
    // + ephemeral usage; capacity, allocatable and reservation of 3 resources; utilization of memory and
    // ephemeral storage, and of cpu once it has a rate
    node += stats + statRates + network + fs + 1 + requests + 9 + 2 + (withRates ? 1 : 0);
    sys += n.systemContainers.length * (stats + statRates);
    for (const p of n.pods.values()) {
      namespaces.add(p.namespace);
      // + ephemeral usage, restart_count
      pod += stats + statRates + network + 1 + requests + 1 + fs * p.volumes.length;
      for (const c of p.containers) {
        // + two filesystems (rootfs, logs), ephemeral usage, restart_count, 3 per accelerator
        container += stats + statRates + 2 * fs + 1 + requests + 1 + (c.accelerator === undefined ? 0 : 3);
      }
    }
  }
  // cpu/request, cpu/limit, memory/request, memory/limit, memory/usage, and cpu/usage_rate with rates
  const aggregate = withRates ? 6 : 5;
  return {
    node,
    sys_container: sys,
    pod,
    pod_container: container,
    ns: namespaces.size * aggregate,
    cluster: aggregate,
  };
}
