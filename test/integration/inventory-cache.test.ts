import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseScrapeConfig } from '../../shared/config/scrape-config.js';
import type { SummaryApiSource } from '../../shared/config/source-uri.js';
import { connect, type KubeConnection } from '../../shared/kube/connect.js';
import { DiscoveryError } from '../../shared/kube/discover.js';
import { inventoryCache, type RefreshedInventory } from '../../shared/kube/inventory-cache.js';
import type { KubeObject } from '../sim/apiserver/types.js';
import { startSim, type Sim } from '../sim/sim.js';

/**
 * The inventory a warm instance keeps: listed when cold, caught up by a watch afterwards, listed again when the
 * watch history has moved on or the watch fails. After every refresh it must hold exactly what the API server
 * holds, read here straight from the simulator's stores.
 */
const LIMITS = { timeoutMs: 5_000, maxBytes: 64 * 1024 * 1024 };
const ALL_COLD = [
  { resource: 'nodes', reason: 'cold' },
  { resource: 'pods', reason: 'cold' },
  { resource: 'namespaces', reason: 'cold' },
];

async function connectTo(sim: Sim): Promise<KubeConnection> {
  const config = parseScrapeConfig({
    SOURCES: `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false`,
    SINKS: 'log',
    STATE_STORE: 'memory',
  });
  return connect(config.sources[0] as SummaryApiSource, { env: {} });
}

/** What the API server holds, in the inventory's terms. */
function apiState(sim: Sim) {
  const objects = (store: { list(): { items: readonly { object: KubeObject }[] } }) =>
    store.list().items.map((i) => i.object);
  const pods = objects(sim.stores.pods);
  return {
    nodes: objects(sim.stores.nodes)
      .map((n) => n.metadata.name)
      .sort(),
    pods: new Map(
      pods.map((p) => {
        const statuses = ((p['status'] as { containerStatuses?: { name: string; restartCount: number }[] })
          .containerStatuses ?? []) as { name: string; restartCount: number }[];
        return [
          p.metadata.uid as string,
          {
            name: p.metadata.name,
            namespace: p.metadata.namespace,
            restarts: statuses.map((s) => `${s.name}=${s.restartCount}`).sort(),
          },
        ];
      }),
    ),
    namespaces: new Map(objects(sim.stores.namespaces).map((n) => [n.metadata.name, n.metadata.uid])),
  };
}

function cachedState(found: RefreshedInventory) {
  return {
    nodes: found.nodes.map((n) => n.name),
    pods: new Map(
      [...found.inventory.pods.values()].map((p) => [
        p.uid,
        {
          name: p.name,
          namespace: p.namespace,
          restarts: p.containers.map((c) => `${c.name}=${c.restartCount}`).sort(),
        },
      ]),
    ),
    namespaces: new Map(found.inventory.namespaces),
  };
}

