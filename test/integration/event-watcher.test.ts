import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Firestore } from '@google-cloud/firestore';
import type { KubeAccess } from '../../shared/config/source-uri.js';
import { occurrenceKey } from '../../shared/events/occurrence.js';
import { EventWatcher, type WatcherOptions } from '../../shared/events/watcher.js';
import { connect, type KubeConnection } from '../../shared/kube/connect.js';
import { eventStream, type KubeEvent } from '../../shared/kube/event-stream.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import type { EventSink, EventWriteReport } from '../../shared/sinks/sink.js';
import { firestoreCheckpointStore } from '../../shared/state/checkpoint-store.js';
import { firestoreLeaseStore } from '../../shared/state/lease-store.js';
import type { Occurrence } from '../sim/events.js';
import { startSim, type Sim } from '../sim/sim.js';
import {
  startFirestoreEmulator,
  type FirestoreEmulator,
  emulatorFirestore,
} from '../support/firestore-emulator.js';

/** A sink that records every write it accepts, to count occurrences written and written twice. */
function recordingSink(): EventSink & { writes: string[]; failNext: number } {
  const sink = {
    name: 'recording',
    writes: [] as string[],
    failNext: 0,
    async write(events: readonly KubeEvent[]): Promise<EventWriteReport> {
      if (sink.failNext > 0) {
        sink.failNext--;
        return { sink: 'recording', written: 0, rejected: {}, retried: 0, error: 'simulated outage' };
      }
      for (const e of events) sink.writes.push(occurrenceKey(e));
      return { sink: 'recording', written: events.length, rejected: {}, retried: 0 };
    },
    close: async () => undefined,
  };
  return sink;
}

const OPTIONS: WatcherOptions = {
  batchSize: 100,
  flushDelayMs: 50,
  checkpointIntervalMs: 50,
  leaseRenewMs: 200,
  progressIntervalMs: 1_000,
  retry: { initialMs: 20, maxMs: 100 },
};

