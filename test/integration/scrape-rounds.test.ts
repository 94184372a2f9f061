import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { SimPod } from '../sim/cluster.js';
import { startSim, type Sim } from '../sim/sim.js';
import { SINK_BEHAVIOURS, type SinkBehaviour } from '../support/capture-sink.js';
import { inProcessScraper, INTERVAL_MS } from '../support/in-process-scrape.js';
import type { LoggedPoint } from '../support/point-lines.js';
import { assertExactlyTheTruth, assertNoAbsurdRates, pointsOfNode } from './expected/round-checks.js';

/**
 * Rounds where the cluster or the run itself changes under the scraper: a container restart (a counter
 * reset), a pod gone between the list and the scrape, a node new since the last round, an API server that
 * refuses lists, sinks that all fail (and the scheduler's retry), and the run's deadline.
 */
const NODES = 8;
const SOURCE_OPTIONS = 'timeout=2s&concurrency=4';

describe('scrape rounds while things change', () => {
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
  beforeEach(() => sim.clock.advance(INTERVAL_MS));
  after(async () => {
    await sim?.stop();
  });

  const workloadPod = (node: string): SimPod => {
    const pod = [...(sim.cluster.nodes.get(node)?.pods.values() ?? [])].find(
      (p) => p.namespace !== 'kube-system',
    );
    assert.ok(pod !== undefined, `a workload pod on ${node}`);
    return pod;
  };
  const ofContainer = (points: ReadonlyMap<string, LoggedPoint>, pod: SimPod, container: string) =>
    [...points.values()].filter(
      (p) =>
        p.labels['pod_id'] === pod.uid &&
        p.labels['container_name'] === container &&
        p.labels['type'] === 'pod_container',
    );
  const metrics = (points: LoggedPoint[]) => points.map((p) => p.metric).sort();

  test('a container restart: no rate for it that round, the others unaffected, rates again the round after', async () => {
    const scraper = inProcessScraper(sim, SOURCE_OPTIONS);
    const first = await scraper.round();
    const pod = workloadPod('node-0001');
    const name = (pod.containers[0] as { name: string }).name;
    const before = ofContainer(first.points, pod, name).find((p) => p.metric === 'cpu/usage')?.value ?? 0;
    sim.cluster.restartContainer(pod.uid, name);

    sim.clock.advance(INTERVAL_MS);
    const restarted = await scraper.round();
    assert.equal(restarted.report.counterResets, 1);
    assert.equal(restarted.report.nodes.failed, 0);
    assertExactlyTheTruth(sim, restarted, first.served, () => true);
    assertNoAbsurdRates(restarted.points);
    const points = ofContainer(restarted.points, pod, name);
    assert.deepEqual(
      metrics(points).filter((m) => m.endsWith('_rate')),
      [],
    );
    const cpu = points.find((p) => p.metric === 'cpu/usage')?.value ?? NaN;
    assert.ok(cpu < before, `the counter started again: ${cpu} after ${before}`);
    assert.equal(points.find((p) => p.metric === 'restart_count')?.value, 1);
    // The pod lives on: its own counters did not reset.
    const podRate = [...restarted.points.values()].find(
      (p) => p.labels['pod_id'] === pod.uid && p.labels['type'] === 'pod' && p.metric === 'cpu/usage_rate',
    );
    assert.ok(podRate !== undefined);

    sim.clock.advance(INTERVAL_MS);
    const next = await scraper.round();
    assert.equal(next.report.counterResets, 0);
    assertExactlyTheTruth(sim, next, restarted.served, () => true);
    assert.deepEqual(
      metrics(ofContainer(next.points, pod, name)).filter((m) => m.endsWith('_rate')),
      ['cpu/usage_rate', 'memory/major_page_faults_rate', 'memory/page_faults_rate'],
    );
  });

  test('a pod deleted between the list and the scrape: no points for it, no crash, the rest exact', async () => {
    const scraper = inProcessScraper(sim, SOURCE_OPTIONS);
    const first = await scraper.round();
    const victim = workloadPod('node-0003');
    scraper.beforeFirstSummary = () => {
      // Discovery has listed the pod; its kubelet no longer runs it.
      sim.cluster.deletePod(victim.uid);
    };
    sim.clock.advance(INTERVAL_MS);
    const round = await scraper.round();
    assert.equal(round.report.status, 200);
    assert.equal(round.report.nodes.failed, 0);
    assert.deepEqual(
      [...round.points.values()].filter((p) => p.labels['pod_id'] === victim.uid),
      [],
    );
    assertExactlyTheTruth(sim, round, first.served, () => true);
    assertNoAbsurdRates(round.points);
  });

  test('a node new since the last round: counted, no rates on first sight, rates the round after', async () => {
    const scraper = inProcessScraper(sim, SOURCE_OPTIONS);
    const first = await scraper.round();
    const added = sim.cluster.addNode();
    try {
      await until(() => sim.kubelets.port(added.name) !== 0);
      sim.clock.advance(INTERVAL_MS);
      const round = await scraper.round();
      assert.equal(round.report.nodes.total, sim.cluster.nodes.size);
      assert.equal(round.report.nodes.failed, 0);
      assertExactlyTheTruth(sim, round, first.served, () => true);
      const fresh = pointsOfNode(round.points, added.name);
      assert.ok(fresh.some((p) => p.metric === 'cpu/usage'));
      assert.deepEqual(
        fresh.filter((p) => p.metric.endsWith('_rate')),
        [],
      );

      sim.clock.advance(INTERVAL_MS);
      const next = await scraper.round();
      assertExactlyTheTruth(sim, next, round.served, () => true);
      assert.ok(pointsOfNode(next.points, added.name).some((p) => p.metric === 'cpu/usage_rate'));
      assertNoAbsurdRates(next.points);
    } finally {
      sim.cluster.removeNode(added.name);
    }
  });

  for (const code of [503, 429]) {
    test(`the API server answering ${code} to lists: the round reports it and answers 503, writing nothing`, async () => {
      const scraper = inProcessScraper(sim, SOURCE_OPTIONS);
      await scraper.round();
      const kept = await scraper.counters.load('all');
      sim.apiServer.setApiFault({ kind: 'status', code, ...(code === 429 ? { retryAfterSeconds: 2 } : {}) });
      try {
        sim.clock.advance(INTERVAL_MS);
        const round = await scraper.round();
        assert.equal(round.report.status, 503);
        assert.equal(round.report.severity, 'ERROR');
        assert.match(
          round.report.error ?? '',
          new RegExp(`^listing /api/v1/(nodes|pods|namespaces) failed \\(http-status\\): HTTP ${code}`),
        );
        assert.equal(round.report.nodes.total, 0);
        assert.equal(scraper.sink.writes.length, 1, 'only the first round was written');
        assert.deepEqual(await scraper.counters.load('all'), kept);
      } finally {
        sim.apiServer.setApiFault(undefined);
      }
    });
  }

  for (const behaviour of SINK_BEHAVIOURS.filter(
    (b): b is Exclude<SinkBehaviour, 'accept'> => b !== 'accept',
  )) {
    test(`every sink failing (${behaviour}): 503, counters kept, the retry writes the same rates`, async () => {
      const scraper = inProcessScraper(sim, SOURCE_OPTIONS);
      const first = await scraper.round();
      const kept = await scraper.counters.load('all');
      scraper.sink.behaviour = behaviour;
      sim.clock.advance(INTERVAL_MS);
      const failed = await scraper.round();
      assert.equal(failed.report.status, 503);
      assert.equal(failed.report.severity, 'ERROR');
      assert.ok(failed.report.sinks[0]?.error, JSON.stringify(failed.report.sinks));
      assert.equal(failed.report.state.savedDocuments, undefined);
      assert.deepEqual(await scraper.counters.load('all'), kept, 'a round to be retried saves no counters');
      // The sink was handed the round, rates included, before it failed.
      assertExactlyTheTruth(sim, failed, first.served, () => true);

      // Cloud Scheduler retries the same round (same schedule time) a little later.
      scraper.sink.behaviour = 'accept';
      const retry = await scraper.round({ roundTime: failed.roundTime });
      assert.equal(retry.report.status, 200);
      assert.equal(retry.report.roundTime, failed.report.roundTime);
      assertExactlyTheTruth(sim, retry, first.served, () => true);
      const rates = (points: ReadonlyMap<string, LoggedPoint>) =>
        [...points].filter(([, p]) => p.metric.endsWith('_rate'));
      const failedRates = rates(failed.points);
      assert.ok(failedRates.length > 0);
      assert.deepEqual(
        rates(retry.points).map(([key]) => key),
        failedRates.map(([key]) => key),
      );
      for (const [key, p] of failedRates) {
        const again = retry.points.get(key)?.value ?? NaN;
        // Same counters before, the same loads since: equal up to the counters' whole units.
        const tolerance = p.metric === 'cpu/usage_rate' ? 1 : 1 / (INTERVAL_MS / 1000) + 1e-9;
        assert.ok(Math.abs(again - p.value) <= tolerance, `${key}: ${p.value} then ${again}`);
      }
      assert.notDeepEqual(await scraper.counters.load('all'), kept, 'the retry saved its counters');
    });
  }

  test('the run deadline: unfinished nodes are reported as aborted and the answer still comes', async () => {
    const scraper = inProcessScraper(sim, SOURCE_OPTIONS);
    const first = await scraper.round();
    const stuck = ['node-0002', 'node-0005'];
    for (const node of stuck) await sim.setFault(node, { kind: 'hang' });
    try {
      const deadlineMs = 600;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error('run deadline reached')), deadlineMs);
      sim.clock.advance(INTERVAL_MS);
      const round = await scraper.round({ signal: controller.signal });
      clearTimeout(timer);
      assert.ok(
        round.elapsedMs >= deadlineMs - 50 && round.elapsedMs < deadlineMs + 1000,
        `${round.elapsedMs} ms`,
      );
      assert.equal(round.report.status, 200);
      assert.deepEqual(
        round.report.nodes.failures.map((f) => [f.node, f.reason]),
        stuck.map((n) => [n, 'aborted']),
      );
      assert.equal(round.report.nodes.ok, NODES - stuck.length);
      assertExactlyTheTruth(sim, round, first.served, (n) => !stuck.includes(n));
    } finally {
      for (const node of stuck) await sim.setFault(node, undefined);
    }
  });
});

async function until(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
