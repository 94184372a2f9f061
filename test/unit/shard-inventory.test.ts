import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeConnection } from '../../shared/kube/connect.js';
import { textOutcome, type FetchOutcome } from '../../shared/runtime/http-get.js';
import { shardInventory } from '../../shared/scrape/shard/shard-inventory.js';
import { answeringConnection } from '../support/answering-connection.js';

const json = (value: unknown): FetchOutcome => textOutcome(JSON.stringify(value));

const node = (name: string) => ({
  metadata: { name, uid: `uid-${name}`, labels: {} },
  status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], capacity: {}, allocatable: {} },
});

/** A connection whose namespace list fails at once while node reads take a while. */
function connection(namespaces: () => FetchOutcome): KubeConnection {
  return answeringConnection(async (path) => {
    if (path.startsWith('/api/v1/namespaces')) return namespaces();
    await new Promise((r) => setTimeout(r, 50));
    if (path.startsWith('/api/v1/nodes/')) return json(node(decodeURIComponent(path.split('/')[4] ?? '')));
    return json({ metadata: {}, items: [] });
  });
}

const limits = { timeoutMs: 1000, maxBytes: 1 << 20 };

test('a namespace list that fails while nodes are read fails the refresh, never the process', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    const conn = connection(() => ({ ok: false, reason: 'http-status', status: 503, message: 'HTTP 503' }));
    await assert.rejects(shardInventory(['node-a', 'node-b'], 1).refresh(conn, limits), /namespaces/);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test("a shard's inventory holds only its own nodes, in name order", async () => {
  const conn = connection(() =>
    json({ metadata: {}, items: [{ metadata: { name: 'default', uid: 'ns-1' } }] }),
  );
  const refreshed = await shardInventory(['node-b', 'node-a'], 2).refresh(conn, limits);
  assert.deepEqual(
    refreshed.nodes.map((n) => n.name),
    ['node-a', 'node-b'],
  );
  assert.equal(refreshed.inventory.namespaces.get('default'), 'ns-1');
});
