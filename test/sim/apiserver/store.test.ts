import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createListPager, EXPIRED_CONTINUE_MESSAGE } from './paging.js';
import { createClusterStores } from './resources.js';
import { createResourceStore, createVersioner, StoreError } from './store.js';
import type { StoreEvent } from './store.js';
import type { KubeObject } from './types.js';

const pod = (namespace: string, name: string, nodeName: string): KubeObject => ({
  metadata: { name, namespace, labels: { app: name.split('-')[0]! } },
  spec: { nodeName },
});

describe('resource store', () => {
  test('pods by spec.nodeName from the index: the same items, in the same order, as scanning every pod', () => {
    const stores = createClusterStores();
    const names = (items: readonly { key: string }[]): string[] => items.map((i) => i.key);
    for (let i = 0; i < 40; i++)
      stores.pods.create(pod(i % 3 === 0 ? 'shop' : 'default', `web-${i}`, `n${i % 4}`));
    stores.pods.update(pod('default', 'web-1', 'n2'));
    stores.pods.delete('default', 'web-2');
    for (const node of ['n0', 'n1', 'n2', 'n3', 'n9'])
      for (const namespace of [undefined, 'shop']) {
        const onNode = (o: KubeObject): boolean => (o.spec as { nodeName: string }).nodeName === node;
        const scanned = stores.pods.list(namespace, onNode);
        const indexed = stores.pods.list(namespace, onNode, { field: 'spec.nodeName', value: node });
        assert.deepEqual(names(indexed.items), names(scanned.items), `${node} ${namespace ?? '(all)'}`);
      }
    assert.ok(
      names(stores.pods.list(undefined, undefined, { field: 'spec.nodeName', value: 'n2' }).items).includes(
        'default/web-1',
      ),
    );
    assert.ok(
      !names(stores.pods.list(undefined, undefined, { field: 'spec.nodeName', value: 'n1' }).items).includes(
        'default/web-1',
      ),
    );
    assert.equal(stores.pods.indexedField, 'spec.nodeName');
    assert.equal(stores.nodes.indexedField, undefined);
  });

  test('one resourceVersion sequence across stores; uid and creationTimestamp filled and kept', () => {
    const stores = createClusterStores({
      initialResourceVersion: 100,
      now: () => Date.parse('2024-01-02T03:04:05.678Z'),
    });
    const node = stores.nodes.create({ metadata: { name: 'n1', namespace: 'ignored' } });
    const created = stores.pods.create(pod('default', 'web-0', 'n1'));
    assert.equal(node.metadata.resourceVersion, '101');
    assert.equal(node.metadata.namespace, undefined);
    assert.equal(node.kind, 'Node');
    assert.equal(node.apiVersion, 'v1');
    assert.equal(created.metadata.resourceVersion, '102');
    assert.equal(created.metadata.creationTimestamp, '2024-01-02T03:04:05Z');
    assert.match(created.metadata.uid!, /^[0-9a-f-]{36}$/);
    const updated = stores.pods.update(pod('default', 'web-0', 'n2'));
    assert.equal(updated.metadata.resourceVersion, '103');
    assert.equal(updated.metadata.uid, created.metadata.uid);
    assert.equal(updated.metadata.creationTimestamp, created.metadata.creationTimestamp);
    // The stored objects are new objects: what was returned before stays as it was.
    assert.equal((created.spec as { nodeName: string }).nodeName, 'n1');
    assert.equal(JSON.parse(stores.pods.get('default', 'web-0')!.json).spec.nodeName, 'n2');
    assert.throws(() => stores.pods.create(pod('default', 'web-0', 'n1')), StoreError);
    assert.throws(() => stores.pods.update(pod('default', 'nope', 'n1')), StoreError);
    assert.throws(() => stores.pods.create({ metadata: { name: 'no-namespace' } }), StoreError);
    const gone = stores.pods.delete('default', 'web-0');
    assert.equal(gone?.metadata.resourceVersion, '104');
    assert.equal(stores.pods.delete('default', 'web-0'), undefined);
    assert.equal(stores.versioner.current(), 104);
  });

  test('lists sort by namespace/name and can be limited to one namespace', () => {
    const versioner = createVersioner();
    const pods = createResourceStore({
      resource: 'pods',
      kind: 'Pod',
      apiVersion: 'v1',
      namespaced: true,
      versioner,
    });
    const keys = ['b/x', 'a/z', 'a-b/y', 'a/y', 'ab/a', 'b/a'];
    for (const key of keys) {
      const [ns, name] = key.split('/') as [string, string];
      pods.create(pod(ns, name, 'n1'));
    }
    const all = pods.list().items.map((s) => s.key);
    assert.deepEqual(all, ['a-b/y', 'a/y', 'a/z', 'ab/a', 'b/a', 'b/x']); // byte order, as etcd keys sort
    assert.deepEqual(
      pods.list('a').items.map((s) => s.key),
      ['a/y', 'a/z'],
    );
    // Keys added after a list keep the order.
    pods.create(pod('a', 'a', 'n1'));
    pods.delete('b', 'a');
    assert.deepEqual(
      pods.list().items.map((s) => s.key),
      ['a-b/y', 'a/a', 'a/y', 'a/z', 'ab/a', 'b/x'],
    );
    assert.equal(pods.list().resourceVersion, 8);
  });

  test('objects created, deleted and created again after a list are in order in the next list', () => {
    const store = createResourceStore({
      resource: 'events',
      kind: 'Event',
      apiVersion: 'v1',
      namespaced: true,
      versioner: createVersioner(),
    });
    const names = Array.from({ length: 200 }, (_, i) => `e-${String((i * 7919) % 1000).padStart(4, '0')}`);
    const namespaces = ['kube-system', 'default', 'apps'];
    const key = (i: number): [string, string] => [namespaces[i % 3] as string, names[i] as string];
    for (let i = 0; i < 160; i++) store.create({ metadata: { namespace: key(i)[0], name: key(i)[1] } });
    store.list();
    // Fewer changes than half the listed keys: merged into the order the list made.
    for (let i = 160; i < 200; i++) store.create({ metadata: { namespace: key(i)[0], name: key(i)[1] } });
    for (let i = 0; i < 200; i += 10) store.delete(...key(i));
    for (let i = 0; i < 200; i += 20) store.create({ metadata: { namespace: key(i)[0], name: key(i)[1] } });
    const expected = Array.from({ length: 200 }, (_, i) => i)
      .filter((i) => i % 10 !== 0 || i % 20 === 0)
      .map((i) => key(i).join('/'))
      .sort();
    assert.deepEqual(
      store.list().items.map((s) => s.key),
      expected,
    );
    assert.deepEqual(
      store.list('default').items.map((s) => s.key),
      expected.filter((k) => k.startsWith('default/')),
    );
  });

  test('watch history replays changes after a version and expires beyond its limit', () => {
    const versioner = createVersioner();
    const pods = createResourceStore({
      resource: 'pods',
      kind: 'Pod',
      apiVersion: 'v1',
      namespaced: true,
      versioner,
      historyLimit: 3,
    });
    for (let i = 1; i <= 5; i++) pods.put(pod('default', 'web-0', `n${i}`)); // versions 1..5
    const expired = pods.watch(
      1,
      () => true,
      () => {},
    );
    assert.deepEqual(expired, { ok: false, message: 'too old resource version: 1 (2)' });
    const replay = pods.watch(
      2,
      () => true,
      () => {},
    );
    assert.ok(replay.ok);
    assert.deepEqual(
      replay.initial.map((e) => [e.type, e.stored.resourceVersion]),
      [
        ['MODIFIED', 3],
        ['MODIFIED', 4],
        ['MODIFIED', 5],
      ],
    );
    replay.stop();
  });

  test('filtered watches turn selection changes into ADDED and DELETED', () => {
    const versioner = createVersioner();
    const pods = createResourceStore({
      resource: 'pods',
      kind: 'Pod',
      apiVersion: 'v1',
      namespaced: true,
      versioner,
    });
    pods.create(pod('default', 'web-0', 'n1'));
    const seen: StoreEvent[] = [];
    const onN2 = (o: KubeObject): boolean => (o.spec as { nodeName: string }).nodeName === 'n2';
    const started = pods.watch(undefined, onN2, (e) => seen.push(e));
    assert.ok(started.ok);
    assert.equal(started.initial.length, 0);
    pods.update(pod('default', 'web-0', 'n2')); // 2: moves in
    pods.update(pod('default', 'web-0', 'n2')); // 3: stays
    pods.update(pod('default', 'web-0', 'n3')); // 4: moves out
    pods.update(pod('default', 'web-0', 'n4')); // 5: unseen
    pods.update(pod('default', 'web-0', 'n2')); // 6: moves in
    pods.delete('default', 'web-0'); // 7
    started.stop();
    pods.create(pod('default', 'web-0', 'n2')); // after stop: unseen
    assert.deepEqual(
      seen.map((e) => [
        e.type,
        e.stored.resourceVersion,
        (e.stored.object.spec as { nodeName: string }).nodeName,
      ]),
      [
        ['ADDED', 2, 'n2'],
        ['MODIFIED', 3, 'n2'],
        ['DELETED', 4, 'n2'],
        ['ADDED', 6, 'n2'],
        ['DELETED', 7, 'n2'],
      ],
    );
    assert.equal(JSON.parse(seen[2]!.stored.json).metadata.resourceVersion, '4');
  });
});

