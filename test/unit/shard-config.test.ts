import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parseScrapeConfig } from '../../shared/config/scrape-config.js';

const base = { SINKS: 'log', CLUSTER_NAME: 'prod' };

function problems(env: Record<string, string>): { variable: string; problem: string; example: string }[] {
  try {
    parseScrapeConfig({ ...base, ...env });
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('sharding configuration', () => {
  test('off without SHARD_TOPIC, whatever SHARD_SIZE says', () => {
    assert.deepEqual(parseScrapeConfig(base).sharding, { kind: 'off' });
    assert.deepEqual(parseScrapeConfig({ ...base, SHARD_SIZE: '100' }).sharding, { kind: 'off' });
  });

  test('SHARD_TOPIC turns it on, with 250 nodes per shard unless SHARD_SIZE says otherwise', () => {
    const topic = 'projects/my-project/topics/heapster-shards';
    assert.deepEqual(parseScrapeConfig({ ...base, SHARD_TOPIC: topic }).sharding, {
      kind: 'pubsub',
      shardSize: 250,
      topic,
      project: 'my-project',
    });
    assert.equal(
      (parseScrapeConfig({ ...base, SHARD_TOPIC: topic, SHARD_SIZE: '50' }).sharding as { shardSize: number })
        .shardSize,
      50,
    );
  });

  test('every problem, with its exact message', () => {
    assert.deepEqual(problems({ SHARD_TOPIC: 'heapster-shards', SHARD_SIZE: '5' }), [
      {
        variable: 'SHARD_SIZE',
        problem: '"5" must be a whole number from 10 to 5000',
        example: 'SHARD_SIZE=250',
      },
      {
        variable: 'SHARD_TOPIC',
        problem: '"heapster-shards" is not a Pub/Sub topic name of the form projects/PROJECT/topics/TOPIC',
        example: 'SHARD_TOPIC=projects/my-project/topics/heapster-shards',
      },
    ]);
    assert.equal(problems({ SHARD_TOPIC: 'projects/my-project/topics/goog-x' }).length, 1);
    assert.deepEqual(
      problems({
        SHARD_TOPIC: 'projects/my-project/topics/heapster-shards',
        STATE_STORE: 'memory',
        RESOLUTION: '30s',
        FUNCTION_TIMEOUT: '65s',
      }),
      [
        {
          variable: 'STATE_STORE',
          problem: 'sharded rounds (SHARD_TOPIC) keep their records in Firestore',
          example: 'STATE_STORE=firestore',
        },
        {
          variable: 'RESOLUTION',
          problem: 'sharded rounds (SHARD_TOPIC) run one round per interval: RESOLUTION must equal INTERVAL',
          example: 'RESOLUTION=60s',
        },
      ],
    );
  });
});
