import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Occurrence } from '../sim/events.js';
import { startSim, type Sim } from '../sim/sim.js';
import { startGclStandIn, type GclStandIn } from '../stand-ins/gcl/server.js';
import { startEventsServiceProcess, type EventsServiceProcess } from '../support/events-service.js';
import { startFirestoreEmulator, type FirestoreEmulator } from '../support/firestore-emulator.js';

/**
 * Chaos for the events service, a real process writing to the Cloud Logging stand-in with its lease and
 * checkpoint in the Firestore emulator, while the simulated cluster produces events at a steady rate. Each
 * scenario compares what a GCL query would show (distinct insertId and timestamp) with the simulator's log of
 * every occurrence it generated, and prints the counts.
 */
const RATE = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('events service chaos (sim -> service process -> GCL stand-in)', { timeout: 240_000 }, () => {
  let sim: Sim;
  let gcl: GclStandIn;
  let firestore: FirestoreEmulator;
  let scenario = 0;
  const running: EventsServiceProcess[] = [];

  before(async () => {
    [firestore, gcl] = await Promise.all([startFirestoreEmulator(), startGclStandIn()]);
    sim = await startSim({
      nodes: 3,
      podsPerNode: 6,
      kubeletHttpPort: 0,
      kubeletHttpsPort: 0,
      watchHistory: 400,
      seed: 21,
    });
  });
  after(async () => {
    await Promise.all(running.map((p) => p.kill()));
    await sim?.stop();
    await gcl?.stop();
    await firestore?.stop();
  });

  const service = async (cluster: string): Promise<EventsServiceProcess> => {
    const proc = await startEventsServiceProcess({
      SOURCE: `kubernetes:?auth=${sim.kubeconfigPath}`,
      SINKS: `gcl?project=${cluster}&location=us-central1&endpoint=${gcl.endpoint}`,
      CLUSTER_NAME: cluster,
      STATE_STORE: 'firestore',
      FIRESTORE_EMULATOR_HOST: firestore.host,
      GOOGLE_CLOUD_PROJECT: 'demo-chaos',
      LEASE_TTL: '4s',
      LOG_LEVEL: process.env['CHAOS_LOG_LEVEL'] ?? 'INFO',
    });
    running.push(proc);
    return proc;
  };
  const watching = async (proc: EventsServiceProcess): Promise<void> => {
    const deadline = Date.now() + 45_000;
    while (
      (await proc.ready())?.stats?.['checkpoints'] === undefined ||
      ((await proc.ready())?.stats['checkpoints'] ?? 0) < 1
    ) {
      if (Date.now() > deadline) throw new Error(`service not watching:\n${proc.output().slice(-1500)}`);
      await sleep(100);
    }
  };
  /** Generates events at RATE per second for `ms`, returning the occurrences made. */
  const steady = (): { stop: () => Occurrence[] } => {
    const made: Occurrence[] = [];
    const timer = setInterval(() => made.push(...sim.events.generate(RATE / 10)), 100);
    return {
      stop: () => {
        clearInterval(timer);
        return made;
      },
    };
  };
  /**
   * What a Logging query shows for a cluster: occurrence -> how many distinct (insertId, timestamp) entries.
   * Each scenario writes to a project of its own: Logging deduplicates per project, and the scenarios share one
   * simulated cluster whose older events every new scenario lists again.
   */
  const queried = (cluster: string): Map<string, number> => {
    const seen = new Map<string, number>();
    for (const e of gcl.distinctEntries()) {
      if (e.diagnostic || e.project !== cluster) continue;
      seen.set(e.insertId, (seen.get(e.insertId) ?? 0) + 1);
    }
    return seen;
  };
  const settle = async (cluster: string, expected: readonly Occurrence[], ms = 45_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const q = queried(cluster);
      if (expected.every((o) => q.has(`${o.uid}/${o.resourceVersion}`))) return;
      await sleep(200);
    }
  };
  const account = (
    name: string,
    cluster: string,
    expected: readonly Occurrence[],
  ): { lost: number; duplicated: number } => {
    const q = queried(cluster);
    const lost = expected.filter((o) => !q.has(`${o.uid}/${o.resourceVersion}`)).length;
    const duplicated = [...q.values()].filter((n) => n > 1).length;
    console.log(
      `chaos ${name}: generated ${expected.length}, written ${q.size}, duplicated ${duplicated}, lost ${lost}`,
    );
    return { lost, duplicated };
  };
  const cluster = (): string => `chaos-${++scenario}`;

  test('kill -9 mid-stream, repeatedly, and restart: nothing lost, nothing duplicated', async () => {
    const name = cluster();
    let proc = await service(name);
    await watching(proc);
    const load = steady();
    for (let i = 0; i < 4; i++) {
      await sleep(2500);
      await proc.kill();
      await sleep(1500);
      proc = await service(name);
    }
    await sleep(1500);
    const made = load.stop();
    await settle(name, made);
    await proc.terminate();
    const r = account('kill -9 x4', name, made);
    assert.deepEqual(r, { lost: 0, duplicated: 0 });
  });

  test('SIGTERM during a burst drains; the next instance carries on without loss or duplicates', async () => {
    const name = cluster();
    const proc = await service(name);
    await watching(proc);
    const burst = sim.events.generate(300);
    const code = await proc.terminate();
    assert.equal(code, 0, "drained and exited cleanly within Cloud Run's 10 s");
    const after = sim.events.generate(50);
    const next = await service(name);
    await settle(name, [...burst, ...after]);
    await next.terminate();
    assert.deepEqual(account('SIGTERM during burst', name, [...burst, ...after]), { lost: 0, duplicated: 0 });
  });

  test('two instances at once: only the lease holder writes; the other takes over when it dies', async () => {
    const name = cluster();
    const a = await service(name);
    await watching(a);
    const b = await service(name);
    const load = steady();
    await sleep(2000);
    assert.equal((await b.ready())?.phase, 'standby');
    await a.kill();
    await watching(b); // once the lease (4 s) runs out, b takes over and checkpoints
    await sleep(2000);
    const made = load.stop();
    await settle(name, made);
    assert.equal((await b.ready())?.phase, 'watching');
    await b.terminate();
    assert.deepEqual(account('two instances', name, made), { lost: 0, duplicated: 0 });
  });

  test('a sink down for a while, then back: nothing lost', async () => {
    const name = cluster();
    const proc = await service(name);
    await watching(proc);
    const load = steady();
    await sleep(1000);
    gcl.setFaults({ failWrites: { code: 14, count: 20 } });
    await sleep(3000);
    gcl.setFaults({});
    await sleep(1000);
    const made = load.stop();
    await settle(name, made);
    await proc.terminate();
    assert.deepEqual(account('sink outage', name, made), { lost: 0, duplicated: 0 });
  });

  test("down past the history window: a relist, one gap line, every event's latest state, no duplicates", async () => {
    const name = cluster();
    const proc = await service(name);
    await watching(proc);
    const early = sim.events.generate(30);
    await settle(name, early);
    await proc.kill();
    sim.events.generate(500); // more changes than the 400 the API server keeps
    const next = await service(name);
    const latest = [...sim.stores.events.list().items].map(
      (s) =>
        ({ uid: s.object.metadata.uid, resourceVersion: s.object.metadata.resourceVersion }) as Occurrence,
    );
    await settle(name, latest);
    await next.terminate();
    if (queried(name).size < latest.length) console.log(next.output().slice(-6000));
    const gapLines = next
      .output()
      .split('\n')
      .filter((l) => l.includes('no longer had the history'));
    assert.equal(gapLines.length, 1, 'one clear line about the window that cannot be proven complete');
    const r = account('expired history', name, latest);
    assert.deepEqual(r, { lost: 0, duplicated: 0 });
    const generatedLog = readFileSync(sim.eventLogPath, 'utf8').trim().split('\n').length;
    assert.ok(generatedLog > latest.length);
  });
});