describe('list pager', () => {
  const items = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      key: `k${i}`,
      object: { metadata: { name: `k${i}` } },
      json: '{}',
      resourceVersion: i,
    }));

  test('pages keep the first page snapshot and count what remains', () => {
    const pager = createListPager();
    const first = pager.first('pods', 42, items(5), 2);
    assert.deepEqual(
      first.items.map((s) => s.key),
      ['k0', 'k1'],
    );
    assert.equal(first.remainingItemCount, 3);
    const second = pager.resume('pods', first.continueToken!, 2);
    assert.ok(!('failure' in second));
    assert.deepEqual(
      second.items.map((s) => s.key),
      ['k2', 'k3'],
    );
    assert.equal(second.resourceVersion, 42);
    const last = pager.resume('pods', second.continueToken!, 10);
    assert.ok(!('failure' in last));
    assert.deepEqual(
      last.items.map((s) => s.key),
      ['k4'],
    );
    assert.equal(last.continueToken, undefined);
    assert.deepEqual(pager.first('pods', 43, items(2), 2), { resourceVersion: 43, items: items(2) });
    const elsewhere = pager.resume('nodes', first.continueToken!, 2);
    assert.equal('failure' in elsewhere && elsewhere.failure, 'invalid');
    assert.deepEqual(pager.resume('pods', 'not-a-token', 2), {
      failure: 'invalid',
      message: 'continue key is not valid: "not-a-token"',
    });
  });

  test('tokens expire after their lifetime, and the oldest snapshot goes when the cap is reached', () => {
    let now = 0;
    const pager = createListPager({ ttlMs: 1000, maxSnapshots: 2, now: () => now });
    const a = pager.first('pods', 1, items(3), 1).continueToken!;
    now = 500;
    const b = pager.first('pods', 2, items(3), 1).continueToken!;
    const c = pager.first('pods', 3, items(3), 1).continueToken!;
    assert.equal(pager.liveSnapshots, 2);
    assert.deepEqual(pager.resume('pods', a, 1), { failure: 'expired', message: EXPIRED_CONTINUE_MESSAGE });
    assert.ok(!('failure' in pager.resume('pods', b, 1)));
    now = 1501;
    assert.deepEqual(pager.resume('pods', c, 1), { failure: 'expired', message: EXPIRED_CONTINUE_MESSAGE });
  });
});
