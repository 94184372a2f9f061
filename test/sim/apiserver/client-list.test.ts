import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { createClock } from '../clock.js';
import { startApiServer } from './server.js';
import type { ApiServer } from './server.js';
import { kubeConfigFor, statusOf } from './test-client.js';
import { makeNode, makePod } from './test-objects.js';

const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. ' +
  'You can start a new list without the continue parameter.';

describe('apiserver lists through @kubernetes/client-node', () => {
  const clock = createClock();
  let server: ApiServer;
  let core: CoreV1Api;
  // alpha/pod-00..12 and beta/pod-00..11, spread over three nodes; tier labels cycle a, b, c.
  const expected: { namespace: string; name: string; node: string; tier: string }[] = [];
  for (const [namespace, count] of [
    ['alpha', 13],
    ['beta', 12],
  ] as const) {
    for (let i = 0; i < count; i++) {
      const name = `pod-${String(i).padStart(2, '0')}`;
      expected.push({ namespace, name, node: `node-${i % 3}`, tier: ['a', 'b', 'c'][i % 3]! });
    }
  }

  before(async () => {
    server = await startApiServer({ token: 'list-token', now: clock.now, continueTtlMs: 60_000 });
    for (let i = 0; i < 3; i++) server.stores.nodes.create(makeNode(`node-${i}`));
    // Insert in reverse so the served order cannot come from insertion order.
    for (const p of [...expected].reverse()) {
      server.stores.pods.create(
        makePod(p.namespace, p.name, { nodeName: p.node, labels: { app: 'web', tier: p.tier } }),
      );
    }
    core = kubeConfigFor(server).makeApiClient(CoreV1Api);
  });
  after(() => server.stop());

  test('pages through limit/continue with remainingItemCount, consistent with the first page', async () => {
    const first = await core.listPodForAllNamespaces({ limit: 10 });
    assert.deepEqual(
      first.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`),
      expected.slice(0, 10).map((p) => `${p.namespace}/${p.name}`),
    );
    assert.equal(first.metadata?.remainingItemCount, 15);
    assert.ok(first.metadata?._continue);
    const listRv = first.metadata?.resourceVersion;
    assert.equal(listRv, String(server.stores.pods.currentResourceVersion()));

    // Changes after the first page do not show in the later pages.
    server.stores.pods.create(makePod('alpha', 'pod-99', { nodeName: 'node-0' }));
    server.stores.pods.delete('beta', 'pod-11');

    const second = await core.listPodForAllNamespaces({ limit: 10, _continue: first.metadata?._continue });
    assert.deepEqual(
      second.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`),
      expected.slice(10, 20).map((p) => `${p.namespace}/${p.name}`),
    );
    assert.equal(second.metadata?.remainingItemCount, 5);
    assert.equal(second.metadata?.resourceVersion, listRv);
    const third = await core.listPodForAllNamespaces({ limit: 10, _continue: second.metadata?._continue });
    assert.deepEqual(
      third.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`),
      expected.slice(20).map((p) => `${p.namespace}/${p.name}`),
    );
    assert.equal(third.metadata?._continue, undefined);
    assert.equal(third.metadata?.remainingItemCount, undefined);

    server.stores.pods.delete('alpha', 'pod-99');
    server.stores.pods.create(
      makePod('beta', 'pod-11', { nodeName: 'node-2', labels: { app: 'web', tier: 'c' } }),
    );
  });

  test('with a selector remainingItemCount is left out; resourceVersion=0 ignores limit', async () => {
    const selected = await core.listPodForAllNamespaces({ limit: 5, labelSelector: 'app=web' });
    assert.equal(selected.items.length, 5);
    assert.ok(selected.metadata?._continue);
    assert.equal(selected.metadata?.remainingItemCount, undefined);
    const fromCache = await core.listPodForAllNamespaces({ limit: 5, resourceVersion: '0' });
    assert.equal(fromCache.items.length, expected.length);
    assert.equal(fromCache.metadata?._continue, undefined);
  });

  test('a continue token older than its lifetime answers 410 Expired', async () => {
    const first = await core.listNode({ limit: 1 });
    assert.equal(first.items.length, 1);
    clock.advance(61_000);
    const err = await core.listNode({ limit: 1, _continue: first.metadata?._continue }).then(
      () => assert.fail('expected 410'),
      (e: unknown) => e,
    );
    assert.equal((err as { code?: number }).code, 410);
    assert.deepEqual(
      { ...statusOf(err) },
      {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: EXPIRED_CONTINUE,
        reason: 'Expired',
        code: 410,
      },
    );
  });

  test('fieldSelector spec.nodeName and metadata.name, namespaced lists', async () => {
    const onNode1 = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-1' });
    assert.deepEqual(
      onNode1.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`),
      expected.filter((p) => p.node === 'node-1').map((p) => `${p.namespace}/${p.name}`),
    );
    const named = await core.listNamespacedPod({ namespace: 'beta', fieldSelector: 'metadata.name=pod-04' });
    assert.deepEqual(
      named.items.map((p) => p.spec?.nodeName),
      [expected.find((p) => p.namespace === 'beta' && p.name === 'pod-04')!.node],
    );
    const notOnNode0 = await core.listNamespacedPod({
      namespace: 'alpha',
      fieldSelector: 'spec.nodeName!=node-0',
    });
    assert.equal(
      notOnNode0.items.length,
      expected.filter((p) => p.namespace === 'alpha' && p.node !== 'node-0').length,
    );
    const node = await core.listNode({ fieldSelector: 'metadata.name=node-2' });
    assert.deepEqual(
      node.items.map((n) => n.metadata?.name),
      ['node-2'],
    );
  });

  test('labelSelector with equality and set-based requirements', async () => {
    const tierAB = await core.listPodForAllNamespaces({ labelSelector: 'app=web,tier in (a, b)' });
    assert.deepEqual(
      tierAB.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`),
      expected.filter((p) => p.tier !== 'c').map((p) => `${p.namespace}/${p.name}`),
    );
    const none = await core.listPodForAllNamespaces({ labelSelector: '!app' });
    assert.equal(none.items.length, 0);
  });

  test('bad selectors answer 400 BadRequest like the real server', async () => {
    const unsupported = await core.listPodForAllNamespaces({ fieldSelector: 'spec.host=node-1' }).then(
      () => assert.fail('expected 400'),
      (e: unknown) => e,
    );
    assert.equal((unsupported as { code?: number }).code, 400);
    assert.equal(statusOf(unsupported).reason, 'BadRequest');
    assert.equal(statusOf(unsupported).message, 'field label not supported: spec.host');
    const malformed = await core.listPodForAllNamespaces({ labelSelector: 'tier in a' }).then(
      () => assert.fail('expected 400'),
      (e: unknown) => e,
    );
    assert.equal((malformed as { code?: number }).code, 400);
    assert.equal(statusOf(malformed).reason, 'BadRequest');
  });

  test('get of a single object and 404 for an unknown one', async () => {
    const pod = await core.readNamespacedPod({ namespace: 'alpha', name: 'pod-03' });
    assert.equal(pod.kind, 'Pod');
    assert.equal(pod.apiVersion, 'v1');
    assert.equal(pod.spec?.nodeName, 'node-0');
    const err = await core.readNamespacedPod({ namespace: 'alpha', name: 'nope' }).then(
      () => assert.fail('expected 404'),
      (e: unknown) => e,
    );
    assert.equal((err as { code?: number }).code, 404);
    assert.equal(statusOf(err).message, 'pods "nope" not found');
    assert.equal(statusOf(err).reason, 'NotFound');
  });
});
