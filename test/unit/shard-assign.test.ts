import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assignNodes, jumpHash, shardCount, shardId, shardOfNode } from '../../shared/scrape/shard/assign.js';

describe('jump consistent hash', () => {
  test('gives the buckets other implementations publish for the same keys', () => {
    // Vectors shared by the Go, C, Python and Elixir implementations of Lamping and Veach's algorithm.
    const vectors: [bigint, number, number][] = [
      [1n, 1, 0],
      [42n, 57, 43],
      [0xdead10ccn, 1, 0],
      [0xdead10ccn, 666, 361],
      [256n, 1024, 520],
      [1n, 128, 55],
      [129n, 128, 120],
      [128n, 100_000_000, 38_172_097],
      [18446744073709551615n, 128, 92],
    ];
    for (const [key, buckets, expected] of vectors)
      assert.equal(jumpHash(key, buckets), expected, `${key} over ${buckets}`);
  });

  test('a key either stays in its bucket or moves to the new one as buckets are added', () => {
    for (let key = 0n; key < 2000n; key++) {
      let before = jumpHash(key * 7919n, 1);
      for (let n = 2; n <= 40; n++) {
        const now = jumpHash(key * 7919n, n);
        assert.ok(now === before || now === n - 1, `key ${key}: ${before} -> ${now} at ${n} buckets`);
        before = now;
      }
    }
  });

  test('refuses a bucket count below one', () => {
    assert.throws(() => jumpHash(1n, 0), RangeError);
  });
});

describe('nodes to shards', () => {
  test('the shard count is the power of two at or above nodes / shard size', () => {
    assert.equal(shardCount(0, 250), 1);
    assert.equal(shardCount(250, 250), 1);
    assert.equal(shardCount(251, 250), 2);
    assert.equal(shardCount(200, 50), 4);
    assert.equal(shardCount(201, 50), 8);
    assert.equal(shardCount(5000, 250), 32);
  });

  test('every node is in exactly one shard, and shards are about even', () => {
    const nodes = Array.from({ length: 4000 }, (_, i) => `gke-pool-${i}-abcd`);
    const shards = assignNodes(nodes, 4);
    assert.equal(shards.length, 4);
    const all = shards.flat().sort();
    assert.deepEqual(all, [...nodes].sort());
    for (const shard of shards) assert.ok(Math.abs(shard.length - 1000) < 100, `${shard.length} nodes`);
  });

  test('a node keeps its shard as the cluster grows within the same shard count', () => {
    const before = Array.from({ length: 150 }, (_, i) => `node-${i}`);
    const after = [...before, ...Array.from({ length: 50 }, (_, i) => `node-new-${i}`)];
    const count = shardCount(after.length, 50);
    assert.equal(count, shardCount(before.length, 50));
    for (const node of before) {
      const a = assignNodes(before, count).findIndex((s) => s.includes(node));
      assert.equal(a, shardOfNode(node, count));
      const b = assignNodes(after, count).findIndex((s) => s.includes(node));
      assert.equal(a, b, node);
    }
  });

  test('doubling the shard count moves about half of the nodes, each to a new shard', () => {
    const nodes = Array.from({ length: 2000 }, (_, i) => `node-${i}`);
    let moved = 0;
    for (const node of nodes) {
      const from = shardOfNode(node, 4);
      const to = shardOfNode(node, 8);
      if (from !== to) {
        moved++;
        assert.ok(to >= 4, `${node} moved from ${from} to an old shard ${to}`);
      }
    }
    assert.ok(Math.abs(moved - 1000) < 100, `${moved} of 2000 moved`);
  });

  test('shard ids name the counter documents', () => {
    assert.equal(shardId(3), 'shard-3');
  });
});
