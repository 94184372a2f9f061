import { createHash } from 'node:crypto';

/**
 * Which shard scrapes a node. A node's counters live in its shard's documents, so a node should keep its shard
 * from round to round: the shard is a jump consistent hash (Lamping and Veach, 2014) of the node's name over a
 * shard count that only changes when the cluster doubles or halves. Adding nodes never moves other nodes; when
 * the count grows from k to 2k, about half of the nodes move to the new shards (each loses one rate: its
 * counters stay in the old shard's documents).
 */

/** The counter documents of an unsharded round. */
export const UNSHARDED = 'all';

export function shardId(index: number): string {
  return `shard-${index}`;
}

/** The power of two at or above nodes / shardSize: one shard when the nodes fit in one. */
export function shardCount(nodes: number, shardSize: number): number {
  const needed = Math.max(1, Math.ceil(nodes / shardSize));
  let count = 1;
  while (count < needed) count *= 2;
  return count;
}

const MASK = (1n << 64n) - 1n;
const MULTIPLIER = 2862933555777941757n;

/** The first 64 bits of the name's SHA-256: any stable, well-mixed key will do. */
function keyOf(name: string): bigint {
  return createHash('sha256').update(name).digest().readBigUInt64BE(0);
}

/** Jump consistent hash: a bucket in [0, buckets) for the key. */
export function jumpHash(key: bigint, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be >= 1, got ${buckets}`);
  let b = -1;
  let j = 0;
  let k = key & MASK;
  while (j < buckets) {
    b = j;
    k = (k * MULTIPLIER + 1n) & MASK;
    j = Math.floor((b + 1) * (2 ** 31 / Number((k >> 33n) + 1n)));
  }
  return b;
}

export function shardOfNode(node: string, count: number): number {
  return jumpHash(keyOf(node), count);
}

/** The nodes of each shard, in the order given; every shard of the count is present, empty or not. */
export function assignNodes(nodes: Iterable<string>, count: number): string[][] {
  const shards: string[][] = Array.from({ length: count }, () => []);
  for (const node of nodes) (shards[shardOfNode(node, count)] as string[]).push(node);
  return shards;
}
