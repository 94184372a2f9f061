import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseScrapeConfig } from '../../shared/config/scrape-config.js';
import type { KubeConnection } from '../../shared/kube/connect.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import type { ScrapeDeps } from '../../shared/scrape/run-scrape.js';
import { runShard } from '../../shared/scrape/shard/run-shard.js';
import { memoryCounterStore } from '../../shared/state/counter-store.js';
import { memoryRoundStore } from '../../shared/state/round-store.js';
import { textOutcome } from '../../shared/runtime/http-get.js';
import { captureSink } from '../support/capture-sink.js';
import { answeringConnection } from '../support/answering-connection.js';

/** A shard's delivery outcomes that need no cluster: the API server here refuses every node read. */
const T = Date.UTC(2026, 0, 1, 12, 0);
const config = parseScrapeConfig({
  SINKS: 'log',
  CLUSTER_NAME: 'prod',
  SHARD_TOPIC: 'projects/my-project/topics/heapster-shards',
});

function refusingConnection(): KubeConnection {
  const list = JSON.stringify({ metadata: {}, items: [] });
  return answeringConnection((path) =>
    path.startsWith('/api/v1/namespaces?')
      ? textOutcome(list)
      : { ok: false, reason: 'http-status', status: 500, message: 'HTTP 500: etcd is down' },
  );
}

function setUp() {
  const sink = captureSink();
  const scrape: ScrapeDeps = {
    log: memoryLogger(),
    now: () => T + 1000,
    connect: async () => refusingConnection(),
    counters: memoryCounterStore(),
    sinks: [sink],
  };
  return { sink, deps: { scrape, rounds: memoryRoundStore() } };
}

const message = {
  cluster: 'prod',
  roundTime: T,
  shard: 'shard-1',
  nodes: ['node-a', 'node-b'],
  deadline: T + 56_000,
};

describe('a shard delivery', () => {
  test('when its nodes cannot be read it writes nothing, gives its claim up and asks to be redelivered', async () => {
    const { sink, deps } = setUp();
    await deps.rounds.open({ roundTime: T, shards: ['shard-0', 'shard-1'], nodes: 4, deadline: T + 56_000 });
    const run = await runShard(config, deps, message, new AbortController().signal);
    assert.equal(run.kind, 'retry');
    assert.match(run.kind === 'retry' ? (run.report.error ?? '') : '', /\/api\/v1\/nodes\/node-a.*HTTP 500/);
    assert.equal(sink.writes.length, 0);
    const record = (await deps.rounds.shards(T)).get('shard-1');
    assert.equal(record?.state, 'claimed');
    assert.equal(record?.leaseUntil, 0);
    assert.match(record?.error ?? '', /HTTP 500/);
    // The redelivery claims it at once, though the first delivery's lease would have lasted the timeout.
    assert.equal(await deps.rounds.claim(T, 'shard-1', T + 2000, 60_000), 'claimed');
  });

  test('a message of another cluster, or of a round never recorded, is acknowledged without work', async () => {
    const { sink, deps } = setUp();
    const signal = new AbortController().signal;
    assert.deepEqual(await runShard(config, deps, { ...message, cluster: 'staging' }, signal), {
      kind: 'skipped',
      reason: 'other-cluster',
    });
    assert.deepEqual(await runShard(config, deps, message, signal), {
      kind: 'skipped',
      reason: 'unknown-round',
    });
    assert.equal(sink.writes.length, 0);
  });
});
