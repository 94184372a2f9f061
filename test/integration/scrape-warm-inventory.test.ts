import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseScrapeConfig } from '../../shared/config/scrape-config.js';
import type { SummaryApiSource } from '../../shared/config/source-uri.js';
import { connect } from '../../shared/kube/connect.js';
import { inventoryCache } from '../../shared/kube/inventory-cache.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import { alignRound, runScrape, type ScrapeDeps } from '../../shared/scrape/run-scrape.js';
import { memoryCounterStore } from '../../shared/state/counter-store.js';
import { startSim, type Sim } from '../sim/sim.js';
import { captureSink } from '../support/capture-sink.js';
import { clusterObjects, servedSummaries, type ScrapedRound } from '../support/in-process-scrape.js';
import { assertExactlyTheTruth, assertNoAbsurdRates, pointsOfNode } from './expected/round-checks.js';

/**
 * Rounds of one warm instance, which keeps its inventory between rounds and catches it up by watch: pods,
 * containers and nodes that change between rounds are enriched from their new state, exactly as a round that
 * lists the cluster would enrich them.
 */
const INTERVAL_MS = 60_000;

describe('scrape rounds of a warm instance (inventory kept between rounds)', () => {
  let sim: Sim;
  before(async () => {
    sim = await startSim({
      nodes: 4,
      podsPerNode: 4,
      containersPerPod: 2,
      kubeletHttpPort: 0,
      kubeletHttpsPort: 0,
    });
  });
  after(async () => {
    await sim?.stop();
  });

  test('new pods, restarted containers, deleted pods and new nodes are enriched from the caught-up inventory', async () => {
    const config = parseScrapeConfig({
      SOURCES: `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false&concurrency=4`,
      SINKS: 'log',
      CLUSTER_NAME: 'warm',
      INTERVAL: `${INTERVAL_MS / 1000}s`,
      STATE_STORE: 'memory',
    });
    const sink = captureSink();
    const deps: ScrapeDeps = {
      log: memoryLogger(),
      now: Date.now,
      counters: memoryCounterStore(),
      sinks: [sink],
      connect: (source: SummaryApiSource) => connect(source, { env: {} }),
      inventory: inventoryCache(),
    };
    const round = async (): Promise<ScrapedRound> => {
      const roundTime = alignRound(sim.clock.now(), INTERVAL_MS);
      const started = Date.now();
      const report = await runScrape(config, deps, {
        roundTime,
        signal: new AbortController().signal,
        shard: 'all',
      });
      return {
        roundTime,
        report,
        points: sink.writes.at(-1) ?? new Map(),
        served: servedSummaries(sim),
        received: new Map(),
        objects: clusterObjects(sim),
        elapsedMs: Date.now() - started,
      };
    };

    const first = await round();
    assert.equal(first.report.status, 200);
    assert.deepEqual(
      first.report.inventory?.listed.map((l) => l.resource),
      ['nodes', 'pods', 'namespaces'],
    );
    assertExactlyTheTruth(sim, first, undefined, () => true);

    // Between the rounds: a new pod (with its own labels, requests and limits), a container restart (the
    // pod's restartCount changes), a pod deleted, and a new node with its system pods.
    const node = sim.cluster.nodes.get('node-0001');
    assert.ok(node !== undefined);
    const added = sim.cluster.addPod(node, 'default');
    const workload = [...sim.cluster.pods.values()].filter(
      (p) => p.namespace !== 'kube-system' && p.uid !== added.uid,
    );
    const [restarted, deleted] = workload;
    assert.ok(restarted !== undefined && deleted !== undefined);
    const container = (restarted.containers[0] as { name: string }).name;
    sim.cluster.restartContainer(restarted.uid, container);
    sim.cluster.deletePod(deleted.uid);
    const newNode = sim.cluster.addNode();
    try {
      await until(() => sim.kubelets.port(newNode.name) !== 0);
      sim.clock.advance(INTERVAL_MS);
      const second = await round();
      assert.equal(second.report.status, 200);
      assert.equal(second.report.nodes.failed, 0);
      assert.deepEqual(second.report.inventory?.listed, []);
      assert.ok((second.report.inventory?.changes ?? 0) >= 4);
      assertExactlyTheTruth(sim, second, first.served, () => true);
      assertNoAbsurdRates(second.points);
      const ofAdded = [...second.points.values()].filter((p) => p.labels['pod_id'] === added.uid);
      assert.ok(ofAdded.some((p) => p.metric === 'cpu/request' && p.labels['type'] === 'pod_container'));
      assert.ok(ofAdded.every((p) => p.labels['labels'] !== undefined && p.labels['labels'] !== ''));
      const restarts = [...second.points.values()].find(
        (p) =>
          p.labels['pod_id'] === restarted.uid &&
          p.labels['container_name'] === container &&
          p.metric === 'restart_count',
      );
      assert.equal(restarts?.value, 1);
      assert.deepEqual(
        [...second.points.values()].filter((p) => p.labels['pod_id'] === deleted.uid),
        [],
      );
      assert.ok(pointsOfNode(second.points, newNode.name).some((p) => p.metric === 'cpu/usage'));

      sim.clock.advance(INTERVAL_MS);
      const third = await round();
      assert.deepEqual(third.report.inventory, { listed: [], changes: 0 });
      assertExactlyTheTruth(sim, third, second.served, () => true);
    } finally {
      sim.cluster.removeNode(newNode.name);
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
