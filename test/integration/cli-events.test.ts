import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Occurrence } from '../sim/events.js';
import { startSim, type Sim } from '../sim/sim.js';
import { startGclStandIn, type GclStandIn } from '../stand-ins/gcl/server.js';
import { startHeapster, type RunningCli } from '../support/heapster-cli.js';

/** `heapster events` as a user runs it: a child process, the simulator's kubeconfig as the current one. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const heapster = (args: string[], env: Record<string, string>) => startHeapster(args, env, 60_000);

async function waitFor(what: string, condition: () => boolean, running: RunningCli): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline || running.child.exitCode !== null)
      throw new Error(`${what}; stderr:\n${running.stderr().slice(-3000)}`);
    await sleep(50);
  }
}

/** The log sink's stdout lines, by occurrence (uid/resourceVersion). */
function printed(stdout: string): Map<string, Record<string, unknown>[]> {
  const lines = new Map<string, Record<string, unknown>[]>();
  for (const text of stdout.split('\n')) {
    if (text === '') continue;
    const line = JSON.parse(text) as Record<string, unknown>;
    const key = String(line['occurrence']);
    lines.set(key, [...(lines.get(key) ?? []), line]);
  }
  return lines;
}

const key = (o: { uid: string; resourceVersion: string }): string => `${o.uid}/${o.resourceVersion}`;

/** Waits until every one of `occurrences` has a line on the run's stdout. */
const waitPrinted = (
  what: string,
  occurrences: readonly { uid: string; resourceVersion: string }[],
  running: RunningCli,
): Promise<void> =>
  waitFor(
    what,
    () => {
      const lines = printed(running.stdout());
      return occurrences.every((o) => lines.has(key(o)));
    },
    running,
  );

describe('heapster events (CLI) against the simulated cluster', () => {
  let sim: Sim;
  let gcl: GclStandIn;
  let home: string;
  let env: Record<string, string>;
  before(async () => {
    [sim, gcl] = await Promise.all([
      startSim({ nodes: 2, podsPerNode: 3, kubeletHttpPort: 0, kubeletHttpsPort: 0, seed: 6 }),
      startGclStandIn(),
    ]);
    home = mkdtempSync(join(tmpdir(), 'heapster-cli-events-'));
    env = { HOME: home, KUBECONFIG: sim.kubeconfigPath };
  });
  after(async () => {
    await sim.stop();
    await gcl.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test('--sink=log lists, then watches, every occurrence once on stdout; Ctrl-C drains and exits 0', async () => {
    sim.events.generate(25);
    // A list shows each event's latest state: what the API server holds now.
    const listed = sim.stores.events.list().items.map((s) => ({
      uid: s.object.metadata.uid as string,
      resourceVersion: s.object.metadata.resourceVersion as string,
    }));
    const run = heapster(['events', '--sink=log'], env);
    await waitPrinted('the listed events were not printed', listed, run);
    const watched: Occurrence[] = sim.events.generate(15);
    await waitPrinted('the watched occurrences were not printed', watched, run);
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);

    const lines = printed(result.stdout);
    assert.equal(lines.size, listed.length + watched.length, 'nothing else was printed');
    for (const [occurrence, copies] of lines) assert.equal(copies.length, 1, `${occurrence} printed once`);
    for (const o of watched) {
      const line = (lines.get(key(o)) as Record<string, unknown>[])[0] as Record<string, unknown>;
      assert.equal(line['namespace'], o.namespace);
      assert.equal(line['reason'], o.reason);
      assert.equal(line['time'], o.observed);
    }
    assert.ok(
      watched.some((o) => o.type === 'MODIFIED'),
      'repeats are occurrences too',
    );
    assert.match(result.stderr, /watching events until Ctrl-C; health at http:\/\/127\.0\.0\.1:\d+\/healthz/);
    assert.match(result.stderr, /"message":"events: watching"/);
    assert.match(
      result.stderr,
      new RegExp(`stopped: ${listed.length + watched.length} occurrences written, 0 already written`),
    );
  });

  test('the same sink URIs as the service: gcl to the stand-in and log at once', async () => {
    gcl.reset();
    const project = 'cli-events-test';
    const run = heapster(
      [
        'events',
        '--sink=log',
        `--sink=gcl?project=${project}&location=europe-west1&endpoint=${gcl.endpoint}`,
        '--cluster-name=laptop',
      ],
      env,
    );
    await waitFor('nothing listed', () => run.stdout() !== '', run);
    const watched = sim.events.generate(5);
    await waitPrinted('the watched occurrences were not printed', watched, run);
    run.child.kill('SIGINT');
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);

    const entries = gcl.distinctEntries().filter((e) => !e.diagnostic && e.project === project);
    const held = sim.stores.events.list().items.map((s) => key(s.object.metadata as never));
    // Every event's state at the end and every watched occurrence, as Cloud Logging entries.
    assert.deepEqual(new Set(entries.map((e) => e.insertId)), new Set([...printed(result.stdout).keys()]));
    for (const k of [...held, ...watched.map(key)])
      assert.ok(
        entries.some((e) => e.insertId === k),
        `${k} in Cloud Logging`,
      );
    for (const e of entries) {
      assert.equal(e.resource.labels['cluster_name'], 'laptop');
      assert.equal(e.logName, `projects/${project}/logs/kubernetes.io%2Fevents`);
    }
  });

  test('invalid flags: every problem at once, named by flag, exit code 2', async () => {
    const result = await heapster(
      ['events', '--sink=nowhere', '--cluster-name=bad name', '--lease-ttl=1s'],
      env,
    ).done;
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines[0], 'invalid configuration (3 problems):');
    assert.match(lines[1] as string, /^ {2}--sink: unknown event sink "nowhere" in "nowhere"/);
    assert.match(lines[2] as string, /^ {2}--cluster-name: "bad name" must be 1-100 letters/);
    assert.match(lines[3] as string, /^ {2}--lease-ttl: 1s is out of range/);
  });

  test('no sink: the usage of the variable, exit code 2; --help prints the flags', async () => {
    const none = await heapster(['events'], env).done;
    assert.equal(none.code, 2);
    assert.match(none.stderr, /--sink: no sink given: events would go nowhere/);
    const help = await heapster(['events', '--help'], env).done;
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: heapster events --sink=URI/);
    assert.match(help.stdout, /--sink=URI +SINKS: .*; repeatable/);
    const main = await heapster(['--help'], env).done;
    assert.match(main.stdout, /\n {2}events +watch Kubernetes events/);
  });
});
