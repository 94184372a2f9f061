import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Fault } from '../sim/faults.js';
import { startSim, type Sim } from '../sim/sim.js';
import { inProcessScraper, INTERVAL_MS } from '../support/in-process-scrape.js';
import { assertExactlyTheTruth, assertNoAbsurdRates, only, pointsOfNode } from './expected/round-checks.js';

/**
 * Bad answers from kubelets: each fault mode of the simulator on some nodes, reached through the API server's
 * node proxy. The failed nodes are named with a clear reason, nothing throws, no rate is negative or absurd,
 * every other node's points are exactly what it served, and the failed nodes' rates resume once they answer.
 */
const NODES = 10;
const BAD = ['node-0001', 'node-0004', 'node-0006', 'node-0009'];
const NODE_TIMEOUT_MS = 1_000;
/** Summaries larger than this are refused; a healthy one here is about 12 KiB. */
const MAX_BODY_BYTES = 256 * 1024;
const SOURCE_OPTIONS = `timeout=${NODE_TIMEOUT_MS}ms&maxBodyBytes=${MAX_BODY_BYTES}&concurrency=4`;

interface FaultCase {
  readonly name: string;
  readonly fault: Fault;
  readonly reason: string;
  readonly message: RegExp;
  readonly status?: number;
}

const CASES: readonly FaultCase[] = [
  {
    name: 'slow beyond the per-node timeout',
    fault: { kind: 'slow', delayMs: 3 * NODE_TIMEOUT_MS },
    reason: 'timeout',
    message: /no complete answer within 1000 ms/,
  },
  {
    name: 'hanging',
    fault: { kind: 'hang' },
    reason: 'timeout',
    message: /no complete answer within 1000 ms/,
  },
  {
    name: 'HTTP 500',
    fault: { kind: 'status', code: 500 },
    reason: 'http-status',
    message: /^HTTP 500: simulated failure/,
    status: 500,
  },
  {
    name: 'HTTP 503',
    fault: { kind: 'status', code: 503 },
    reason: 'http-status',
    message: /^HTTP 503: simulated failure/,
    status: 503,
  },
  // Through the node proxy, a kubelet that drops the connection becomes the API server's 503.
  {
    name: 'connection reset',
    fault: { kind: 'reset' },
    reason: 'http-status',
    message: /^HTTP 503: .*connection reset by peer/,
    status: 503,
  },
  {
    name: 'truncated body',
    fault: { kind: 'truncated' },
    reason: 'connection',
    message: /closed after \d+ bytes of the body/,
  },
  { name: 'malformed JSON', fault: { kind: 'malformed' }, reason: 'bad-body', message: /^not JSON: / },
  {
    name: 'huge body over the size cap',
    fault: { kind: 'huge', bytes: 8 * MAX_BODY_BYTES },
    reason: 'too-large',
    message: new RegExp(`over the ${MAX_BODY_BYTES}-byte limit`),
  },
  {
    name: 'listed but unreachable',
    fault: { kind: 'unreachable' },
    reason: 'http-status',
    message: /^HTTP 503: .*connection refused/,
    status: 503,
  },
];

