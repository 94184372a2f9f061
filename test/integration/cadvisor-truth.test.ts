import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CadvisorSource } from '../../shared/config/source-uri.js';
import { finalizeAggregates, mergePartials } from '../../shared/metrics/aggregate.js';
import type { Batch, MetricBlock } from '../../shared/metrics/model.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import { logSink } from '../../shared/sinks/log/log-sink.js';
import { scrapeCadvisorHosts, type CadvisorScrape } from '../../shared/sources/cadvisor/scrape-hosts.js';
import type { SimClock } from '../sim/clock.js';
import { DEFAULT_NUM_STATS, type CadvisorFleet, type ContainerSample } from '../sim/cadvisor/index.js';
import { epochNanos, startOnFreeBlock } from '../sim/cadvisor/test-support.js';
import { freePort } from '../support/processes.js';

/*
 * The cAdvisor sources against the simulator's hosts (v2.0 and v1.3 alternating) and its fleet API: what the
 * log sink prints must be what the simulator's ground truth says those hosts served. The expectation is built
 * from test/sim/cadvisor/truth.ts alone: the samples a request at the frozen simulated time got, the
 * containers' facts, and the loads the counters follow.
 */

const SAMPLES = 10;
const ROUND = 60_000;

/** A simulated clock that moves only when told, so the samples a request gets are known exactly. */
function frozenClock(start: number): SimClock {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

let fleet: CadvisorFleet;
let clock: SimClock;
let port: number;
let dir: string;
let hostsFile: string;
const machines = new Map<string, { cores: number; memory: number }>();

before(async () => {
  clock = frozenClock(Math.floor(Date.now() / 1000) * 1000 + 123);
  port = await freePort();
  fleet = await startOnFreeBlock({
    hosts: 4,
    clock,
    seed: 11,
    port,
    versions: ['v2.0', 'v1.3'],
    fleetEndpoints: 2,
    fleetPageSize: 3,
  });
  dir = await mkdtemp(join(tmpdir(), 'cadvisor-truth-'));
  hostsFile = join(dir, 'hosts.json');
  await fleet.hostsFile(hostsFile);
  for (const h of fleet.hosts) {
    const m = (await (await fetch(`${h.url}/api/v1.3/machine`)).json()) as {
      num_cores: number;
      memory_capacity: number;
    };
    machines.set(h.name, { cores: m.num_cores, memory: m.memory_capacity });
  }
});
after(async () => {
  await fleet.stop();
  await rm(dir, { recursive: true, force: true });
});

const options = {
  cadvisorPort: 0,
  timeoutMs: 5_000,
  concurrency: 4,
  maxBodyBytes: 32 * 1024 * 1024,
  samples: SAMPLES,
};

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

function keyOf(metric: string, labels: Record<string, string | undefined>): string {
  const sorted = Object.entries(labels)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `${metric} ${JSON.stringify(Object.fromEntries(sorted))}`;
}

interface Naming {
  nodename: string;
  hostname: string;
}

/** Every point the hosts' truth implies, for the levels a host gives (node, system containers, pods, pod containers). */
function expectedPoints(roundTime: number, naming: (host: string) => Naming): Map<string, number> {
  const want = new Map<string, number>();
  const now = clock.now();
  for (const h of fleet.hosts) {
    const host = { cluster_name: 'sim', ...naming(h.name), host_id: h.machineId };
    const count = h.apiVersion === 'v1.3' ? DEFAULT_NUM_STATS : SAMPLES;
    const facts = fleet.truth.containers(h.name);
    const ends = (name: string): { newest: ContainerSample; oldest: ContainerSample; seconds: number } => {
      const times = fleet.truth.sampleTimes(h.name, name, count, now);
      const first = times[0] as string;
      const last = times[times.length - 1] as string;
      return {
        newest: fleet.truth.sample(h.name, name, last),
        oldest: fleet.truth.sample(h.name, name, first),
        seconds: Number(epochNanos(last) - epochNanos(first)) / 1e9,
      };
    };
    const put = (
      labels: Record<string, string | undefined>,
      values: Record<string, number>,
      resource?: string,
    ) => {
      for (const [metric, v] of Object.entries(values))
        want.set(
          keyOf(metric, { ...host, ...labels, ...(resource !== undefined ? { resource_id: resource } : {}) }),
          v,
        );
    };
    const uptime = (creationTime: string): number => roundTime - Date.parse(creationTime);
    const podSums = new Map<string, Record<string, number>>();

    for (const c of facts) {
      const { newest: s, oldest: o, seconds } = ends(c.name);
      const perSecond = (now: number, before: number) => (now - before) / seconds;
      const cpuRate = Math.round(((s.cpu.total - o.cpu.total) / seconds) * 1e-6);
      // Rates follow the simulated load: a check of the arithmetic above that does not read the samples.
      assert.ok(Math.abs(cpuRate - fleet.truth.load(h.name, c.name).cpuCores * 1000) <= 2, c.name);
      const usage = {
        'cpu/usage': s.cpu.total,
        'cpu/usage_rate': cpuRate,
        // What every simulated cAdvisor serves as load_average.
        'cpu/load': 0,
        'memory/usage': s.memory.usage,
        'memory/working_set': s.memory.workingSet,
        'memory/rss': s.memory.rss,
        'memory/cache': s.memory.cache,
        'memory/page_faults': s.memory.pgfault,
        'memory/page_faults_rate': perSecond(s.memory.pgfault, o.memory.pgfault),
        'memory/major_page_faults': s.memory.pgmajfault,
        'memory/major_page_faults_rate': perSecond(s.memory.pgmajfault, o.memory.pgmajfault),
      };
      const network = (): Record<string, number> => {
        const sum = (x: ContainerSample, k: 'rxBytes' | 'rxErrors' | 'txBytes' | 'txErrors') =>
          x.network.reduce((a, i) => a + i[k], 0);
        return {
          'network/rx': sum(s, 'rxBytes'),
          'network/rx_rate': perSecond(sum(s, 'rxBytes'), sum(o, 'rxBytes')),
          'network/rx_errors': sum(s, 'rxErrors'),
          'network/rx_errors_rate': perSecond(sum(s, 'rxErrors'), sum(o, 'rxErrors')),
          'network/tx': sum(s, 'txBytes'),
          'network/tx_rate': perSecond(sum(s, 'txBytes'), sum(o, 'txBytes')),
          'network/tx_errors': sum(s, 'txErrors'),
          'network/tx_errors_rate': perSecond(sum(s, 'txErrors'), sum(o, 'txErrors')),
        };
      };
      const storage = (labels: Record<string, string | undefined>): void => {
        for (const fs of s.filesystem)
          put(
            labels,
            {
              'filesystem/usage': fs.usage,
              'filesystem/limit': fs.capacity,
              'filesystem/available': fs.available,
              'filesystem/inodes': fs.inodes,
              'filesystem/inodes_free': fs.inodesFree,
            },
            fs.device,
          );
        for (const d of s.diskio) {
          const before = o.diskio.find((x) => x.device === d.device);
          put(
            labels,
            {
              'disk/io_read_bytes': d.bytes.Read,
              'disk/io_write_bytes': d.bytes.Write,
              ...(before !== undefined
                ? {
                    'disk/io_read_bytes_rate': perSecond(d.bytes.Read, before.bytes.Read),
                    'disk/io_write_bytes_rate': perSecond(d.bytes.Write, before.bytes.Write),
                  }
                : {}),
            },
            d.device,
          );
        }
      };
      const machine = machines.get(h.name) as { cores: number; memory: number };
      switch (c.kind) {
        case 'root':
          put({ type: 'node' }, { uptime: uptime(c.creationTime), ...usage, ...network() });
          put(
            { type: 'node' },
            { 'cpu/node_capacity': machine.cores * 1000, 'memory/node_capacity': machine.memory },
          );
          storage({ type: 'node' });
          break;
        case 'system':
        case 'docker': {
          const labels = { type: 'sys_container', container_name: c.name.slice(1) };
          put(labels, { uptime: uptime(c.creationTime), ...usage });
          storage(labels);
          break;
        }
        case 'pod-infra':
        case 'pod-app': {
          const pod = c.pod as NonNullable<typeof c.pod>;
          const podLabels = { namespace_name: pod.namespace, pod_name: pod.name, pod_id: pod.uid };
          if (c.kind === 'pod-infra') {
            put({ type: 'pod', ...podLabels }, { uptime: uptime(c.creationTime), ...network() });
            break;
          }
          const labels = {
            type: 'pod_container',
            ...podLabels,
            container_name: pod.container,
            container_base_image: c.image,
          };
          put(labels, { uptime: uptime(c.creationTime), ...usage });
          storage(labels);
          // The pod's gauges are its containers' sums.
          const sums = podSums.get(JSON.stringify(podLabels)) ?? {};
          for (const k of [
            'cpu/usage_rate',
            'cpu/load',
            'memory/usage',
            'memory/working_set',
            'memory/rss',
            'memory/cache',
            'memory/page_faults_rate',
            'memory/major_page_faults_rate',
          ] as const)
            sums[k] = (sums[k] ?? 0) + usage[k];
          podSums.set(JSON.stringify(podLabels), sums);
        }
      }
    }
    for (const [pod, sums] of podSums)
      put({ type: 'pod', ...(JSON.parse(pod) as Record<string, string>) }, sums);
  }
  return want;
}

/** Printed points of the host levels equal the expectation; rates up to float rounding. */
function assertHostPoints(got: Map<string, number>, want: Map<string, number>): void {
  const hostLevels = [...got.keys()].filter((k) => !/"type":"(ns|cluster)"/.test(k));
  assert.deepEqual(
    hostLevels.filter((k) => !want.has(k)),
    [],
    'printed points the truth does not imply',
  );
  assert.deepEqual(
    [...want.keys()].filter((k) => !got.has(k)),
    [],
    'points the truth implies that were not printed',
  );
  assert.ok(want.size > 400, `only ${want.size} points expected`);
  for (const [key, value] of want) {
    const v = got.get(key) as number;
    assert.ok(
      Math.abs(v - value) <= 1e-9 * Math.max(1, Math.abs(value)),
      `${key}: printed ${v}, truth ${value}`,
    );
  }
}

/** Namespace and cluster sets: the pods' and the nodes' sums of cpu/usage_rate and memory/usage. */
function assertAggregates(got: Map<string, number>): void {
  const sums = new Map<string, number>();
  for (const [key, v] of got) {
    const [metric, json] = key.split(' ', 2) as [string, string];
    if (metric !== 'cpu/usage_rate' && metric !== 'memory/usage') continue;
    const labels = JSON.parse(json) as Record<string, string>;
    const at =
      labels['type'] === 'pod'
        ? keyOf(metric, { type: 'ns', cluster_name: 'sim', namespace_name: labels['namespace_name'] })
        : labels['type'] === 'node'
          ? keyOf(metric, { type: 'cluster', cluster_name: 'sim' })
          : undefined;
    if (at !== undefined) sums.set(at, (sums.get(at) ?? 0) + v);
  }
  const aggregated = [...got].filter(([k]) => /"type":"(ns|cluster)"/.test(k));
  assert.deepEqual(new Map(aggregated), sums);
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
      expectedPoints(round.roundTime, (name) => ({ nodename: name, hostname: name })),
    );
    assertAggregates(got);
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
        expectedPoints(round.roundTime, (name) => {
          const h = byName.get(name) as (typeof fleet.hosts)[number];
          return { nodename: h.machineId, hostname: h.ip };
        }),
      );
      assertAggregates(got);
    } finally {
      await fleet.setFleetFault(0);
    }
  });
});
