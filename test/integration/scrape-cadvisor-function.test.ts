import assert from 'node:assert/strict';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startSim, type Sim } from '../sim/sim.js';
import { startFunctionsFramework, type FunctionsFrameworkProcess } from '../support/functions-framework.js';
import { pointsByKey, type LoggedPoint } from '../support/point-lines.js';
import {
  assertHostPoints,
  assertTotals,
  byFleet,
  byHostsFile,
  expectedPoints as expectedHostPoints,
  pointsOf,
} from './cadvisor-expected.js';
import { SMALL_CLUSTER, startHostsFixture, type HostsFixture } from './cadvisor-fixture.js';
import { differences } from './expected/compare.js';
import { expectedPoints as expectedNodePoints } from './expected/heapster-points.js';
import { clusterObjects } from '../support/in-process-scrape.js';

/*
 * The scrape function itself (the real Functions Framework, called as Cloud Scheduler calls it) reading a
 * simulated cluster, standalone cAdvisor hosts from a hosts file, and the same hosts from fleet with its first
 * endpoint down: every point on stdout is what the simulators' truths imply. Then the hosts file goes away:
 * the round still writes the rest and says why the file's hosts are missing.
 */

const CLUSTER = 'ff-mixed';
const INTERVAL_MS = 60_000;
const SAMPLES = 10;

interface Called {
  readonly roundTime: number;
  readonly status: number;
  readonly report: {
    severity: string;
    error?: string;
    sources: { source: string; nodes: number; failed: number; error?: string }[];
  };
  readonly points: Map<string, LoggedPoint>;
}

describe('scrape function over a cluster and cAdvisor hosts (Functions Framework)', () => {
  let sim: Sim;
  let h: HostsFixture;
  let ff: FunctionsFrameworkProcess;
  let hostsFile: string;

  before(async () => {
    sim = await startSim(SMALL_CLUSTER);
    h = await startHostsFixture({ name: 'scrape-cadvisor-ff', seed: 41, clockOffsetMs: 321 });
    hostsFile = join(h.dir, 'function-hosts.json');
    await copyFile(h.hostsFile, hostsFile);
    await h.fleet.setFleetFault(0, { kind: 'unreachable' });
    const cadvisor = `cadvisorPort=${h.port}&samples=${SAMPLES}`;
    ff = await startFunctionsFramework({
      target: 'scrape',
      source: 'functions/scrape/index.ts',
      env: {
        SOURCES: [
          `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false`,
          `cadvisor:external?hostsFile=${hostsFile}&${cadvisor}`,
          `cadvisor:coreos?${h.fleet.fleetUrls.map((u) => `fleetEndpoint=${u}`).join('&')}&${cadvisor}`,
        ].join('\n'),
        SINKS: 'log?points=true',
        CLUSTER_NAME: CLUSTER,
        INTERVAL: '60s',
        FUNCTION_TIMEOUT: '60s',
        STATE_STORE: 'memory',
        METADATA_SERVER_DETECTION: 'none',
      },
    });
  });
  after(async () => {
    await ff?.stop();
    await h?.stop();
    await sim?.stop();
  });

  const call = async (): Promise<Called> => {
    const roundTime = Math.floor(sim.clock.now() / INTERVAL_MS) * INTERVAL_MS;
    ff.takeLines();
    const answer = await ff.schedule(new Date(roundTime + 1_000));
    // The report line comes after every point line: once it is read, the round's output is complete.
    await ff.waitForLine((l) => l.startsWith('{') && l.includes('"scrape round '));
    const points = pointsByKey(ff.takeLines());
    return { roundTime, status: answer.status, report: answer.body as Called['report'], points };
  };

  /** The kubelets' points are exactly what they served (the totals also hold the hosts: checked apart). */
  const assertNodePoints = (round: Called): void => {
    const served = new Map([...sim.cluster.nodes.keys()].map((n) => [n, sim.truth.summary(n)]));
    const ofNodes = <P extends { labels: Readonly<Record<string, string | undefined>> }>(
      points: ReadonlyMap<string, P>,
    ) => new Map([...points].filter(([, p]) => served.has(p.labels['nodename'] ?? '')));
    const expected = expectedNodePoints({
      current: served,
      previous: undefined,
      cluster: sim.cluster,
      objects: clusterObjects(sim),
      roundTime: round.roundTime,
      clusterName: CLUSTER,
    });
    const found = differences(ofNodes(round.points), ofNodes(expected));
    if (found.length > 0) assert.fail(found.join('\n'));
  };

  test('every point is the truth: kubelets, hosts-file hosts, fleet hosts, and totals over all', async () => {
    const round = await call();
    assert.equal(round.status, 200, JSON.stringify(round.report));
    assert.equal(round.report.severity, 'INFO');
    assert.deepEqual(round.report.sources, [
      { source: 'kubernetes.summary_api', nodes: 3, failed: 0 },
      { source: 'cadvisor:external', nodes: 4, failed: 0 },
      { source: 'cadvisor:coreos', nodes: 4, failed: 0 },
    ]);
    const truth = {
      fleet: h.fleet,
      now: h.clock.now(),
      samples: SAMPLES,
      machines: h.machines,
      clusterName: CLUSTER,
    };
    assertHostPoints(
      pointsOf(round.points, new Set(h.fleet.hosts.map((x) => x.name))),
      expectedHostPoints(truth, round.roundTime, byHostsFile),
    );
    assertHostPoints(
      pointsOf(round.points, new Set(h.fleet.hosts.map((x) => x.machineId))),
      expectedHostPoints(truth, round.roundTime, byFleet(h.fleet)),
    );
    assertNodePoints(round);
    assertTotals(round.points);
    assert.equal(ff.stderr(), '', 'nothing on stderr (no listener or other warnings)');
  });

  test('the hosts file gone: the round says so and writes the cluster and the fleet hosts', async () => {
    await rm(hostsFile);
    sim.clock.advance(INTERVAL_MS);
    h.clock.advance(INTERVAL_MS);
    const round = await call();
    assert.equal(round.status, 200);
    assert.equal(round.report.severity, 'WARNING');
    const why = `hosts file ${hostsFile}: cannot be read: there is no such file`;
    assert.equal(round.report.error, `cadvisor:external: ${why}`);
    assert.deepEqual(round.report.sources[1], {
      source: 'cadvisor:external',
      nodes: 0,
      failed: 0,
      error: why,
    });
    const nodenames = new Set([...round.points.values()].flatMap((p) => p.labels['nodename'] ?? []));
    assert.deepEqual(
      [...nodenames].sort(),
      [...sim.cluster.nodes.keys(), ...h.fleet.hosts.map((x) => x.machineId)].sort(),
    );
    assertTotals(round.points);
  });
});
