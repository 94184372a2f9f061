import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Firestore } from '@google-cloud/firestore';
import { COLUMNS, ROW_WIDTH } from '../../shared/metrics/derive.js';
import { decodeCounters } from '../../shared/metrics/counter-state.js';
import { startSim, type Sim } from '../sim/sim.js';
import type { SummaryJson } from '../sim/truth.js';
import {
  startFirestoreEmulator,
  type FirestoreEmulator,
  emulatorFirestore,
} from '../support/firestore-emulator.js';
import { startFunctionsFramework, type ScheduledCall } from '../support/functions-framework.js';
import { pointKey, pointsByKey, type LoggedPoint } from '../support/point-lines.js';
import { countPerType, differences } from './expected/compare.js';
import { expectedPoints, type ExpectedPoint } from './expected/heapster-points.js';
import { objectLabels, type ClusterObjects } from './expected/object-labels.js';
import { expectedPointsPerType } from './expected/series-count.js';
import { asSummary } from './expected/summary-json.js';
import { clusterObjects } from '../support/in-process-scrape.js';

/**
 * The acceptance test of the scrape function: the real Functions Framework CLI serving functions/scrape,
 * called as Cloud Scheduler calls it, against a simulated 50-node cluster, with its counters in the Firestore
 * emulator. Every point of both rounds is compared with what the simulator's truth implies.
 */
const NODES = 50;
const PODS_PER_NODE = 30;
const CONTAINERS_PER_POD = 2;
const INTERVAL_MS = 60_000;
const CLUSTER = 'sim-e2e';
const PROJECT = 'demo-heapster-e2e';
/** The scheduler's header can come a little after the minute; the round is still the minute's. */
const SCHEDULER_LATENESS_MS = 1_500;

interface Round {
  readonly roundTime: number;
  readonly call: ScheduledCall;
  readonly points: Map<string, LoggedPoint>;
  /** Structured (JSON) log lines the process wrote during the round. */
  readonly logEntries: Record<string, unknown>[];
  readonly served: Map<string, SummaryJson>;
  readonly summariesServed: number;
  /** The counter documents in Firestore right after the round. */
  readonly documents: Record<string, unknown>[];
  /** What the process wrote to stderr (Cloud Logging would file it as unstructured error output). */
  readonly stderr: string;
}

