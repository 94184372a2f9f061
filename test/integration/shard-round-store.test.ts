import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COORDINATOR } from '../../shared/state/round-record.js';
import { firestoreRoundStore } from '../../shared/state/round-store.js';
import { useFirestoreEmulator } from '../support/firestore-emulator.js';

/** The round records' transactions in the real Firestore (emulator), with shards racing each other. */
const PROJECT = 'demo-rounds';
const T = Date.UTC(2026, 0, 1, 12, 0);
const SHARDS = Array.from({ length: 8 }, (_, i) => `shard-${i}`);
const plan = (roundTime: number) => ({
  roundTime,
  shards: SHARDS,
  nodes: 2000,
  deadline: roundTime + 55_000,
});
const done = {
  outcome: 'done' as const,
  nodes: { total: 250, ok: 250 },
  partial: '{"namespaces":{},"cluster":{}}',
};

describe('Firestore round store (emulator)', () => {
  const firestore = useFirestoreEmulator(PROJECT);

  test('shards claiming and reporting all at once: each claim once, exactly one finaliser', async () => {
    const store = firestoreRoundStore(firestore.db, 'heapster/race');
    assert.equal((await store.open(plan(T))).created, true);
    // Every shard delivered twice at the same moment (a redelivery racing the first delivery).
    const claims = await Promise.all([...SHARDS, ...SHARDS].map((s) => store.claim(T, s, T, 60_000)));
    for (const shard of SHARDS) {
      const mine = claims.filter((_, i) => SHARDS[i % SHARDS.length] === shard).sort();
      assert.deepEqual(mine, ['claimed', 'in-flight'], shard);
    }
    const reports = await Promise.all(SHARDS.map((s) => store.report(T, s, done)));
    assert.equal(reports.filter((r) => r === 'finalise').length, 1, reports.join());
    assert.equal(reports.filter((r) => r === 'wait').length, SHARDS.length - 1);
    const round = await store.get(T);
    assert.equal(round?.finaliser, SHARDS[reports.indexOf('finalise')]);
    assert.equal(await store.claimFinaliser(T, COORDINATOR), false);
    const records = await store.shards(T);
    assert.equal(records.size, SHARDS.length);
    for (const r of records.values())
      assert.deepEqual([r.state, r.partial, r.attempts], ['done', done.partial, 1]);
  });

  test('the coordinator and the last shard racing for the totals: one wins, the other learns it', async () => {
    const store = firestoreRoundStore(firestore.db, 'heapster/deadline');
    await store.open(plan(T));
    for (const s of SHARDS) await store.claim(T, s, T, 60_000);
    await Promise.all(SHARDS.slice(1).map((s) => store.report(T, s, done)));
    const [coordinator, last] = await Promise.all([
      store.claimFinaliser(T, COORDINATOR),
      store.report(T, 'shard-0', done),
    ]);
    const round = await store.get(T);
    const state = (await store.shards(T)).get('shard-0')?.state;
    if (coordinator) {
      assert.equal(round?.finaliser, COORDINATOR);
      // Recorded before the coordinator took the totals (so its read of the shards will include it), or after
      // (so it is marked late and left out): never counted by two parties, never lost without a trace.
      assert.deepEqual([last, state], last === 'late' ? ['late', 'late'] : ['wait', 'done']);
    } else {
      assert.deepEqual([last, state], ['finalise', 'done']);
      assert.equal(round?.finaliser, 'shard-0');
    }
    await store.finish(T, {
      at: T + 56_000,
      by: round?.finaliser ?? '',
      included: SHARDS,
      missing: [],
      nodes: { total: 2000, ok: 2000 },
      points: 30,
    });
    assert.equal((await store.get(T))?.finalised?.points, 30);
  });

  test('records carry an expiry a TTL policy can delete them by, and a retried open keeps the first', async () => {
    const store = firestoreRoundStore(firestore.db, 'heapster/expiry');
    await store.open(plan(T + 60_000));
    const again = await store.open({ ...plan(T + 60_000), shards: ['shard-0'] });
    assert.equal(again.created, false);
    assert.deepEqual(again.record.shards, SHARDS);
    const doc = await firestore.db.doc(`heapster/expiry/rounds/${T + 60_000}`).get();
    assert.equal(
      (doc.get('expireAt') as { toMillis(): number }).toMillis(),
      T + 60_000 + 7 * 24 * 3600 * 1000,
    );
  });
});
