import type { Problems } from '../../config/config-error.js';
import { readInt } from '../../config/values.js';

/**
 * Sharded rounds: on when SHARD_TOPIC names a Pub/Sub topic; a round of more than SHARD_SIZE nodes is then
 * published to it in shards, smaller rounds run in one invocation as before.
 */
export type ShardingConfig =
  | { readonly kind: 'off' }
  | {
      readonly kind: 'pubsub';
      /** Nodes per shard, at most (on average; see assign.ts). */
      readonly shardSize: number;
      /** projects/P/topics/T */
      readonly topic: string;
      readonly project: string;
    };

export const DEFAULT_SHARD_SIZE = 250;
const TOPIC_EXAMPLE = 'SHARD_TOPIC=projects/my-project/topics/heapster-shards';
// Project IDs and topic names as Pub/Sub accepts them.
const TOPIC = /^projects\/([a-z][-a-z0-9]{4,28}[a-z0-9])\/topics\/([A-Za-z][-A-Za-z0-9_.~+%]{2,254})$/;

/** What else sharding depends on. */
export interface ShardingContext {
  readonly stateKind: 'firestore' | 'memory';
  readonly intervalMs: number;
  readonly resolutionMs: number;
  readonly sources: readonly { readonly kind: string }[];
}

export function readSharding(
  problems: Problems,
  env: Readonly<Record<string, string | undefined>>,
  context: ShardingContext,
): ShardingConfig {
  const shardSize = readInt(problems, 'SHARD_SIZE', env['SHARD_SIZE'], DEFAULT_SHARD_SIZE, {
    min: 10,
    max: 5000,
  });
  const topic = env['SHARD_TOPIC']?.trim() ?? '';
  if (topic === '') return { kind: 'off' };
  const match = TOPIC.exec(topic);
  if (match === null || (match[2] as string).startsWith('goog')) {
    problems.add(
      'SHARD_TOPIC',
      `"${topic}" is not a Pub/Sub topic name of the form projects/PROJECT/topics/TOPIC`,
      TOPIC_EXAMPLE,
    );
    return { kind: 'off' };
  }
  // The coordinator and its shards are separate instances: they meet only in Firestore.
  if (context.stateKind !== 'firestore')
    problems.add(
      'STATE_STORE',
      'sharded rounds (SHARD_TOPIC) keep their records in Firestore',
      'STATE_STORE=firestore',
    );
  if (context.resolutionMs < context.intervalMs)
    problems.add(
      'RESOLUTION',
      'sharded rounds (SHARD_TOPIC) run one round per interval: RESOLUTION must equal INTERVAL',
      `RESOLUTION=${context.intervalMs / 1000}s`,
    );
  if (context.sources.some((s) => s.kind !== 'kubernetes.summary_api'))
    problems.add(
      'SOURCES',
      'sharded rounds (SHARD_TOPIC) scrape one Kubernetes source; cAdvisor sources cannot be sharded',
      'SOURCES=kubernetes.summary_api:',
    );
  return { kind: 'pubsub', shardSize, topic, project: match[1] as string };
}