describe('event watcher: sim -> watcher -> sink, checkpoint and lease in the Firestore emulator', () => {
  let emulator: FirestoreEmulator;
  let db: Firestore;
  let sim: Sim;
  let conn: KubeConnection;
  let root = '';
  let run = 0;

  before(async () => {
    emulator = await startFirestoreEmulator();
    db = emulatorFirestore(emulator.host, 'demo-events');
    sim = await startSim({
      nodes: 3,
      podsPerNode: 5,
      kubeletHttpPort: 0,
      kubeletHttpsPort: 0,
      watchHistory: 200,
      seed: 9,
    });
    const access: KubeAccess = {
      apiServer: undefined,
      inClusterConfig: false,
      auth: { kind: 'kubeconfig', path: sim.kubeconfigPath },
      caFile: undefined,
      useServiceAccount: false,
      insecure: false,
      concurrency: 4,
    };
    conn = await connect(access, { env: {} });
  });
  after(async () => {
    conn?.close();
    await sim?.stop();
    await db?.terminate();
    await emulator?.stop();
  });
  beforeEach(() => {
    root = `heapster/test-${++run}`;
  });

  const watcher = (holder: string, sink: EventSink, log = memoryLogger()) =>
    new EventWatcher(
      {
        log,
        now: Date.now,
        holder,
        sinks: [sink],
        checkpoints: firestoreCheckpointStore(db, `${root}/event-checkpoints`, { horizonMs: 3_600_000 }),
        lease: firestoreLeaseStore(db, `${root}/leases/events`, { ttlMs: 2_000, marginMs: 500 }),
        stream: (from, signal) =>
          eventStream(
            async () => conn,
            {
              api: 'core/v1',
              pageSize: 100,
              watchTimeoutSeconds: 30,
              idleTimeoutMs: 10_000,
              listTimeoutMs: 5_000,
              backoff: { initialMs: 20, maxMs: 200 },
            },
            from,
            signal,
          ),
      },
      OPTIONS,
    );

  const until = async (what: () => boolean, ms = 10_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!what()) {
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  /** Every occurrence the simulator ever produced, from its log file. */
  const generated = (): Occurrence[] =>
    readFileSync(sim.eventLogPath, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Occurrence);
  const keys = (os: readonly Occurrence[]): string[] => os.map((o) => `${o.uid}/${o.resourceVersion}`);
  const currentState = (): Set<string> =>
    new Set(
      [...sim.stores.events.list().items].map(
        (s) => `${s.object.metadata.uid}/${s.object.metadata.resourceVersion}`,
      ),
    );

  test('a graceful restart resumes from the checkpoint: nothing lost, nothing written twice', async () => {
    const sink = recordingSink();
    const first = watcher('a', sink);
    const stopFirst = new AbortController();
    const runningFirst = first.run(stopFirst.signal);
    await until(() => first.stats.checkpoints > 0); // the initial list is done
    const startedAt = generated().length;
    const before = sim.events.generate(40);
    await until(() => before.every((o) => sink.writes.includes(`${o.uid}/${o.resourceVersion}`)));
    stopFirst.abort();
    await runningFirst;
    const whileDown = sim.events.generate(40);
    const second = watcher('b', sink);
    const stopSecond = new AbortController();
    const runningSecond = second.run(stopSecond.signal);
    await until(() => whileDown.every((o) => sink.writes.includes(`${o.uid}/${o.resourceVersion}`)));
    stopSecond.abort();
    await runningSecond;
    const expected = keys(generated().slice(startedAt));
    const written = new Set(sink.writes);
    assert.deepEqual(
      expected.filter((k) => !written.has(k)),
      [],
      'lost',
    );
    // The first start lists what the API server holds (older occurrences' latest states) and writes it once.
    assert.equal(sink.writes.length, written.size, 'written twice');
  });

  test("when the history expired while down: a relist, one gap line, every event's latest state, no rewrite", async () => {
    const sink = recordingSink();
    const log = memoryLogger();
    const first = watcher('a', sink, log);
    const stop = new AbortController();
    const running = first.run(stop.signal);
    await until(() => first.stats.checkpoints > 0); // the initial list is done
    const seen = sim.events.generate(20);
    await until(() => seen.every((o) => sink.writes.includes(`${o.uid}/${o.resourceVersion}`)));
    stop.abort();
    await running;
    sim.events.generate(300); // more than the 200 changes the API server keeps
    const log2 = memoryLogger();
    const second = watcher('b', sink, log2);
    const stop2 = new AbortController();
    const running2 = second.run(stop2.signal);
    await until(() => [...currentState()].every((k) => sink.writes.includes(k)));
    stop2.abort();
    await running2;
    const gapLines = log2.entries.filter((e) => /no longer had the history/.test(e.message));
    assert.equal(gapLines.length, 1);
    assert.equal(sink.writes.length, new Set(sink.writes).size, 'nothing written twice');
  });

  test('two watchers at once: only the lease holder writes', async () => {
    const sinkA = recordingSink();
    const sinkB = recordingSink();
    const a = watcher('a', sinkA);
    const b = watcher('b', sinkB);
    const stop = new AbortController();
    const runs = [a.run(stop.signal)];
    await until(() => a.stats.checkpoints > 0);
    runs.push(b.run(stop.signal));
    await until(() => b.phase === 'standby');
    const made = sim.events.generate(30);
    await until(() => made.every((o) => sinkA.writes.includes(`${o.uid}/${o.resourceVersion}`)));
    assert.equal(sinkB.writes.length, 0);
    stop.abort();
    await Promise.all(runs);
  });

  test('a sink down for a while loses nothing once it is back', async () => {
    const sink = recordingSink();
    const w = watcher('a', sink);
    const stop = new AbortController();
    const running = w.run(stop.signal);
    await until(() => w.stats.checkpoints > 0);
    sink.failNext = 5;
    const made = sim.events.generate(50);
    await until(() => made.every((o) => sink.writes.includes(`${o.uid}/${o.resourceVersion}`)));
    stop.abort();
    await running;
    assert.equal(sink.failNext, 0, 'the outage happened');
  });
});
