import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firestoreCounterStore } from '../../shared/state/counter-store.js';
import { useFirestoreEmulator } from '../support/firestore-emulator.js';

describe('Firestore counter store (emulator)', () => {
  const firestore = useFirestoreEmulator('demo-counters');

  const blob = (seed: number, size: number): Uint8Array =>
    Uint8Array.from({ length: size }, (_, i) => (seed * 31 + i * 7) & 255);

  test('round-trips every node state, across several documents when large', async () => {
    const store = firestoreCounterStore(firestore.db, 'heapster/round-trip');
    const states = new Map<string, Uint8Array>();
    // 300 nodes of 6 KiB: about 1.8 MiB, more than one 1 MiB document holds.
    for (let i = 0; i < 300; i++) states.set(`node-${i}.example.internal`, blob(i, 6 * 1024));
    const report = await store.save('all', states, 1_700_000_000_000);
    assert.ok(report.documents >= 2, `${report.documents} documents`);
    const loaded = await store.load('all');
    assert.equal(loaded.size, 300);
    for (const [node, state] of states) assert.deepEqual(loaded.get(node), state, node);
  });

  test('a smaller save removes the parts it no longer needs; shards are apart', async () => {
    const store = firestoreCounterStore(firestore.db, 'heapster/shrink');
    const big = new Map<string, Uint8Array>();
    for (let i = 0; i < 300; i++) big.set(`n${i}`, blob(i, 6 * 1024));
    await store.save('shard-a', big, 1);
    await store.save('shard-b', new Map([['other', blob(9, 10)]]), 1);
    await store.save('shard-a', new Map([['n1', blob(1, 100)]]), 2);
    const docs = await firestore.db
      .collection('heapster/shrink/counters')
      .where('shard', '==', 'shard-a')
      .get();
    assert.equal(docs.size, 1);
    assert.deepEqual([...(await store.load('shard-a')).keys()], ['n1']);
    assert.deepEqual([...(await store.load('shard-b')).keys()], ['other']);
  });
});
