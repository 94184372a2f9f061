import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Firestore } from '@google-cloud/firestore';
import { startSim, type Sim } from '../sim/sim.js';
import type { SummaryJson } from '../sim/truth.js';
import {
  startFirestoreEmulator,
  type FirestoreEmulator,
  emulatorFirestore,
} from '../support/firestore-emulator.js';
import {
  startFunctionsFramework,
  type FunctionsFrameworkProcess,
  type ScheduledCall,
} from '../support/functions-framework.js';
import { pointsByKey, type LoggedPoint } from '../support/point-lines.js';
import { startPubSubEmulator, type PubSubEmulator } from '../support/pubsub-emulator.js';
import { differences } from './expected/compare.js';
import { expectedPoints } from './expected/heapster-points.js';
import type { ClusterObjects } from './expected/object-labels.js';
import { clusterObjects } from '../support/in-process-scrape.js';

/**
 * Sharded rounds end to end: the real Functions Framework serving the `scrape` target (the coordinator) and, in
 * a second process, the `scrapeShard` target, fed by a push subscription of the Pub/Sub emulator; round and
 * counter records in the Firestore emulator; 200 simulated nodes in shards of 50. Every point written (by the
 * shards, and the totals by whichever party finalised) is compared with what the simulator's truth implies.
 */
const NODES = 200;
const SHARD_SIZE = 50;
const PROJECT = 'demo-heapster-shards';
const TOPIC = 'heapster-shards';
const CLUSTER = 'sim-shards';
const INTERVAL_MS = 60_000;

interface Round {
  readonly roundTime: number;
  readonly call: ScheduledCall;
  /** Every point line of both processes during the round (pointsByKey refuses one written twice). */
  readonly points: Map<string, LoggedPoint>;
  readonly logEntries: Record<string, unknown>[];
  readonly served: Map<string, SummaryJson>;
}

interface Report {
  status: number;
  durationMs: number;
  nodes: number;
  shards: string[];
  totals?: {
    by: string;
    included: string[];
    missing: { shard: string; reason: string }[];
    nodes: { total: number; ok: number };
    points: number;
  };
}

