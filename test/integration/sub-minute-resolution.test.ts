import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseScrapeConfig, type ScrapeConfig } from '../../shared/config/scrape-config.js';
import { connect } from '../../shared/kube/connect.js';
import type { Batch } from '../../shared/metrics/model.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import { runRounds, type RoundEntry, type RoundsReport } from '../../shared/scrape/run-rounds.js';
import type { ScrapeDeps } from '../../shared/scrape/run-scrape.js';
import type { MetricSink } from '../../shared/sinks/sink.js';
import { memoryCounterStore } from '../../shared/state/counter-store.js';
import { startSim, type Sim } from '../sim/sim.js';
import type { SummaryJson } from '../sim/truth.js';
import { captureSink, type CaptureSink } from '../support/capture-sink.js';
import { clusterObjects, servedSummaries } from '../support/in-process-scrape.js';
import { differences } from './expected/compare.js';
import { expectedPoints } from './expected/heapster-points.js';
import type { ClusterObjects } from './expected/object-labels.js';

/**
 * RESOLUTION below INTERVAL against the simulator: one invocation runs a round per slot, each stamped with its
 * slot time, rates between consecutive rounds exactly the simulator's truth, a slow round cut at its slot's end,
 * and a round that cannot start in its slot skipped. The simulator's clock stands in for waiting: the rounds'
 * sleeps step it forward instead of passing real time.
 */
const NODES = 5;

interface Invocation {
  report: RoundsReport;
  /** Per round that ran, in order: what the sink got, the batch time, and what each node served. */
  rounds: {
    entry: RoundEntry;
    points: CaptureSink['writes'][number];
    batchTime: number;
    served: Map<string, SummaryJson>;
    objects: ClusterObjects;
  }[];
}

