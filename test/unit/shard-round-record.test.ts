import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  complete,
  COORDINATOR,
  decideClaim,
  decideReport,
  splitShards,
  type RoundRecord,
} from '../../shared/state/round-record.js';
import { memoryRoundStore } from '../../shared/state/round-store.js';

const T = Date.UTC(2026, 0, 1, 12, 0);
const plan = { roundTime: T, shards: ['shard-0', 'shard-1', 'shard-2'], nodes: 300, deadline: T + 55_000 };
const open: RoundRecord = { ...plan, published: true };
const done = (n: number) => ({ outcome: 'done' as const, nodes: { total: n, ok: n }, partial: '{}' });

describe('round record decisions', () => {
  test('a claim needs a recorded round that expects the shard', () => {
    assert.equal(decideClaim(undefined, 'shard-0', undefined, T), 'unknown-round');
    assert.equal(decideClaim(open, 'shard-9', undefined, T), 'unknown-round');
    assert.equal(decideClaim(open, 'shard-0', undefined, T), 'claimed');
  });

  test('a redelivery finds the shard held, finished, or the round over', () => {
    const held = { shard: 'shard-0', state: 'claimed' as const, attempts: 1, leaseUntil: T + 60_000 };
    assert.equal(decideClaim(open, 'shard-0', held, T + 1000), 'in-flight');
    // The first delivery died: once its lease is over, a redelivery takes the shard.
    assert.equal(decideClaim(open, 'shard-0', held, T + 60_001), 'claimed');
    assert.equal(decideClaim(open, 'shard-0', { ...held, state: 'done' }, T + 60_001), 'duplicate');
    assert.equal(decideClaim(open, 'shard-0', { ...held, state: 'failed' }, T), 'duplicate');
    assert.equal(decideClaim({ ...open, finaliser: COORDINATOR }, 'shard-0', undefined, T), 'finalised');
  });

  test('a report is recorded once, and is late once the totals are taken', () => {
    const claimed = { shard: 'shard-2', state: 'claimed' as const, attempts: 1, leaseUntil: T + 60_000 };
    assert.deepEqual(decideReport(open, claimed, 'done'), { result: 'recorded', state: 'done' });
    assert.deepEqual(decideReport(open, claimed, 'failed'), { result: 'recorded', state: 'failed' });
    assert.deepEqual(decideReport({ ...open, finaliser: COORDINATOR }, claimed, 'done'), {
      result: 'late',
      state: 'late',
    });
    assert.deepEqual(decideReport(open, { ...claimed, state: 'done' }, 'done'), { result: 'duplicate' });
  });

  test('the set is complete when every expected shard has an outcome', () => {
    assert.equal(complete(plan, new Set(['shard-0', 'shard-2'])), false);
    assert.equal(complete(plan, new Set(['shard-0', 'shard-1', 'shard-2'])), true);
  });

  test('the shards in the totals are those done; the rest are missing', () => {
    assert.deepEqual(splitShards(plan, new Set(['shard-2', 'shard-0'])), {
      included: ['shard-0', 'shard-2'],
      missing: ['shard-1'],
    });
  });
});

describe('memory round store', () => {
  test('opening a round twice answers the first record', async () => {
    const store = memoryRoundStore();
    assert.equal((await store.open(plan)).created, true);
    await store.markPublished(T);
    const again = await store.open({ ...plan, shards: ['shard-0'] });
    assert.equal(again.created, false);
    assert.deepEqual(again.record.shards, plan.shards);
    assert.equal(again.record.published, true);
  });

  test('exactly one party finalises: the last shard, and the coordinator cannot after it', async () => {
    const store = memoryRoundStore();
    await store.open(plan);
    for (const s of plan.shards) assert.equal(await store.claim(T, s, T, 60_000), 'claimed');
    assert.equal(await store.claim(T, 'shard-0', T + 1, 60_000), 'in-flight');
    assert.equal(await store.report(T, 'shard-0', done(100)), 'wait');
    assert.equal(await store.report(T, 'shard-0', done(100)), 'duplicate');
    assert.equal(await store.claim(T, 'shard-0', T + 2, 60_000), 'duplicate');
    assert.equal(
      await store.report(T, 'shard-1', { outcome: 'failed', nodes: { total: 100, ok: 0 }, error: 'x' }),
      'wait',
    );
    assert.equal(await store.report(T, 'shard-2', done(100)), 'finalise');
    assert.equal(await store.claimFinaliser(T, COORDINATOR), false);
    assert.equal((await store.get(T))?.finaliser, 'shard-2');
  });

  test('at the deadline the coordinator finalises, and a shard reporting later is late', async () => {
    const store = memoryRoundStore();
    await store.open(plan);
    await store.claim(T, 'shard-0', T, 60_000);
    await store.report(T, 'shard-0', done(100));
    await store.claim(T, 'shard-1', T, 60_000);
    assert.equal(await store.claimFinaliser(T, COORDINATOR), true);
    assert.equal(await store.claimFinaliser(T, COORDINATOR), true, 'the same party may ask again');
    assert.equal(await store.report(T, 'shard-1', done(100)), 'late');
    assert.equal((await store.shards(T)).get('shard-1')?.state, 'late');
    assert.equal(await store.claim(T, 'shard-2', T, 60_000), 'finalised');
  });

  test('a released claim is taken at once by the next delivery', async () => {
    const store = memoryRoundStore();
    await store.open(plan);
    await store.claim(T, 'shard-0', T, 60_000);
    await store.release(T, 'shard-0', 'listing nodes failed');
    assert.equal(await store.claim(T, 'shard-0', T + 10, 60_000), 'claimed');
    assert.equal((await store.shards(T)).get('shard-0')?.attempts, 2);
  });
});
