import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { epochNanos } from '../sim/cadvisor/test-support.js';
import { startSim, type Sim } from '../sim/sim.js';
import { inProcessScraper, INTERVAL_MS, type ScrapedRound } from '../support/in-process-scrape.js';
import {
  assertHostPoints,
  assertTotals,
  byFleet,
  byHostsFile,
  expectedPoints,
  pointsOf,
  type HostTruth,
} from './cadvisor-expected.js';
import { SMALL_CLUSTER, startHostsFixture, type HostsFixture } from './cadvisor-fixture.js';
import { assertExactlyTheTruth } from './expected/round-checks.js';

/*
 * A Kubernetes cluster and standalone cAdvisor hosts in one scrape (runScrape with a capturing sink and a memory
 * counter store): the kubelets' points are what they served, the cAdvisor hosts' what the simulator's cAdvisor
 * truth implies, and the namespace and cluster totals sum both. A host or a whole cAdvisor source failing leaves
 * the rest written; counter states go through the store and give rates the round after.
 */

const SAMPLES = 10;
const CLUSTER = 'mixed';

let sim: Sim;
let h: HostsFixture;

before(async () => {
  sim = await startSim(SMALL_CLUSTER);
  h = await startHostsFixture({ name: 'scrape-cadvisor', seed: 37, clockOffsetMs: 789 });
});
after(async () => {
  await h?.stop();
  await sim?.stop();
});

const kubeSource = (): string =>
  `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false&timeout=3s&concurrency=4`;
const externalSource = (options = `samples=${SAMPLES}`, file = h.hostsFile): string =>
  `cadvisor:external?hostsFile=${file}&cadvisorPort=${h.port}&${options}`;
const coreosSource = (): string =>
  `cadvisor:coreos?${h.fleet.fleetUrls.map((u) => `fleetEndpoint=${u}`).join('&')}&cadvisorPort=${h.port}&samples=${SAMPLES}`;

function scraperOf(...sources: string[]) {
  return inProcessScraper(sim, '', { SOURCES: sources.join(' '), CLUSTER_NAME: CLUSTER });
}

/** Both clocks one interval on: the kubelets' and the cAdvisor hosts'. */
function nextInterval(): void {
  sim.clock.advance(INTERVAL_MS);
  h.clock.advance(INTERVAL_MS);
}

const isKubeNode = (name: string): boolean => sim.cluster.nodes.has(name);
const hostNames = (): Set<string> => new Set(h.fleet.hosts.map((x) => x.name));
const machineIds = (): Set<string> => new Set(h.fleet.hosts.map((x) => x.machineId));
const truth = (): HostTruth => ({
  fleet: h.fleet,
  now: h.clock.now(),
  samples: SAMPLES,
  machines: h.machines,
  clusterName: CLUSTER,
});
const sourcesOf = (round: ScrapedRound) =>
  round.report.sources.map((s) => [s.source, s.nodes, s.failed, s.error]);

describe('one scrape over a Kubernetes cluster and cAdvisor hosts', () => {
  test('kubelets, a hosts file and fleet (its first endpoint down): every point is the truth, totals over all', async () => {
    await h.fleet.setFleetFault(0, { kind: 'unreachable' });
    try {
      nextInterval();
      const scraper = scraperOf(kubeSource(), externalSource(), coreosSource());
      const round = await scraper.round();
      assert.equal(round.report.status, 200);
      assert.deepEqual(round.report.nodes.failures, []);
      assert.deepEqual(sourcesOf(round), [
        ['kubernetes.summary_api', 3, 0, undefined],
        ['cadvisor:external', 4, 0, undefined],
        ['cadvisor:coreos', 4, 0, undefined],
      ]);
      assert.equal(round.report.nodes.total, 3 + 4 + 4);
      assert.equal(round.report.error, undefined);
      const passedOver = new RegExp(
        `^cadvisor:coreos: fleet endpoint ${h.fleet.fleetUrls[0]}: unreachable: `,
      );
      assert.ok(
        round.report.problems.some((p) => passedOver.test(p)),
        round.report.problems.join('\n'),
      );
      assert.deepEqual(new Set(h.fleet.hosts.map((x) => x.apiVersion)), new Set(['v2.0', 'v1.3']));

      assertExactlyTheTruth(sim, round, undefined, isKubeNode, { aggregates: false });
      const fromFile = pointsOf(round.points, hostNames());
      assertHostPoints(fromFile, expectedPoints(truth(), round.roundTime, byHostsFile));
      const fromFleet = pointsOf(round.points, machineIds());
      assertHostPoints(fromFleet, expectedPoints(truth(), round.roundTime, byFleet(h.fleet)));
      assertTotals(round.points);
    } finally {
      await h.fleet.setFleetFault(0);
    }
  });

  test('one sample per answer: rates from the counters the store kept; a failing host reported, its counters kept', async () => {
    const scraper = scraperOf(kubeSource(), externalSource('samples=1'));
    nextInterval();
    const t1 = h.clock.now();
    const first = await scraper.round();
    assert.equal(first.report.status, 200);
    const saved = await scraper.counters.load('all');
    assert.deepEqual(
      [...saved.keys()].sort(),
      [...sim.cluster.nodes.keys(), ...h.fleet.hosts.map((x) => `cadvisor:${x.name}`)].sort(),
    );
    const v2 = h.fleet.hosts.filter((x) => x.apiVersion === 'v2.0').map((x) => x.name);
    const v13 = h.fleet.hosts.filter((x) => x.apiVersion === 'v1.3').map((x) => x.name);
    const nodeRate = (round: ScrapedRound, node: string): number | undefined =>
      [...round.points.values()].find(
        (p) => p.metric === 'cpu/usage_rate' && p.labels['type'] === 'node' && p.labels['nodename'] === node,
      )?.value;
    for (const host of v2) assert.equal(nodeRate(first, host), undefined, `${host} has no rate yet`);

    const sick = v13[v13.length - 1] as string;
    await h.fleet.setFault(sick, { kind: 'status', code: 500 });
    try {
      nextInterval();
      const t2 = h.clock.now();
      const second = await scraper.round();
      assert.equal(second.report.status, 200);
      assert.equal(second.report.severity, 'WARNING');
      assert.deepEqual(
        second.report.nodes.failures.map((f) => [f.node, f.reason, f.status]),
        [[sick, 'http-status', 500]],
      );
      assert.deepEqual(sourcesOf(second), [
        ['kubernetes.summary_api', 3, 0, undefined],
        ['cadvisor:external', 4, 1, undefined],
      ]);
      assert.deepEqual(pointsOf(second.points, new Set([sick])), new Map());
      // The kubelets' rates from the summaries of the round before, through the same store.
      assertExactlyTheTruth(sim, second, first.served, isKubeNode, { aggregates: false });
      for (const host of v2) {
        const [before] = h.fleet.truth.sampleTimes(host, '/', 1, t1) as [string];
        const [now] = h.fleet.truth.sampleTimes(host, '/', 1, t2) as [string];
        const seconds = Number(epochNanos(now) - epochNanos(before)) / 1e9;
        const want =
          ((h.fleet.truth.sample(host, '/', now).cpu.total -
            h.fleet.truth.sample(host, '/', before).cpu.total) /
            seconds) *
          1e-6;
        const got = nodeRate(second, host);
        // The stored state keeps whole milliseconds; the rate is in whole millicores.
        assert.ok(got !== undefined && Math.abs(got - want) <= 1, `${host}: ${got} vs ${want}`);
      }
      assertTotals(second.points);
      const kept = await scraper.counters.load('all');
      assert.deepEqual(kept.get(`cadvisor:${sick}`), saved.get(`cadvisor:${sick}`));
      for (const host of v2) assert.notDeepEqual(kept.get(`cadvisor:${host}`), saved.get(`cadvisor:${host}`));
    } finally {
      await h.fleet.setFault('all');
    }
  });
});