describe('sub-minute resolution', () => {
  let sim: Sim;
  before(async () => {
    sim = await startSim({
      nodes: NODES,
      podsPerNode: 4,
      containersPerPod: 2,
      kubeletHttpPort: 0,
      kubeletHttpsPort: 0,
    });
  });
  after(async () => {
    await sim?.stop();
  });

  const configFor = (env: Record<string, string>): ScrapeConfig =>
    parseScrapeConfig({
      SOURCES: `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false&timeout=2s&concurrency=4`,
      SINKS: 'log',
      CLUSTER_NAME: 'resolution',
      STATE_STORE: 'memory',
      INTERVAL: '60s',
      RESOLUTION: '15s',
      FUNCTION_TIMEOUT: '70s',
      ...env,
    });

  /** Runs one invocation; `onRound` may change the cluster or the clock between rounds. */
  async function invoke(
    config: ScrapeConfig,
    scheduleTime: number,
    options: { counters?: ReturnType<typeof memoryCounterStore>; onRound?: (entry: RoundEntry) => void } = {},
  ): Promise<Invocation> {
    const sink = captureSink();
    const batchTimes: number[] = [];
    const timed: MetricSink = {
      name: sink.name,
      write: (batch: Batch, signal: AbortSignal) => {
        batchTimes.push(batch.timestamp);
        return sink.write(batch, signal);
      },
      close: () => sink.close(),
    };
    const deps: ScrapeDeps = {
      log: memoryLogger(),
      now: () => sim.clock.now(),
      connect: (source) => connect(source, { env: {} }),
      counters: options.counters ?? memoryCounterStore(),
      sinks: [timed],
    };
    const rounds: Invocation['rounds'] = [];
    const report = await runRounds(config, deps, {
      scheduleTime,
      signal: new AbortController().signal,
      shard: 'all',
      sleep: async (ms) => sim.clock.advance(ms),
      onRound: (entry) => {
        if (entry.outcome === 'ran') {
          rounds.push({
            entry,
            points: sink.writes.at(-1) ?? new Map(),
            batchTime: batchTimes.at(-1) ?? Number.NaN,
            served: servedSummaries(sim),
            objects: clusterObjects(sim),
          });
        }
        options.onRound?.(entry);
      },
    });
    return { report, rounds };
  }

  /** The slot times an invocation must use: the schedule's interval start, then every step. */
  const slotsOf = (scheduleTime: number, count: number, stepMs: number): string[] => {
    const intervalStart = scheduleTime - (scheduleTime % (count * stepMs));
    return Array.from({ length: count }, (_, k) => new Date(intervalStart + k * stepMs).toISOString());
  };

  test('four rounds a minute, each stamped with its slot, rates between consecutive rounds exactly the truth', async () => {
    sim.clock.advance(60_000);
    const scheduleTime = sim.clock.now() - 2_000;
    const { report, rounds } = await invoke(configFor({}), scheduleTime);

    assert.equal(report.status, 200);
    assert.deepEqual(
      report.rounds.map((r) => [r.outcome, r.slotTime]),
      slotsOf(scheduleTime, 4, 15_000).map((t) => ['ran', t]),
    );
    assert.equal(rounds.length, 4);
    rounds.forEach((round, k) => {
      assert.equal(
        round.batchTime,
        Date.parse(slotsOf(scheduleTime, 4, 15_000)[k] as string),
        `round ${k}'s points carry its slot time`,
      );
      assert.ok(round.entry.outcome === 'ran' && round.entry.withinSlot, `round ${k} within its slot`);
      assert.equal(round.served.size, NODES);
      const expected = expectedPoints({
        current: round.served,
        previous: k === 0 ? undefined : rounds[k - 1]?.served,
        cluster: sim.cluster,
        objects: round.objects,
        roundTime: round.batchTime,
        clusterName: 'resolution',
      });
      const found = differences(round.points, expected);
      if (found.length > 0) assert.fail(`round ${k}:\n${found.join('\n')}`);
    });
    // The sub-rounds' rates are the containers' configured loads: 15 s apart, not a minute.
    const last = rounds[3];
    assert.ok(last !== undefined);
    const pod = [...sim.cluster.pods.values()][1];
    assert.ok(pod !== undefined);
    const container = pod.containers[0]?.name as string;
    const rate = [...last.points.values()].find(
      (p) =>
        p.metric === 'cpu/usage_rate' &&
        p.labels['pod_id'] === pod.uid &&
        p.labels['container_name'] === container,
    );
    assert.ok(rate !== undefined, 'a cpu/usage_rate for the container');
    assert.ok(Math.abs(rate.value - sim.truth.containerMillicores(pod.uid, container)) <= 1, `${rate.value}`);
  });

  test('a slow round is cut at its slot end: nodes not collected by then fail, the rest are written, the next round runs on time', async () => {
    sim.clock.advance(60_000);
    // 5 s slots: 4 s of collecting. Two nodes answering after 3 s each, one request at a time, cannot both fit.
    const config = configFor({
      INTERVAL: '20s',
      RESOLUTION: '5s',
      FUNCTION_TIMEOUT: '30s',
      SOURCES: `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false&timeout=3500ms&concurrency=1`,
    });
    const slow = ['node-0000', 'node-0001'];
    for (const node of slow) await sim.setFault(node, { kind: 'slow', delayMs: 3_000 });
    const scheduleTime = sim.clock.now();
    let cleared: Promise<void> | undefined;
    const { report, rounds } = await invoke(config, scheduleTime, {
      onRound: (entry) => {
        if (entry.slot === 0)
          cleared = Promise.all(slow.map((n) => sim.setFault(n, undefined))).then(() => undefined);
      },
    });
    await cleared;

    const first = report.rounds[0];
    assert.ok(first?.outcome === 'ran');
    assert.ok(first.endMs <= 5_000, `the slow round ended ${first.endMs} ms into its 5 s slot`);
    assert.ok(first.endMs >= 3_500, `it collected until its deadline (${first.endMs} ms)`);
    assert.equal(first.report.nodes.total, NODES);
    assert.ok(first.report.nodes.failed >= 1, 'a slow node missed the deadline');
    const failedNodes = first.report.nodes.failures.map((f) => f.node);
    // One request at a time: whatever queued behind the slow nodes when collecting stopped failed with them.
    assert.ok(
      slow.some((n) => failedNodes.includes(n)),
      `a slow node among the failed: ${failedNodes.join(', ')}`,
    );
    assert.ok(failedNodes.length < NODES, 'the round still wrote some nodes');
    const written = new Set([...(rounds[0]?.points.values() ?? [])].map((p) => p.labels['nodename']));
    for (const node of sim.cluster.nodes.keys())
      if (!failedNodes.includes(node)) assert.ok(written.has(node), `${node} written in the slow round`);
    assert.deepEqual(
      report.rounds.map((r) => [r.outcome, r.slotTime]),
      slotsOf(scheduleTime, 4, 5_000).map((t) => ['ran', t]),
    );
    for (const r of report.rounds.slice(1)) {
      assert.ok(r.outcome === 'ran');
      assert.equal(r.startMs, 0, `round ${r.slot} started as its slot opened`);
      assert.equal(r.report.nodes.failed, 0);
    }
  });

  test('a round that cannot start in its slot is skipped; the next rounds keep their own slot times and rates', async () => {
    sim.clock.advance(60_000);
    const scheduleTime = sim.clock.now();
    // Round 0 takes (in simulated time) until 22 s into the invocation: slot 1 opened at 15 s and can
    // start at most 6 s in (half its 12 s of collecting), so it is skipped; slot 2 opens at 30 s.
    const { report, rounds } = await invoke(configFor({}), scheduleTime, {
      onRound: (entry) => {
        if (entry.slot === 0) sim.clock.advance(22_000);
      },
    });
    const slots = slotsOf(scheduleTime, 4, 15_000);
    assert.deepEqual(
      report.rounds.map((r) => [r.outcome, r.slotTime]),
      [
        ['ran', slots[0]],
        ['skipped', slots[1]],
        ['ran', slots[2]],
        ['ran', slots[3]],
      ],
    );
    const skipped = report.rounds[1];
    assert.ok(skipped?.outcome === 'skipped');
    assert.match(skipped.reason, /into its 15000 ms slot/);
    assert.equal(report.status, 200);
    assert.equal(report.severity, 'WARNING');
    // Slot 2's rates are against slot 0, the last round that ran.
    const [r0, r2] = rounds;
    assert.ok(r0 !== undefined && r2 !== undefined);
    assert.equal(r2.batchTime, Date.parse(slots[2] as string));
    const found = differences(
      r2.points,
      expectedPoints({
        current: r2.served,
        previous: r0.served,
        cluster: sim.cluster,
        objects: r2.objects,
        roundTime: r2.batchTime,
        clusterName: 'resolution',
      }),
    );
    if (found.length > 0) assert.fail(found.join('\n'));
  });

  test('a retried invocation (same schedule time) writes the same slot times again', async () => {
    sim.clock.advance(60_000);
    const scheduleTime = sim.clock.now() - 5_000;
    const counters = memoryCounterStore();
    const first = await invoke(configFor({}), scheduleTime, { counters });
    const retry = await invoke(configFor({}), scheduleTime, { counters });
    const times = (i: Invocation): number[] => i.rounds.map((r) => r.batchTime);
    assert.deepEqual(times(retry), times(first));
    assert.deepEqual(
      times(first),
      slotsOf(scheduleTime, 4, 15_000).map((t) => Date.parse(t)),
    );
  });
});