describe('scrape with faulty kubelets', () => {
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
  beforeEach(async () => {
    for (const name of sim.cluster.nodes.keys()) await sim.setFault(name, undefined);
    sim.clock.advance(INTERVAL_MS);
  });
  after(async () => {
    await sim?.stop();
  });

  for (const c of CASES) {
    test(`${c.name}: reported as ${c.reason}, the other nodes complete, rates resume after`, async () => {
      const scraper = inProcessScraper(sim, SOURCE_OPTIONS);
      const healthy = await scraper.round();
      assert.equal(healthy.report.nodes.failed, 0, JSON.stringify(healthy.report.nodes.failures));

      for (const node of BAD) await sim.setFault(node, c.fault);
      sim.clock.advance(INTERVAL_MS);
      const faulty = await scraper.round();
      // The simulator's malformed answer splices garbage in at a third of the body; when that falls inside
      // a string the result is still JSON (a shorter summary). Only bodies that are not JSON must fail.
      const garbled = BAD.filter((n) => parses(faulty.received.get(n)));
      if (c.fault.kind !== 'malformed') assert.deepEqual(garbled, []);
      const failed = BAD.filter((n) => !garbled.includes(n));
      const { report } = faulty;
      assert.equal(report.status, 200);
      assert.equal(report.severity, 'WARNING');
      assert.deepEqual(
        report.nodes.failures.map((f) => f.node),
        failed,
      );
      for (const failure of report.nodes.failures) {
        assert.equal(failure.reason, c.reason, failure.message);
        assert.match(failure.message, c.message);
        assert.equal(failure.status, c.status);
      }
      assert.equal(report.nodes.ok, NODES - failed.length);
      for (const node of failed) assert.deepEqual(pointsOfNode(faulty.points, node), [], node);
      const aggregates = { aggregates: garbled.length === 0 };
      assertExactlyTheTruth(sim, faulty, healthy.served, (n) => !BAD.includes(n), aggregates);
      assertNoAbsurdRates(faulty.points);

      for (const node of BAD) await sim.setFault(node, undefined);
      sim.clock.advance(INTERVAL_MS);
      const recovered = await scraper.round();
      assert.equal(recovered.report.nodes.failed, 0);
      // The failed nodes kept their counters: their rates span two intervals, from the last summaries they
      // served in full.
      const previous = new Map([
        ...only(faulty.served, (n) => !BAD.includes(n)),
        ...only(healthy.served, (n) => BAD.includes(n)),
      ]);
      assertExactlyTheTruth(sim, recovered, previous, (n) => !garbled.includes(n), aggregates);
      for (const node of failed)
        assert.ok(pointsOfNode(recovered.points, node).some((p) => p.metric === 'cpu/usage_rate'));
      assertNoAbsurdRates(recovered.points);
    });
  }

  test('missing fields: the node answers, its absent stats give no points (never zeros)', async () => {
    const scraper = inProcessScraper(sim, SOURCE_OPTIONS);
    const healthy = await scraper.round();
    const node = 'node-0004';
    await sim.setFault(node, { kind: 'missing-fields' });
    sim.clock.advance(INTERVAL_MS);
    const partial = await scraper.round();
    assert.equal(partial.report.nodes.failed, 0);
    assert.equal(partial.report.status, 200);
    assertExactlyTheTruth(sim, partial, healthy.served, (n) => n !== node, { aggregates: false });
    assertNoAbsurdRates(partial.points);

    const points = pointsOfNode(partial.points, node);
    const of = (type: string, metric: string) =>
      points.filter((p) => p.labels['type'] === type && p.metric === metric);
    // The simulator leaves out the node's memory, every pod's network, the first pod's cpu and the
    // second container's memory.
    for (const metric of [
      'memory/usage',
      'memory/working_set',
      'memory/page_faults_rate',
      'memory/node_utilization',
    ])
      assert.deepEqual(of('node', metric), [], metric);
    assert.deepEqual(of('pod', 'network/rx'), []);
    assert.deepEqual(of('pod', 'network/rx_rate'), []);
    const pods = sim.cluster.nodes.get(node)?.pods.size ?? 0;
    assert.equal(of('pod', 'cpu/usage').length, pods - 1);
    assert.equal(of('pod_container', 'memory/usage').length, pods);
    assert.equal(of('pod_container', 'cpu/usage').length, 2 * pods);
    // What it did serve is still there, with its rates: the node's cpu and network.
    assert.equal(of('node', 'cpu/usage_rate').length, 1);
    assert.equal(of('node', 'network/rx_rate').length, 1);
    assert.ok(points.every((p) => Number.isFinite(p.value) && p.value >= 0));
  });

  test('corrupt values in a valid answer: skipped, counted in the report, never a negative point', async () => {
    const scraper = inProcessScraper(sim, SOURCE_OPTIONS);
    await scraper.round();
    const node = 'node-0005';
    scraper.rewriteSummary = (name, body) => {
      if (name !== node) return body;
      const summary = JSON.parse(body.toString('utf8')) as {
        node: { cpu: { usageCoreNanoSeconds: unknown }; memory: { time: unknown } };
        pods: { containers: { memory: { workingSetBytes: unknown } }[] }[];
      };
      summary.node.cpu.usageCoreNanoSeconds = -1_000_000;
      summary.node.memory.time = 'yesterday';
      (summary.pods[0] as (typeof summary.pods)[0]).containers[0]!.memory.workingSetBytes = 'lots';
      return Buffer.from(JSON.stringify(summary));
    };
    sim.clock.advance(INTERVAL_MS);
    const round = await scraper.round();
    assert.equal(round.report.nodes.failed, 0);
    assert.ok(
      round.report.problems.includes(
        `${node}: 3 stat value(s) not a non-negative number or an RFC 3339 time: ignored`,
      ),
      JSON.stringify(round.report.problems),
    );
    const points = pointsOfNode(round.points, node);
    const nodeLevel = (metric: string) =>
      points.filter((p) => p.labels['type'] === 'node' && p.metric === metric);
    assert.deepEqual(nodeLevel('cpu/usage'), []);
    assert.deepEqual(nodeLevel('cpu/usage_rate'), []);
    assert.deepEqual(nodeLevel('memory/page_faults_rate'), [], 'no rate without a valid stat time');
    assert.equal(nodeLevel('memory/usage').length, 1);
    assert.ok(points.every((p) => Number.isFinite(p.value) && p.value >= 0));
  });
});

function parses(body: Buffer | undefined): boolean {
  if (body === undefined) return false;
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