describe(`scrape function through the Functions Framework (${NODES} nodes x ${PODS_PER_NODE} pods x ${CONTAINERS_PER_POD} containers)`, () => {
  let sim: Sim;
  let emulator: FirestoreEmulator;
  let db: Firestore;
  let objects: ClusterObjects;
  const rounds: Round[] = [];

  before(async () => {
    [sim, emulator] = await Promise.all([
      startSim({
        nodes: NODES,
        podsPerNode: PODS_PER_NODE,
        containersPerPod: CONTAINERS_PER_POD,
        kubeletHttpPort: 0,
        kubeletHttpsPort: 0,
        // Some GPU containers, so the accelerator metrics are compared too.
        acceleratorEvery: 13,
      }),
      startFirestoreEmulator(),
    ]);
    db = emulatorFirestore(emulator.host, PROJECT);
    objects = clusterObjects(sim);
    const env = {
      SOURCES: `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false`,
      SINKS: 'log?points=true',
      CLUSTER_NAME: CLUSTER,
      INTERVAL: '60s',
      FUNCTION_TIMEOUT: '60s',
      STATE_STORE: 'firestore',
      FIRESTORE_EMULATOR_HOST: emulator.host,
      GOOGLE_CLOUD_PROJECT: PROJECT,
      METADATA_SERVER_DETECTION: 'none',
    };
    const first = Math.floor(sim.clock.now() / INTERVAL_MS) * INTERVAL_MS;
    // Each round runs in a fresh instance (as Cloud Functions may), so the second round's rates can only
    // come from the counters the first one left in Firestore.
    for (const roundTime of [first, first + INTERVAL_MS]) {
      if (roundTime !== first) sim.clock.advance(INTERVAL_MS);
      const ff = await startFunctionsFramework({
        target: 'scrape',
        source: 'functions/scrape/index.ts',
        env,
      });
      try {
        ff.takeLines();
        const servedBefore = sim.kubelets.servedSummaries;
        const call = await ff.schedule(new Date(roundTime + SCHEDULER_LATENESS_MS));
        // The report line is written after every point line: once it is read, the round's output is complete.
        await ff.waitForLine((l) => l.startsWith('{') && l.includes('"scrape round '));
        const lines = ff.takeLines();
        const served = new Map<string, SummaryJson>();
        for (const name of sim.cluster.nodes.keys()) served.set(name, sim.truth.summary(name));
        const snapshot = await db.collection(`heapster/${CLUSTER}/counters`).get();
        rounds.push({
          roundTime,
          call,
          points: pointsByKey(lines),
          logEntries: lines
            .filter((l) => l.startsWith('{'))
            .map((l) => JSON.parse(l) as Record<string, unknown>),
          served,
          summariesServed: sim.kubelets.servedSummaries - servedBefore,
          documents: snapshot.docs.map((d) => ({ id: d.id, ...d.data() })),
          stderr: ff.stderr(),
        });
      } finally {
        await ff.stop();
      }
    }
  });

  after(async () => {
    await db?.terminate();
    await Promise.all([sim?.stop(), emulator?.stop()]);
  });

  const expectation = (i: number): Map<string, ExpectedPoint> =>
    expectedPoints({
      current: (rounds[i] as Round).served,
      previous: i === 0 ? undefined : (rounds[i - 1] as Round).served,
      cluster: sim.cluster,
      objects,
      roundTime: (rounds[i] as Round).roundTime,
      clusterName: CLUSTER,
    });

  test('each round fetched every node once, through the API server node proxy', () => {
    assert.equal(rounds.length, 2);
    for (const round of rounds) assert.equal(round.summariesServed, NODES);
  });

  test('the first round writes every point the truth implies, and no rate (first sight)', () => {
    const round = rounds[0] as Round;
    assert.deepEqual(differences(round.points, expectation(0)), []);
    assert.deepEqual(countPerType(round.points.values()), expectedPointsPerType(sim.cluster, false));
  });

  test("the second round's points equal the truth for every metric, level and label, rates included", () => {
    const round = rounds[1] as Round;
    const expected = expectation(1);
    assert.deepEqual(differences(round.points, expected), []);
    const rates = [...expected.values()].filter((p) => p.metric.endsWith('_rate'));
    assert.ok(rates.length > 10 * NODES * PODS_PER_NODE, `${rates.length} rates expected`);
  });

  test('the series count per type is exactly what the cluster implies', () => {
    const round = rounds[1] as Round;
    const perType = expectedPointsPerType(sim.cluster, true);
    assert.deepEqual(countPerType(round.points.values()), perType);
    const report = round.call.body as { pointsPerType: Record<string, number>; points: number };
    assert.deepEqual(report.pointsPerType, perType);
    assert.equal(report.points, round.points.size);
  });

  test('rates come to the loads the simulator runs (cpu, page faults, network)', () => {
    const round = rounds[1] as Round;
    const labels = objectLabels(objects, CLUSTER);
    // Counters are served as whole numbers, so each end of a rate is off by less than one unit; the stats
    // of the two rounds are at least an interval apart (their times only move in whole stat windows).
    const counterSlack = 1 / (INTERVAL_MS / 1000) + 1e-9;
    const near = (metric: string, entity: Record<string, string>, model: number, tolerance: number): void => {
      const key = pointKey(metric, entity);
      const got = round.points.get(key);
      assert.ok(got !== undefined, `no point ${key}`);
      assert.ok(
        Math.abs(got.value - model) <= tolerance,
        `${key}: ${got.value}, the simulator runs ${model}`,
      );
    };
    let containers = 0;
    for (const node of sim.cluster.nodes.values()) {
      const nodeLabels = labels.node(node.name);
      near('cpu/usage_rate', nodeLabels, node.cpu.rate / 1e6, 1);
      near('network/rx_rate', nodeLabels, node.rx.rate, counterSlack);
      near('network/tx_rate', nodeLabels, node.tx.rate, counterSlack);
      for (const sys of node.systemContainers)
        near('cpu/usage_rate', labels.sysContainer(node.name, sys.name), sys.cpu.rate / 1e6, 1);
      for (const pod of node.pods.values()) {
        const podLabels = labels.pod(pod.uid);
        near('cpu/usage_rate', podLabels, pod.cpu.rate / 1e6, 1);
        near('network/rx_rate', podLabels, pod.rx.rate, counterSlack);
        near('network/rx_errors_rate', podLabels, pod.rxErrors.rate, counterSlack);
        near('memory/page_faults_rate', podLabels, pod.pageFaults.rate, counterSlack);
        for (const c of pod.containers) {
          const containerLabels = labels.container(pod.uid, c.name);
          near('cpu/usage_rate', containerLabels, sim.truth.containerMillicores(pod.uid, c.name), 1);
          near('memory/page_faults_rate', containerLabels, c.pageFaults.rate, counterSlack);
          near('memory/major_page_faults_rate', containerLabels, c.majorPageFaults.rate, counterSlack);
          containers++;
        }
      }
    }
    assert.equal(containers, NODES * PODS_PER_NODE * CONTAINERS_PER_POD);
  });

  test('the counters round-trip through Firestore: a few documents holding exactly the served counters', () => {
    const cpuColumn = COLUMNS.indexOf('cpu/usage');
    for (const round of rounds) {
      assert.equal(round.documents.length, 1, 'one document holds 50 nodes');
      const doc = round.documents[0] as {
        id: string;
        shard: string;
        roundTime: number;
        nodes: string[];
        states: Buffer[];
      };
      assert.equal(doc.id, 'all-0');
      assert.equal(doc.shard, 'all');
      assert.equal(doc.roundTime, round.roundTime);
      assert.deepEqual(doc.nodes, [...sim.cluster.nodes.keys()].sort());
      doc.nodes.forEach((node, i) => {
        const decoded = decodeCounters(new Uint8Array(doc.states[i] as Buffer));
        assert.ok(decoded.ok, `${node}: ${decoded.ok ? '' : decoded.error}`);
        const stored = [];
        for (let r = 0; r < decoded.counters.keys.length; r++)
          stored.push(decoded.counters.rows[r * ROW_WIDTH + cpuColumn] as number);
        const s = asSummary(round.served.get(node) as SummaryJson);
        const servedCpu = [
          s.node.cpu.usageCoreNanoSeconds,
          ...s.node.systemContainers.map((c) => c.cpu.usageCoreNanoSeconds),
          ...s.pods.flatMap((p) => [
            p.cpu.usageCoreNanoSeconds,
            ...p.containers.map((c) => c.cpu.usageCoreNanoSeconds),
          ]),
        ];
        const order = (a: number, b: number): number => a - b;
        assert.deepEqual(stored.sort(order), servedCpu.sort(order), node);
      });
    }
  });

  test('each call answers 200 with the JSON report of its round', () => {
    for (const round of rounds) {
      const { call } = round;
      assert.equal(call.status, 200);
      assert.match(call.contentType, /^application\/json/);
      const report = call.body as Record<string, unknown>;
      assert.equal(report['cluster'], CLUSTER);
      assert.equal(report['shard'], 'all');
      assert.equal(report['roundTime'], new Date(round.roundTime).toISOString());
      assert.deepEqual(report['nodes'], { total: NODES, ok: NODES, failed: 0, failures: [] });
      assert.equal(report['pods'], NODES * PODS_PER_NODE);
      assert.equal(report['points'], round.points.size);
      assert.deepEqual(report['sinks'], [
        { sink: 'log?points=true', written: round.points.size, rejected: {}, retried: 0 },
      ]);
      assert.equal(report['counterResets'], 0);
      assert.deepEqual(report['state'], { savedDocuments: 1 });
      assert.deepEqual(report['problems'], []);
      assert.equal(report['status'], 200);
      assert.equal(report['severity'], 'INFO');
      assert.equal(typeof report['durationMs'], 'number');
    }
  });

  test('one structured log line per round that Cloud Logging parses: severity, message and the report', () => {
    for (const round of rounds) {
      for (const entry of round.logEntries) {
        assert.ok(
          ['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL'].includes(entry['severity'] as string),
        );
        assert.equal(typeof entry['message'], 'string');
      }
      const reports = round.logEntries.filter((e) => (e['message'] as string).startsWith('scrape round '));
      assert.equal(reports.length, 1, 'one report line per round');
      const line = reports[0] as Record<string, unknown>;
      assert.equal(line['severity'], 'INFO');
      assert.equal(
        line['message'],
        `scrape round ${new Date(round.roundTime).toISOString()}: ${NODES}/${NODES} nodes, ${round.points.size} points`,
      );
      assert.deepEqual(line['report'], round.call.body);
      assert.equal(round.stderr, '', 'nothing unstructured on stderr (warnings included)');
    }
  });
});
