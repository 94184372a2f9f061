/**
 * What the coordinator publishes for each shard of a round: the nodes it scrapes (names only) and the time by
 * which the round's totals are written. Small: 250 node names are a few KiB, far under Pub/Sub's 10 MB.
 */
export interface ShardMessage {
  readonly cluster: string;
  readonly roundTime: number;
  readonly shard: string;
  readonly nodes: readonly string[];
  /** Epoch ms: the coordinator writes the totals then, with whatever shards reported. */
  readonly deadline: number;
}

export function encodeShardMessage(m: ShardMessage): { data: Buffer; attributes: Record<string, string> } {
  return {
    data: Buffer.from(JSON.stringify(m)),
    // For filters and for reading the dead-letter subscription.
    attributes: { cluster: m.cluster, roundTime: new Date(m.roundTime).toISOString(), shard: m.shard },
  };
}

export type Decoded<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** The message in a Pub/Sub push (or Eventarc) CloudEvent's data: `{ message: { data: base64 } }`. */
export function decodeShardEvent(data: unknown): Decoded<ShardMessage> {
  const message = (data as { message?: { data?: unknown } } | undefined)?.message;
  if (typeof message?.data !== 'string') return { ok: false, error: 'no message data in the event' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(message.data, 'base64').toString('utf8'));
  } catch (err) {
    return { ok: false, error: `message data is not JSON: ${(err as Error).message}` };
  }
  const m = parsed as Partial<ShardMessage> | null;
  if (
    typeof m !== 'object' ||
    m === null ||
    typeof m.cluster !== 'string' ||
    typeof m.shard !== 'string' ||
    !Number.isFinite(m.roundTime) ||
    !Number.isFinite(m.deadline) ||
    !Array.isArray(m.nodes) ||
    !m.nodes.every((n) => typeof n === 'string')
  )
    return {
      ok: false,
      error: 'message data is not a shard message (cluster, roundTime, shard, nodes, deadline)',
    };
  return { ok: true, value: m as ShardMessage };
}
