import type { MetricSet } from './model.js';

/**
 * A 48-bit key that identifies an entity across rounds within one node's state: two 32-bit hashes of its
 * identity (type, pod UID or namespace/name, container name). Keys stay small in the stored state, and at
 * 48 bits a collision among the ~100 entities of a node is about one in 10^10 rounds; derive drops both
 * entities' rates if it ever happens within a round.
 */
export function entityKey(set: MetricSet): number {
  const pod = set.podUid !== '' ? set.podUid : set.namespace + '/' + set.podName;
  switch (set.type) {
    case 'node':
      return key('n', set.nodeName, '');
    case 'sys_container':
      return key('s', set.containerName, '');
    case 'pod':
      return key('p', pod, '');
    default:
      return key(set.type, pod, set.containerName);
  }
}

function key(kind: string, a: string, b: string): number {
  const h1 = finish(feed(feed(feed(0x811c9dc5, kind, 0x01000193), a, 0x01000193), b, 0x01000193));
  const h2 = finish(feed(feed(feed(0x9747b28c, kind, 0x5bd1e995), a, 0x5bd1e995), b, 0x5bd1e995));
  return (h1 >>> 0) * 65536 + (h2 >>> 16);
}

/** Multiplicative (FNV-style) hashing of a string, then a separator so that ("ab","c") != ("a","bc"). */
function feed(h: number, text: string, prime: number): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), prime);
  return Math.imul(h ^ 0x1f, prime);
}

/** Murmur3's final mix, so that every input bit reaches the bits kept. */
function finish(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
