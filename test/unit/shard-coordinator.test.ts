import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseScrapeConfig } from '../../shared/config/scrape-config.js';
import type { KubeConnection } from '../../shared/kube/connect.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import type { ScrapeDeps } from '../../shared/scrape/run-scrape.js';
import { coordinateRound, coordinatedAnswer } from '../../shared/scrape/shard/coordinate.js';
import type { ShardMessage } from '../../shared/scrape/shard/shard-message.js';
import { memoryCounterStore } from '../../shared/state/counter-store.js';
import { memoryRoundStore } from '../../shared/state/round-store.js';
import { textOutcome } from '../../shared/runtime/http-get.js';
import { captureSink } from '../support/capture-sink.js';
import { answeringConnection } from '../support/answering-connection.js';

/**
 * The coordinator's deadline: a round whose shards do not all report gets its totals from the coordinator,
 * over the shards that did, naming the others. The cluster is 12 node names served by a fake API server.
 */
const T = Date.UTC(2026, 0, 1, 12, 0);
const NODES = Array.from({ length: 12 }, (_, i) => `node-${i}`);

function fakeConnection(): KubeConnection {
  const body = JSON.stringify({ metadata: {}, items: NODES.map((name) => ({ metadata: { name } })) });
  return answeringConnection((path) =>
    path.startsWith('/api/v1/nodes?')
      ? textOutcome(body)
      : { ok: false, reason: 'http-status', status: 404, message: 'HTTP 404' },
  );
}

describe('coordinator', () => {
  test('at its deadline it writes the totals of the shards that reported and names the missing ones', async () => {
    const config = parseScrapeConfig({
      SINKS: 'log',
      CLUSTER_NAME: 'prod',
      SHARD_TOPIC: 'projects/my-project/topics/heapster-shards',
      SHARD_SIZE: '10',
      FUNCTION_TIMEOUT: '20s',
    });
    assert.ok(config.sharding.kind === 'pubsub');
    let clock = T + 1_000;
    const sink = captureSink();
    const rounds = memoryRoundStore();
    const published: ShardMessage[] = [];
    const scrape: ScrapeDeps = {
      log: memoryLogger(),
      now: () => clock,
      connect: async () => fakeConnection(),
      counters: memoryCounterStore(),
      sinks: [sink],
    };
    // One shard reports while the coordinator waits; the other never does.
    let reported = false;
    const sleep = async (ms: number): Promise<void> => {
      clock += ms;
      if (reported) return;
      reported = true;
      const first = published[0] as ShardMessage;
      assert.equal(await rounds.claim(T, first.shard, clock, 20_000), 'claimed');
      const partial = {
        namespaces: { default: { id: 'uid-default', sums: { 'memory/usage': 300, 'cpu/request': 50 } } },
        cluster: { 'memory/usage': 1000 },
      };
      const nodes = { total: first.nodes.length, ok: first.nodes.length };
      assert.equal(
        await rounds.report(T, first.shard, { outcome: 'done', nodes, partial: JSON.stringify(partial) }),
        'wait',
      );
    };
    const result = await coordinateRound(
      config,
      config.sharding,
      {
        scrape,
        rounds,
        publisher: { publish: async (m) => void published.push(...m), close: async () => undefined },
        sleep,
      },
      { roundTime: T, signal: new AbortController().signal, shard: 'all' },
    );
    assert.equal(result.kind, 'sharded');
    assert.ok(result.kind === 'sharded');
    const { report } = result;
    assert.equal(published.length, 2, '12 nodes in shards of 10: two shards');
    assert.deepEqual(published.flatMap((m) => m.nodes).sort(), [...NODES].sort());
    for (const m of published) assert.equal(m.deadline, T + 1_000 + config.runDeadlineMs);
    assert.ok(clock >= T + 1_000 + config.runDeadlineMs, 'it waited until the deadline');
    const [first, second] = published as [ShardMessage, ShardMessage];
    assert.equal(report.totals?.by, 'coordinator');
    assert.deepEqual(report.totals?.included, [first.shard]);
    assert.deepEqual(report.totals?.missing, [
      { shard: second.shard, reason: 'not started by the deadline' },
    ]);
    assert.deepEqual(report.totals?.nodes, { total: first.nodes.length, ok: first.nodes.length });
    assert.equal(report.severity, 'WARNING');
    assert.equal(report.status, 200);
    // The totals written: the one shard's sums, as namespace and cluster points.
    assert.equal(sink.writes.length, 1);
    const points = [...(sink.writes[0] ?? new Map()).values()].map((p) => [
      p.metric,
      p.labels['type'],
      p.value,
    ]);
    assert.deepEqual(points.sort(), [
      ['cpu/request', 'ns', 50],
      ['memory/usage', 'cluster', 1000],
      ['memory/usage', 'ns', 300],
    ]);
    assert.equal(report.totals?.points, 3);
    const answer = coordinatedAnswer(result);
    assert.match(
      answer.message,
      new RegExp(`missing from the totals: ${second.shard} \\(not started by the deadline\\)$`),
    );
    // A shard that reports after the totals is late: nothing of it is counted.
    assert.equal(await rounds.claim(T, second.shard, clock, 20_000), 'finalised');
  });

  test('up to SHARD_SIZE nodes it runs the round itself, unsharded', async () => {
    const config = parseScrapeConfig({
      SINKS: 'log',
      CLUSTER_NAME: 'prod',
      SHARD_TOPIC: 'projects/my-project/topics/heapster-shards',
      SHARD_SIZE: '12',
    });
    assert.ok(config.sharding.kind === 'pubsub');
    const published: ShardMessage[] = [];
    const result = await coordinateRound(
      config,
      config.sharding,
      {
        scrape: {
          log: memoryLogger(),
          now: Date.now,
          connect: async () => fakeConnection(),
          counters: memoryCounterStore(),
          sinks: [captureSink()],
        },
        rounds: memoryRoundStore(),
        publisher: { publish: async (m) => void published.push(...m), close: async () => undefined },
      },
      { roundTime: T, signal: new AbortController().signal, shard: 'all' },
    );
    assert.equal(result.kind, 'unsharded');
    assert.equal(published.length, 0);
  });
});
