import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSim, type Sim } from '../sim/sim.js';
import { startFunctionsFramework, type FunctionsFrameworkProcess } from '../support/functions-framework.js';

/**
 * The scrape function's own clock, through the real Functions Framework: the run stops its work at its
 * deadline (FUNCTION_TIMEOUT minus the answer margin) and still answers with the report; a caller that goes
 * away stops the run early.
 */
const FUNCTION_TIMEOUT_S = 10;
/** What the function keeps back from its timeout to answer. */
const ANSWER_MARGIN_S = 5;
const NODE_TIMEOUT_MS = 4_000;
const STUCK = ['node-0003', 'node-0004'];

interface Report {
  status: number;
  severity: string;
  nodes: { total: number; ok: number; failures: { node: string; reason: string; message: string }[] };
}

describe('scrape function deadline and cancellation (Functions Framework)', () => {
  let sim: Sim;
  let ff: FunctionsFrameworkProcess;
  before(async () => {
    sim = await startSim({
      nodes: 5,
      podsPerNode: 2,
      containersPerPod: 1,
      kubeletHttpPort: 0,
      kubeletHttpsPort: 0,
    });
    ff = await startFunctionsFramework({
      target: 'scrape',
      source: 'functions/scrape/index.ts',
      env: {
        // One node at a time: node-0003 uses up its timeout, node-0004 is still waiting at the deadline.
        SOURCES: `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false&timeout=${NODE_TIMEOUT_MS}ms&concurrency=1`,
        SINKS: 'log',
        CLUSTER_NAME: 'deadline',
        FUNCTION_TIMEOUT: `${FUNCTION_TIMEOUT_S}s`,
        STATE_STORE: 'memory',
        METADATA_SERVER_DETECTION: 'none',
      },
    });
    // A first round on a healthy cluster, so that the timed calls find a warm instance: what a cold one
    // loads comes out of its deadline too (counted from the call's arrival), which would shift the timings.
    const warm = await ff.schedule(new Date(sim.clock.now()));
    assert.equal((warm.body as Report).nodes.ok, 5);
    await ff.waitForLine((l) => l.includes('"scrape round '));
    ff.takeLines();
    for (const node of STUCK) await sim.setFault(node, { kind: 'hang' });
  });
  after(async () => {
    await ff?.stop();
    await sim?.stop();
  });

  const reportLine = async (): Promise<{ severity: string; report: Report }> => {
    const line = await ff.waitForLine((l) => l.includes('"scrape round '));
    ff.takeLines();
    return JSON.parse(line) as { severity: string; report: Report };
  };

  test('at the deadline the unfinished node is aborted and the report still comes, 200', async () => {
    const started = Date.now();
    const call = await ff.schedule(new Date(sim.clock.now()));
    const elapsed = Date.now() - started;
    // Read before any assertion, so that a failing one leaves no line behind for the next test.
    const logged = await reportLine();
    const deadlineMs = (FUNCTION_TIMEOUT_S - ANSWER_MARGIN_S) * 1000;
    assert.ok(elapsed >= deadlineMs - 100 && elapsed < deadlineMs + 2000, `answered after ${elapsed} ms`);
    assert.equal(call.status, 200);
    const report = call.body as Report;
    assert.deepEqual(
      report.nodes.failures.map((f) => [f.node, f.reason]),
      [
        ['node-0003', 'timeout'],
        ['node-0004', 'aborted'],
      ],
    );
    assert.equal(report.nodes.ok, 3);
    assert.equal(report.severity, 'WARNING');
    assert.equal(logged.severity, 'WARNING');
    assert.deepEqual(logged.report, report);
  });

  test('a caller that goes away stops the run: its nodes are aborted at once, the process lives on', async () => {
    // Only this call's report line counts, whatever an earlier call left unread.
    ff.takeLines();
    const started = Date.now();
    await assert.rejects(
      fetch(ff.url, {
        method: 'POST',
        headers: { 'x-cloudscheduler': 'true', 'x-cloudscheduler-scheduletime': new Date().toISOString() },
        signal: AbortSignal.timeout(300),
      }),
    );
    const logged = await reportLine();
    assert.ok(Date.now() - started < 2000, `the run went on for ${Date.now() - started} ms`);
    assert.deepEqual(
      logged.report.nodes.failures.map((f) => [f.node, f.reason]),
      STUCK.map((n) => [n, 'aborted']),
    );
    // Still serving: the next scheduled call is answered.
    for (const node of STUCK) await sim.setFault(node, undefined);
    const call = await ff.schedule(new Date(sim.clock.now()));
    assert.equal(call.status, 200);
    assert.equal((call.body as Report).nodes.ok, 5);
    assert.equal(ff.stderr(), '');
  });
});