describe(`sharded rounds through Pub/Sub (${NODES} nodes, shards of ${SHARD_SIZE})`, () => {
  let sim: Sim;
  let firestore: FirestoreEmulator;
  let pubsub: PubSubEmulator;
  let db: Firestore;
  let coordinator: FunctionsFrameworkProcess;
  let shards: FunctionsFrameworkProcess;
  let objects: ClusterObjects;
  const rounds: Round[] = [];
  /** Nodes by shard, as the shards' counter documents hold them. */
  const nodesOfShard = new Map<string, string[]>();
  let faulted = '';

  const lines = (): string[] => [...coordinator.takeLines(), ...shards.takeLines()];
  const json = (all: string[]): Record<string, unknown>[] =>
    all.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

  async function runRound(roundTime: number): Promise<Round> {
    lines();
    // The framework closes a kept-alive socket after 5 idle seconds; a call sent on it just then fails before
    // reaching the function. Cloud Scheduler would retry it, and so does the test (a retried call of a round
    // only waits for the round's totals).
    const schedule = () => coordinator.schedule(new Date(roundTime + 1500));
    const call = await schedule()
      .catch(schedule)
      .catch((err: unknown) => {
        throw new Error(`the scheduled call failed: ${String(err)}\n${coordinator.tail()}\n${shards.tail()}`);
      });
    // The coordinator answers once the totals are recorded; the finaliser's log line follows its writes.
    await coordinator.waitForLine((l) => l.includes('"scrape round ') && l.includes(' nodes in '));
    const by = ((call.body as Report).totals?.by ?? '') as string;
    const finaliser = by === 'coordinator' ? coordinator : shards;
    await finaliser.waitForLine((l) => l.includes(`totals by ${by}`) || l.includes(' nodes in '));
    const all = lines();
    const served = new Map<string, SummaryJson>();
    for (const name of sim.cluster.nodes.keys()) served.set(name, sim.truth.summary(name));
    return { roundTime, call, points: pointsByKey(all), logEntries: json(all), served };
  }

  before(async () => {
    [sim, firestore, pubsub] = await Promise.all([
      startSim({
        nodes: NODES,
        podsPerNode: 8,
        containersPerPod: 2,
        kubeletHttpPort: 0,
        kubeletHttpsPort: 0,
      }),
      startFirestoreEmulator(),
      startPubSubEmulator(PROJECT),
    ]);
    db = emulatorFirestore(firestore.host, PROJECT);
    objects = clusterObjects(sim);
    const env = {
      SOURCES: `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false`,
      SINKS: 'log?points=true',
      CLUSTER_NAME: CLUSTER,
      INTERVAL: '60s',
      FUNCTION_TIMEOUT: '60s',
      STATE_STORE: 'firestore',
      FIRESTORE_EMULATOR_HOST: firestore.host,
      PUBSUB_EMULATOR_HOST: pubsub.host,
      GOOGLE_CLOUD_PROJECT: PROJECT,
      METADATA_SERVER_DETECTION: 'none',
      SHARD_TOPIC: `projects/${PROJECT}/topics/${TOPIC}`,
      SHARD_SIZE: String(SHARD_SIZE),
    };
    const source = 'functions/scrape/index.ts';
    // Both started before either is awaited; one that started is stopped even if the other did not.
    const started = await Promise.allSettled([
      startFunctionsFramework({ target: 'scrape', source, env }),
      startFunctionsFramework({ target: 'scrapeShard', source, env, signature: 'cloudevent' }),
    ]);
    if (started[0].status === 'fulfilled') coordinator = started[0].value;
    if (started[1].status === 'fulfilled') shards = started[1].value;
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    await pubsub.createTopic(TOPIC);
    // The push endpoint's path names the topic, as the Functions Framework reads it into the event's source.
    await pubsub.createPushSubscription('shards', TOPIC, `${shards.url}projects/${PROJECT}/topics/${TOPIC}`);

    const first = Math.floor(sim.clock.now() / INTERVAL_MS) * INTERVAL_MS;
    rounds.push(await runRound(first));
    sim.clock.advance(INTERVAL_MS);
    rounds.push(await runRound(first + INTERVAL_MS));

    const counters = await db.collection(`heapster/${CLUSTER}/counters`).get();
    for (const doc of counters.docs)
      nodesOfShard.set(doc.get('shard') as string, doc.get('nodes') as string[]);

    // One shard's kubelets all fail in the third round.
    faulted = [...nodesOfShard.keys()].sort()[1] as string;
    for (const node of nodesOfShard.get(faulted) ?? [])
      await sim.setFault(node, { kind: 'status', code: 500 });
    sim.clock.advance(INTERVAL_MS);
    rounds.push(await runRound(first + 2 * INTERVAL_MS));
    for (const node of nodesOfShard.get(faulted) ?? []) await sim.setFault(node, undefined);
  });

  after(async () => {
    await db?.terminate();
    await Promise.all([coordinator?.stop(), shards?.stop()]);
    await Promise.all([sim?.stop(), firestore?.stop(), pubsub?.stop()]);
  });

  const expectation = (i: number, keep: (node: string) => boolean = () => true) => {
    const only = (m: Map<string, SummaryJson>) => new Map([...m].filter(([n]) => keep(n)));
    return expectedPoints({
      current: only((rounds[i] as Round).served),
      previous: i === 0 ? undefined : (rounds[i - 1] as Round).served,
      cluster: sim.cluster,
      objects,
      roundTime: (rounds[i] as Round).roundTime,
      clusterName: CLUSTER,
    });
  };

  test('the coordinator publishes 4 shards that hold every node exactly once', () => {
    const report = (rounds[0] as Round).call.body as Report;
    assert.equal((rounds[0] as Round).call.status, 200);
    assert.equal(report.nodes, NODES);
    assert.deepEqual([...report.shards].sort(), ['shard-0', 'shard-1', 'shard-2', 'shard-3']);
    assert.deepEqual([...nodesOfShard.keys()].sort(), [...report.shards].sort());
    const all = [...nodesOfShard.values()].flat().sort();
    assert.deepEqual(all, [...sim.cluster.nodes.keys()].sort());
  });

  test('every point of a round is written once and equals the truth, namespace and cluster totals included', () => {
    for (const i of [0, 1]) {
      const found = differences((rounds[i] as Round).points, expectation(i));
      assert.deepEqual(found, [], `round ${i}`);
      const report = (rounds[i] as Round).call.body as Report;
      assert.deepEqual(report.totals?.missing, []);
      assert.deepEqual(report.totals?.nodes, { total: NODES, ok: NODES });
    }
    const rates = [...expectation(1).values()].filter((p) => p.metric === 'cpu/usage_rate');
    assert.ok(rates.length > NODES * 8, 'the second round has rates, from counters each shard kept');
  });

  test("exactly one party wrote each round's totals, and said so once", () => {
    for (const round of rounds) {
      const report = round.call.body as Report;
      const lines = round.logEntries.filter((e) =>
        String(e['message']).includes(`totals by ${report.totals?.by}`),
      );
      assert.equal(
        lines.length,
        report.totals?.by === 'coordinator' ? 1 : 2,
        JSON.stringify(lines.map((l) => l['message'])),
      );
    }
  });

  test('a shard whose kubelets all fail is reported, and the totals say it is missing', () => {
    const round = rounds[2] as Round;
    const report = round.call.body as Report;
    assert.equal(round.call.status, 200);
    assert.equal(report.totals?.missing.length, 1);
    assert.equal(report.totals?.missing[0]?.shard, faulted);
    assert.match(report.totals?.missing[0]?.reason ?? '', /^failed: no node of the shard answered/);
    assert.deepEqual(report.totals?.included, report.shards.filter((s) => s !== faulted).sort());
    const failedNodes = new Set(nodesOfShard.get(faulted));
    const found = differences(
      round.points,
      expectation(2, (n) => !failedNodes.has(n)),
    );
    assert.deepEqual(found, []);
    const line = round.logEntries.find((e) => String(e['message']).includes(' nodes in '));
    assert.match(
      String(line?.['message']),
      new RegExp(`missing from the totals: ${faulted} \\(failed: no node`),
    );
    assert.equal(line?.['severity'], 'WARNING');
  });

  test('every round ends with its totals well before the deadline the shards were given', (t) => {
    const durations = rounds.map((r) => (r.call.body as Report).durationMs);
    t.diagnostic(`scheduled calls took ${durations.join(', ')} ms`);
    for (const d of durations) assert.ok(d < 45_000, `${d} ms`);
  });

  test('nothing unstructured on stderr: the pushes arrive as the events the target expects', () => {
    assert.equal(coordinator.stderr(), '');
    assert.equal(shards.stderr(), '');
  });

  test('a redelivered shard message changes nothing', async () => {
    const round = rounds[1] as Round;
    const record = (await db.doc(`heapster/${CLUSTER}/rounds/${round.roundTime}`).get()).data() as Record<
      string,
      unknown
    >;
    const shardDocs = async () =>
      (await db.collection(`heapster/${CLUSTER}/rounds/${round.roundTime}/shards`).get()).docs.map((d) =>
        d.data(),
      );
    const before = await shardDocs();
    lines();
    const message = {
      cluster: CLUSTER,
      roundTime: round.roundTime,
      shard: 'shard-0',
      nodes: nodesOfShard.get('shard-0'),
      deadline: record['deadline'],
    };
    await pubsub.publish(TOPIC, [{ data: Buffer.from(JSON.stringify(message)) }]);
    await shards.waitForLine((l) => l.includes('shard-0: this delivery did nothing (duplicate)'));
    assert.equal(pointsByKey(lines()).size, 0, 'no point written again');
    assert.deepEqual(await shardDocs(), before);
    assert.deepEqual((await db.doc(`heapster/${CLUSTER}/rounds/${round.roundTime}`).get()).data(), record);
  });
});
