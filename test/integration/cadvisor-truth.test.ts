import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CadvisorSource } from '../../shared/config/source-uri.js';
import { finalizeAggregates, mergePartials } from '../../shared/metrics/aggregate.js';
import type { Batch, MetricBlock } from '../../shared/metrics/model.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import { logSink } from '../../shared/sinks/log/log-sink.js';
import { scrapeCadvisorHosts, type CadvisorScrape } from '../../shared/sources/cadvisor/scrape-hosts.js';
import type { SimClock } from '../sim/clock.js';
import type { CadvisorFleet } from '../sim/cadvisor/index.js';
import {
  assertAggregates,
  assertHostPoints,
  expectedPoints,
  keyOf,
  type HostTruth,
} from './cadvisor-expected.js';
import { startHostsFixture, type HostsFixture } from './cadvisor-fixture.js';

/*
 * The cAdvisor sources against the simulator's hosts (v2.0 and v1.3 alternating) and its fleet API: what the
 * log sink prints must be what the simulator's ground truth says those hosts served (see cadvisor-expected.ts).
 */

const SAMPLES = 10;
const ROUND = 60_000;

let fleet: CadvisorFleet;
let clock: SimClock;
let port: number;
let hostsFile: string;
let machines: ReadonlyMap<string, { cores: number; memory: number }>;

let hosts: HostsFixture;

before(async () => {
  hosts = await startHostsFixture({ name: 'cadvisor-truth', seed: 11, clockOffsetMs: 123, fleetPageSize: 3 });
  ({ fleet, clock, port, hostsFile, machines } = hosts);
});
after(() => hosts?.stop());

const options = {
  cadvisorPort: 0,
  timeoutMs: 5_000,
  concurrency: 4,
  maxBodyBytes: 32 * 1024 * 1024,
  samples: SAMPLES,
};

const truth = (): HostTruth => ({ fleet, now: clock.now(), samples: SAMPLES, machines, clusterName: 'sim' });

function roundOf(previous: ReadonlyMap<string, Uint8Array> = new Map()) {
  return {
    roundTime: Math.floor(clock.now() / ROUND) * ROUND,
    signal: new AbortController().signal,
    previous,
    options: { clusterName: 'sim' },
  };
}

/** What a round hands the sinks: the hosts' blocks, then the namespaces and the cluster, as a run does. */
function batchOf(scrape: CadvisorScrape, roundTime: number): Batch {
  const blocks: MetricBlock[] = [];
  const partials = [];
  for (const o of scrape.outcomes) {
    assert.ok(o.ok, o.ok ? '' : `${o.node}: ${o.reason} ${o.message}`);
    blocks.push(o.block);
    partials.push(o.partial);
  }
  blocks.push(finalizeAggregates(mergePartials(partials), { clusterName: 'sim' }));
  return { timestamp: roundTime, blocks };
}

/** The points the log sink prints, `metric{k="v",...} value`, keyed by metric and sorted labels. */
async function printed(batch: Batch): Promise<Map<string, number>> {
  let text = '';
  await logSink({ points: true }, memoryLogger(), (t) => (text += t)).write(
    batch,
    new AbortController().signal,
  );
  const points = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const m = /^([^{]+)\{(.*)\} (\S+)$/.exec(line);
    assert.ok(m !== null, line);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] as string).matchAll(/(\w+)=("(?:[^"\\]|\\.)*")/g))
      labels[k as string] = JSON.parse(v as string) as string;
    const key = keyOf(m[1] as string, labels);
    assert.ok(!points.has(key), `printed twice: ${key}`);
    points.set(key, Number(m[3]));
  }
  return points;
}

describe('cAdvisor sources against the simulated hosts', () => {
  test('hosts file: every mapped metric and label the log sink prints is what the hosts served', async () => {
    const source: CadvisorSource = {
      kind: 'cadvisor:external',
      hostsFile,
      standalone: false,
      ...options,
      cadvisorPort: port,
    };
    const round = roundOf();
    const scrape = await scrapeCadvisorHosts(source, {}, round);
    assert.equal(scrape.discoveryError, undefined);
    assert.equal(scrape.hostsTotal, 4);
    assert.deepEqual(
      scrape.outcomes.map((o) => (o.ok ? [o.node, o.problems] : [o.node, o.message])),
      fleet.hosts.map((h) => [h.name, []]),
    );
    assert.deepEqual(new Set(fleet.hosts.map((h) => h.apiVersion)), new Set(['v2.0', 'v1.3']));
    const got = await printed(batchOf(scrape, round.roundTime));
    assertHostPoints(
      got,
      expectedPoints(truth(), round.roundTime, (name) => ({ nodename: name, hostname: name })),
    );
    assertAggregates(got, 'sim');
  });

  test('fleet with its first endpoint down: machines from the second, across pages, named by machine ID', async () => {
    await fleet.setFleetFault(0, { kind: 'unreachable' });
    try {
      const source: CadvisorSource = {
        kind: 'cadvisor:coreos',
        fleetEndpoints: [...fleet.fleetUrls],
        ...options,
        cadvisorPort: port,
      };
      const round = roundOf();
      const scrape = await scrapeCadvisorHosts(source, {}, round);
      assert.equal(scrape.discoveryError, undefined);
      assert.equal(scrape.problems.length, 1);
      assert.match(
        scrape.problems[0] as string,
        new RegExp(`^fleet endpoint ${fleet.fleetUrls[0]}: unreachable: `),
      );
      const byName = new Map(fleet.hosts.map((h) => [h.name, h]));
      const got = await printed(batchOf(scrape, round.roundTime));
      assertHostPoints(
        got,
        expectedPoints(truth(), round.roundTime, (name) => {
          const h = byName.get(name) as (typeof fleet.hosts)[number];
          return { nodename: h.machineId, hostname: h.ip };
        }),
      );
      assertAggregates(got, 'sim');
    } finally {
      await fleet.setFleetFault(0);
    }
  });
});
