import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Fault } from '../sim/faults.js';
import { startSim, type Sim } from '../sim/sim.js';
import { inProcessScraper, INTERVAL_MS } from '../support/in-process-scrape.js';
import { freePort } from '../support/processes.js';
import { assertExactlyTheTruth, assertNoAbsurdRates } from './expected/round-checks.js';

/**
 * Summaries read straight from each kubelet (nodeProxy=false), as Heapster's kubeletPort option did: every
 * simulated node listens on its own loopback address with the same ports, so the faults reach the scraper
 * without the API server in between and show as the scraper's own reasons.
 */
describe('scrape straight from the kubelets', () => {
  let sim: Sim;
  let httpPort: number;
  let httpsPort: number;
  before(async () => {
    httpPort = await freePort();
    httpsPort = await freePort();
    sim = await startSim({
      nodes: 6,
      podsPerNode: 3,
      containersPerPod: 2,
      kubeletHttpPort: httpPort,
      kubeletHttpsPort: httpsPort,
    });
  });
  after(async () => {
    await sim?.stop();
  });

  test('kubelet faults without the proxy: reset, refused, truncated and hanging nodes', async () => {
    const scraper = inProcessScraper(sim, `nodeProxy=false&kubeletPort=${httpPort}&timeout=1s&concurrency=4`);
    const healthy = await scraper.round();
    assert.equal(healthy.report.nodes.failed, 0, JSON.stringify(healthy.report.nodes.failures));
    const faults: [string, Fault, string, RegExp][] = [
      ['node-0001', { kind: 'reset' }, 'connection', /ECONNRESET|UND_ERR_SOCKET: other side closed/],
      ['node-0002', { kind: 'unreachable' }, 'unreachable', /ECONNREFUSED/],
      ['node-0003', { kind: 'truncated' }, 'connection', /closed after \d+ bytes of the body/],
      ['node-0004', { kind: 'hang' }, 'timeout', /no complete answer within 1000 ms/],
    ];
    try {
      for (const [node, fault] of faults) await sim.setFault(node, fault);
      sim.clock.advance(INTERVAL_MS);
      const round = await scraper.round();
      assert.equal(round.report.status, 200);
      assert.deepEqual(
        round.report.nodes.failures.map((f) => [f.node, f.reason]),
        faults.map(([node, , reason]) => [node, reason]),
      );
      round.report.nodes.failures.forEach((f, i) =>
        assert.match(f.message, (faults[i] as [string, Fault, string, RegExp])[3]),
      );
      const bad = faults.map(([node]) => node);
      assertExactlyTheTruth(sim, round, healthy.served, (n) => !bad.includes(n));
      assertNoAbsurdRates(round.points);
    } finally {
      for (const [node] of faults) await sim.setFault(node, undefined);
    }
  });

  test("over HTTPS with the kubeconfig's token and CA: every point exact", async () => {
    const scraper = inProcessScraper(sim, `nodeProxy=false&kubeletHttps=true&kubeletPort=${httpsPort}`);
    const first = await scraper.round();
    sim.clock.advance(INTERVAL_MS);
    const second = await scraper.round();
    for (const round of [first, second])
      assert.equal(round.report.nodes.failed, 0, JSON.stringify(round.report.nodes.failures));
    assertExactlyTheTruth(sim, first, undefined, () => true);
    assertExactlyTheTruth(sim, second, first.served, () => true);
  });
});
