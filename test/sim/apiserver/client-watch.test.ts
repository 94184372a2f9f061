import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { startApiServer } from './server.js';
import type { ApiServer } from './server.js';
import { kubeConfigFor, recordWatch } from './test-client.js';
import { makeNode, makePod } from './test-objects.js';

describe('apiserver watches through @kubernetes/client-node', () => {
  let server: ApiServer;
  const historyLimit = 5;

  before(async () => {
    server = await startApiServer({ token: 'watch-token', historyLimit, bookmarkIntervalMs: 50 });
    server.stores.nodes.create(makeNode('node-1'));
    server.stores.nodes.create(makeNode('node-2'));
    server.stores.pods.create(makePod('default', 'web-0', { nodeName: 'node-1' }));
  });
  after(() => server.stop());

  test('a watch from the list resourceVersion sees ADDED, MODIFIED, DELETED in order', async () => {
    const kc = kubeConfigFor(server);
    const list = await kc.makeApiClient(CoreV1Api).listPodForAllNamespaces();
    const listRv = Number(list.metadata?.resourceVersion);
    const watch = await recordWatch(kc, '/api/v1/pods', { resourceVersion: listRv, timeoutSeconds: 10 });
    const { pods } = server.stores;
    pods.create(makePod('default', 'web-1', { nodeName: 'node-2' }));
    pods.update(makePod('default', 'web-1', { nodeName: 'node-2', phase: 'Succeeded' }));
    pods.delete('default', 'web-1');
    const events = await watch.waitFor(3);
    watch.abort();
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata?.name, e.object.metadata?.resourceVersion]),
      [
        ['ADDED', 'web-1', String(listRv + 1)],
        ['MODIFIED', 'web-1', String(listRv + 2)],
        ['DELETED', 'web-1', String(listRv + 3)],
      ],
    );
    assert.equal((events[1]!.object.status as { phase?: string }).phase, 'Succeeded');
    assert.equal(events[0]!.object.kind, 'Pod');
  });

  test('with a fieldSelector, objects moving in and out arrive as ADDED and DELETED', async () => {
    const kc = kubeConfigFor(server);
    const watch = await recordWatch(kc, '/api/v1/pods', {
      fieldSelector: 'spec.nodeName=node-2',
      timeoutSeconds: 10,
    });
    const { pods } = server.stores;
    pods.create(makePod('default', 'mover', { nodeName: 'node-1' })); // not on node-2: unseen
    pods.update(makePod('default', 'mover', { nodeName: 'node-2' }));
    pods.update(makePod('default', 'mover', { nodeName: 'node-2', podIP: '10.244.1.7' }));
    const movedOut = pods.update(makePod('default', 'mover', { nodeName: 'node-1' }));
    const events = await watch.waitFor(3);
    watch.abort();
    assert.deepEqual(
      events.map((e) => e.type),
      ['ADDED', 'MODIFIED', 'DELETED'],
    );
    // The DELETED event carries the last state that matched, at the resourceVersion of the change.
    assert.equal((events[2]!.object.spec as { nodeName?: string }).nodeName, 'node-2');
    assert.equal(events[2]!.object.metadata?.resourceVersion, movedOut.metadata.resourceVersion);
    pods.delete('default', 'mover');
  });

  test('a watch from "0" starts with ADDED for the current objects', async () => {
    const watch = await recordWatch(kubeConfigFor(server), '/api/v1/nodes', {
      resourceVersion: '0',
      timeoutSeconds: 10,
    });
    const events = await watch.waitFor(2);
    watch.abort();
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata?.name]),
      [
        ['ADDED', 'node-1'],
        ['ADDED', 'node-2'],
      ],
    );
  });

  test('BOOKMARK events arrive when allowed, carrying the current resourceVersion', async () => {
    const watch = await recordWatch(kubeConfigFor(server), '/api/v1/namespaces/default/pods', {
      resourceVersion: server.stores.pods.currentResourceVersion(),
      allowWatchBookmarks: true,
      timeoutSeconds: 10,
    });
    const [bookmark] = await watch.waitFor(1);
    watch.abort();
    assert.equal(bookmark!.type, 'BOOKMARK');
    assert.deepEqual(bookmark!.object, {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { resourceVersion: String(server.stores.pods.currentResourceVersion()) },
    });
  });

  test('a watch from a resourceVersion older than the history gets an in-stream 410 Expired', async () => {
    const start = server.stores.pods.currentResourceVersion();
    for (let i = 0; i < historyLimit * 2; i++) {
      server.stores.pods.put(makePod('default', 'churn', { nodeName: 'node-1', podIP: `10.244.0.${i}` }));
    }
    // With 5 changes kept, the oldest kept one is start+6: a watch can start from start+5 at the earliest.
    const watch = await recordWatch(kubeConfigFor(server), '/api/v1/pods', {
      resourceVersion: start,
      timeoutSeconds: 10,
    });
    const [error] = await watch.waitFor(1);
    assert.equal(await watch.done, null);
    assert.equal(error!.type, 'ERROR');
    assert.deepEqual(error!.object, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `too old resource version: ${start} (${start + historyLimit})`,
      reason: 'Expired',
      code: 410,
    });
    const stillValid = await recordWatch(kubeConfigFor(server), '/api/v1/pods', {
      resourceVersion: start + historyLimit,
      timeoutSeconds: 10,
    });
    const replayed = await stillValid.waitFor(historyLimit);
    stillValid.abort();
    assert.deepEqual(
      replayed.map((e) => e.object.metadata?.resourceVersion),
      Array.from({ length: historyLimit }, (_, i) => String(start + historyLimit + 1 + i)),
    );
    server.stores.pods.delete('default', 'churn');
  });

  test('timeoutSeconds ends the stream from the server side', async () => {
    const began = Date.now();
    const watch = await recordWatch(kubeConfigFor(server), '/api/v1/nodes', {
      resourceVersion: server.stores.pods.currentResourceVersion(),
      timeoutSeconds: 1,
    });
    assert.equal(await watch.done, null);
    const elapsed = Date.now() - began;
    assert.ok(elapsed >= 900 && elapsed < 3000, `stream lasted ${elapsed} ms`);
    assert.equal(server.openWatches, 0);
  });
});
