import type { KubeConnection, RequestLimits } from '../../kube/connect.js';
import {
  DiscoveryError,
  listPages,
  toNamespace,
  toNode,
  toPod,
  type NodeTarget,
} from '../../kube/discover.js';
import type { InventoryCache, RefreshedInventory } from '../../kube/inventory-cache.js';
import type { NodeInfo, PodInfo } from '../../metrics/inventory.js';
import { mapLimit } from '../../runtime/limit.js';

/**
 * The inventory of one shard: its own nodes, their pods and the namespaces, and nothing of the rest of the
 * cluster. Each node is read by name and its pods with the kubelet's own query (fieldSelector
 * spec.nodeName=NODE, which the API server answers from its watch cache), so a shard never lists the pods of
 * the whole cluster. Shaped as an InventoryCache that is always cold, so a shard runs the same round as an
 * unsharded scrape: its refresh is the round's discovery.
 */
export function shardInventory(
  nodeNames: readonly string[],
  concurrency: number,
  pageSize = 500,
): InventoryCache {
  return {
    knownNodes: () => undefined,
    refresh: async (conn, limits) => {
      const nodes = new Map<string, NodeInfo>();
      const targets: NodeTarget[] = [];
      const pods = new Map<string, PodInfo>();
      const namespaces = new Map<string, string>();
      // Settled from the start: a failed namespace list while nodes are still read must not be unhandled.
      const listed = Promise.allSettled([
        (async () => {
          for await (const page of listPages(conn, '/api/v1/namespaces', pageSize, limits))
            for (const item of page.items) {
              const ns = toNamespace(item);
              if (ns !== undefined) namespaces.set(ns.name, ns.uid);
            }
        })(),
      ]);
      const settled = await mapLimit(nodeNames, concurrency, async (name) => {
        const node = await readNode(conn, name, limits);
        // Deleted since the coordinator listed it: nothing to scrape.
        if (node === undefined) return;
        const { info, target } = toNode(node);
        nodes.set(info.name, info);
        targets.push(target);
        const query = new URLSearchParams({ fieldSelector: `spec.nodeName=${name}` });
        for await (const page of listPages(conn, '/api/v1/pods', pageSize, limits, query))
          for (const item of page.items) {
            const pod = toPod(item);
            if (pod !== undefined) pods.set(pod.uid, pod);
          }
      });
      for (const s of [...settled, ...(await listed)]) if (s.status === 'rejected') throw s.reason;
      targets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const refreshed: RefreshedInventory = {
        inventory: { nodes, pods, namespaces },
        nodes: targets,
        listed: [
          { resource: 'nodes', reason: 'cold' },
          { resource: 'pods', reason: 'cold' },
          { resource: 'namespaces', reason: 'cold' },
        ],
        changes: 0,
      };
      return refreshed;
    },
  };
}

async function readNode(
  conn: KubeConnection,
  name: string,
  limits: RequestLimits,
): Promise<Record<string, unknown> | undefined> {
  const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
  const outcome = await conn.get(path, limits);
  if (!outcome.ok) {
    if (outcome.status === 404) return undefined;
    throw new DiscoveryError(path, outcome);
  }
  try {
    return JSON.parse(outcome.text) as Record<string, unknown>;
  } catch (err) {
    throw new DiscoveryError(path, {
      ok: false,
      reason: 'connection',
      message: `bad JSON: ${(err as Error).message}`,
    });
  }
}