describe('a cAdvisor source that names no host', () => {
  test("hosts file gone: reported, the hosts' counters kept, the cluster still written exactly", async () => {
    const moving = join(h.dir, 'moving-hosts.json');
    await h.fleet.hostsFile(moving);
    const scraper = scraperOf(kubeSource(), externalSource(undefined, moving));
    nextInterval();
    const first = await scraper.round();
    assert.equal(first.report.error, undefined);
    const saved = await scraper.counters.load('all');

    await rm(moving);
    nextInterval();
    const second = await scraper.round();
    assert.equal(second.report.status, 200);
    assert.equal(second.report.severity, 'WARNING');
    assert.equal(
      second.report.error,
      `cadvisor:external: hosts file ${moving}: cannot be read: there is no such file`,
    );
    assert.deepEqual(sourcesOf(second), [
      ['kubernetes.summary_api', 3, 0, undefined],
      ['cadvisor:external', 0, 0, `hosts file ${moving}: cannot be read: there is no such file`],
    ]);
    // Only the cluster was written: its totals are its own, exactly as for a cluster alone.
    assertExactlyTheTruth(sim, second, first.served, () => true);
    // The hosts' counters as they were, so their rates resume when the file is back; the nodes' moved on.
    const now = await scraper.counters.load('all');
    assert.deepEqual([...now.keys()].sort(), [...saved.keys()].sort());
    for (const [key, state] of saved) {
      if (key.startsWith('cadvisor:')) assert.deepEqual(now.get(key), state, key);
      else assert.notDeepEqual(now.get(key), state, key);
    }
  });

  test('every fleet endpoint down beside the cluster', async () => {
    await h.fleet.setFleetFault(0, { kind: 'unreachable' });
    await h.fleet.setFleetFault(1, { kind: 'status', code: 503 });
    try {
      nextInterval();
      const round = await scraperOf(kubeSource(), coreosSource()).round();
      assert.equal(round.report.status, 200);
      const [a, b] = h.fleet.fleetUrls;
      assert.match(
        round.report.error ?? '',
        new RegExp(
          `^cadvisor:coreos: no fleet endpoint listed the machines \\(fleet endpoint ${a}: unreachable: .*; fleet endpoint ${b}: http-status: HTTP 503: .*\\)$`,
        ),
      );
      assertExactlyTheTruth(sim, round, undefined, () => true);
    } finally {
      await h.fleet.setFleetFault(0);
      await h.fleet.setFleetFault(1);
    }
  });

  test('cAdvisor sources alone, all failing: 503, nothing written, nothing saved', async () => {
    const missing = join(h.dir, 'never-written.json');
    await writeFile(join(h.dir, 'bad.json'), '{"Items": [');
    const scraper = scraperOf(
      externalSource(undefined, missing),
      externalSource(undefined, join(h.dir, 'bad.json')),
    );
    nextInterval();
    const round = await scraper.round();
    assert.equal(round.report.status, 503);
    assert.equal(round.report.severity, 'ERROR');
    assert.equal(scraper.sink.writes.length, 0);
    assert.equal(round.report.nodes.total, 0);
    const [gone, bad] = round.report.sources.map((x) => x.error ?? '');
    assert.equal(gone, `hosts file ${missing}: cannot be read: there is no such file`);
    assert.ok(bad?.startsWith(`hosts file ${join(h.dir, 'bad.json')}: not JSON (`), bad);
    assert.equal(round.report.error, `cadvisor:external: ${gone}; cadvisor:external: ${bad}`);
    assert.deepEqual(await scraper.counters.load('all'), new Map());
  });
});