describe('inventory cache', () => {
  let sim: Sim;
  let conn: KubeConnection;
  before(async () => {
    sim = await startSim({
      nodes: 3,
      podsPerNode: 4,
      containersPerPod: 2,
      kubeletHttpPort: 0,
      kubeletHttpsPort: 0,
      watchHistory: 20,
    });
    conn = await connectTo(sim);
  });
  after(async () => {
    conn?.close();
    await sim?.stop();
  });

  test('lists when cold, then catches up with added, changed and deleted objects by watch', async () => {
    const cache = inventoryCache();
    const cold = await cache.refresh(conn, LIMITS);
    assert.deepEqual(cold.listed, ALL_COLD);
    assert.deepEqual(cachedState(cold), apiState(sim));
    assert.ok(cold.nodes.length === 3 && cold.inventory.pods.size > 0);

    const node = sim.cluster.nodes.get('node-0001');
    assert.ok(node !== undefined);
    const added = sim.cluster.addPod(node, 'default');
    const [gone, restarted] = [...sim.cluster.pods.values()].filter(
      (p) => p.uid !== added.uid && p.namespace !== 'kube-system',
    );
    assert.ok(gone !== undefined && restarted !== undefined);
    sim.cluster.deletePod(gone.uid);
    sim.cluster.restartContainer(restarted.uid, (restarted.containers[0] as { name: string }).name);
    const newNode = sim.cluster.addNode();
    sim.cluster.removeNode('node-0002');
    sim.stores.namespaces.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'team-new' },
      spec: {},
      status: { phase: 'Active' },
    } as KubeObject);
    try {
      const warm = await cache.refresh(conn, LIMITS);
      assert.deepEqual(warm.listed, []);
      assert.ok(warm.changes >= 6, `${warm.changes} changes`);
      assert.deepEqual(cachedState(warm), apiState(sim));
      assert.ok(warm.inventory.pods.has(added.uid));
      assert.ok(!warm.inventory.pods.has(gone.uid));
      assert.ok(warm.nodes.some((n) => n.name === newNode.name));
      assert.ok(!warm.nodes.some((n) => n.name === 'node-0002'));
      assert.equal(warm.inventory.namespaces.has('team-new'), true);
      // The kept node names stay in the API's order (by name) whatever order the changes came in.
      assert.deepEqual(
        warm.nodes.map((n) => n.name),
        [...warm.nodes.map((n) => n.name)].sort(),
      );

      const quiet = await cache.refresh(conn, LIMITS);
      assert.deepEqual(quiet.listed, []);
      assert.equal(quiet.changes, 0);
      assert.deepEqual(cachedState(quiet), apiState(sim));
    } finally {
      sim.cluster.removeNode(newNode.name);
      sim.stores.namespaces.delete('', 'team-new');
    }
  });

  test('a resourceVersion older than the watch history: that resource is listed again', async () => {
    const cache = inventoryCache();
    await cache.refresh(conn, LIMITS);
    // More pod changes than the 20 the simulator keeps for watches.
    const node = sim.cluster.nodes.get('node-0000');
    assert.ok(node !== undefined);
    const added = Array.from({ length: 12 }, () => sim.cluster.addPod(node, 'default'));
    for (const pod of added) sim.cluster.deletePod(pod.uid);
    const found = await cache.refresh(conn, LIMITS);
    assert.deepEqual(found.listed, [{ resource: 'pods', reason: 'expired' }]);
    assert.deepEqual(cachedState(found), apiState(sim));
  });

  test('a failed watch falls back to a list; a failed list fails the refresh and the next one lists', async () => {
    const cache = inventoryCache();
    let refuseWatches = false;
    const flaky: KubeConnection = {
      ...conn,
      get: (path, limits) =>
        refuseWatches && path.includes('watch=true')
          ? Promise.resolve({ ok: false, reason: 'http-status', status: 500, message: 'HTTP 500: down' })
          : conn.get(path, limits),
    };
    await cache.refresh(flaky, LIMITS);
    refuseWatches = true;
    const node = sim.cluster.nodes.get('node-0000');
    assert.ok(node !== undefined);
    const added = sim.cluster.addPod(node, 'default');
    try {
      const relisted = await cache.refresh(flaky, LIMITS);
      assert.deepEqual(
        relisted.listed,
        ALL_COLD.map((l) => ({ ...l, reason: 'watch-failed' })),
      );
      assert.ok(relisted.inventory.pods.has(added.uid));
      assert.deepEqual(cachedState(relisted), apiState(sim));

      refuseWatches = false;
      sim.apiServer.setApiFault({ kind: 'status', code: 503 });
      try {
        await assert.rejects(cache.refresh(flaky, LIMITS), (err: unknown) => {
          assert.ok(err instanceof DiscoveryError);
          assert.match(
            err.message,
            /^listing \/api\/v1\/(nodes|pods|namespaces) failed \(http-status\): HTTP 503/,
          );
          return true;
        });
      } finally {
        sim.apiServer.setApiFault(undefined);
      }
      const recovered = await cache.refresh(flaky, LIMITS);
      assert.deepEqual(recovered.listed, ALL_COLD);
      assert.deepEqual(cachedState(recovered), apiState(sim));
    } finally {
      sim.cluster.deletePod(added.uid);
    }
  });
});
