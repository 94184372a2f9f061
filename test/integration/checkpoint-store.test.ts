import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firestoreCheckpointStore, memoryCheckpointStore } from '../../shared/state/checkpoint-store.js';
import { useFirestoreEmulator } from '../support/firestore-emulator.js';

const PROJECT = 'demo-checkpoints';
const MINUTE = 60_000;

describe('checkpoint journal in the Firestore emulator', () => {
  const firestore = useFirestoreEmulator(PROJECT);

  test('a save larger than a document holds is split; a load gets every id and the newest resourceVersion', async () => {
    let now = 1_000 * MINUTE;
    const path = 'heapster/split/event-checkpoints';
    const store = firestoreCheckpointStore(firestore.db, path, {
      horizonMs: 75 * MINUTE,
      now: () => now,
      maxIdsPerDocument: 50,
    });
    const listed = Array.from({ length: 120 }, (_, i) => 2 ** 40 + i * 7);
    await store.save('500', listed, 'a');
    now += 1000;
    await store.save('510', [3, 4], 'a');
    const docs = (await firestore.db.collection(path).get()).docs.map((d) => d.data());
    assert.deepEqual(
      docs.map((d) => [d['resourceVersion'], (d['written'] as Buffer).length / 8]),
      [
        ['500', 50],
        ['500', 50],
        ['500', 20],
        ['510', 2],
      ],
    );
    const loaded = await store.load();
    assert.equal(loaded.resourceVersion, '510');
    assert.equal(loaded.savedAt, now);
    assert.equal(loaded.written.size, 122);
    for (const id of [...listed, 3, 4]) assert.ok(loaded.written.has(id), `${id} loaded`);
    assert.equal(loaded.written.has(5), false);
  });

  test('documents older than the horizon are not loaded', async () => {
    let now = 2_000 * MINUTE;
    const store = firestoreCheckpointStore(firestore.db, 'heapster/horizon/event-checkpoints', {
      horizonMs: 75 * MINUTE,
      now: () => now,
    });
    await store.save('700', [1, 2], 'a');
    now += 80 * MINUTE;
    await store.save('800', [3], 'a');
    const loaded = await store.load();
    assert.equal(loaded.resourceVersion, '800');
    assert.deepEqual(
      [1, 2, 3].map((id) => loaded.written.has(id)),
      [false, false, true],
    );
  });
});

describe('checkpoint in memory', () => {
  test('ids saved are known to the next load, and forgotten past the horizon', async () => {
    let now = 0;
    const store = memoryCheckpointStore({ horizonMs: 10 * MINUTE, now: () => now });
    await store.save('1', [1, 2], 'a');
    const first = await store.load();
    assert.deepEqual([first.resourceVersion, first.written.has(1), first.written.has(2)], ['1', true, true]);
    now = 30 * MINUTE;
    await store.save('2', [3], 'a');
    const second = await store.load();
    assert.deepEqual([second.written.has(1), second.written.has(3)], [false, true]);
  });
});
