import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CadvisorExternalSource, CadvisorSource } from '../../shared/config/source-uri.js';
import { metricId } from '../../shared/metrics/catalogue.js';
import { forEachPoint, valueOf, type MetricBlock } from '../../shared/metrics/model.js';
import {
  cadvisorStateKey,
  scrapeCadvisorHosts,
  type CadvisorScrape,
} from '../../shared/sources/cadvisor/scrape-hosts.js';
import type { SimClock } from '../sim/clock.js';
import type { CadvisorFleet } from '../sim/cadvisor/index.js';
import { epochNanos } from '../sim/cadvisor/test-support.js';
import { startHostsFixture, type HostsFixture } from './cadvisor-fixture.js';

/*
 * The cAdvisor sources when things go wrong: hosts that are slow, too big, gone or half broken; hosts files
 * and fleets that cannot be read; and rates carried across rounds in the counter state when an answer holds
 * one sample per container. Expected values come from the simulator's ground truth.
 */

let fleet: CadvisorFleet;
let clock: SimClock;
let port: number;
let dir: string;
let hostsFile: string;

let hosts: HostsFixture;

before(async () => {
  hosts = await startHostsFixture({ name: 'cadvisor-faults', seed: 23, clockOffsetMs: 456 });
  ({ fleet, clock, port, dir, hostsFile } = hosts);
});
after(() => hosts?.stop());

function external(extra: Partial<CadvisorExternalSource> = {}): CadvisorExternalSource {
  return {
    kind: 'cadvisor:external',
    hostsFile,
    standalone: false,
    cadvisorPort: port,
    timeoutMs: 5_000,
    concurrency: 4,
    maxBodyBytes: 32 * 1024 * 1024,
    samples: 10,
    ...extra,
  };
}

function scrape(
  source: CadvisorSource,
  previous: ReadonlyMap<string, Uint8Array> = new Map(),
): Promise<CadvisorScrape> {
  return scrapeCadvisorHosts(
    source,
    {},
    {
      roundTime: Math.floor(clock.now() / 60_000) * 60_000,
      signal: new AbortController().signal,
      previous,
    },
  );
}

function nodeBlock(result: CadvisorScrape, host: string): MetricBlock {
  const o = result.outcomes.find((x) => x.node === host);
  assert.ok(o?.ok, `${host}: ${o?.ok === false ? o.message : 'no outcome'}`);
  return o.block;
}

function nodeValue(block: MetricBlock, metric: Parameters<typeof metricId>[0]): number {
  const node = block.sets.findIndex((s) => s.type === 'node');
  return valueOf(block, node, metricId(metric));
}

describe('cAdvisor hosts that fail', () => {
  test('slow, too large, unreachable and half-broken hosts: reasons per host, the rest still scraped', async () => {
    const [slow, huge, gone, broken] = fleet.hosts.map((h) => h.name) as [string, string, string, string];
    await fleet.setFault(slow, { kind: 'slow', delayMs: 3_000 });
    await fleet.setFault(huge, { kind: 'huge', bytes: 8 * 1024 * 1024 });
    await fleet.setFault(gone, { kind: 'unreachable' });
    await fleet.setFault(broken, { kind: 'missing-fields' });
    try {
      const kept = Uint8Array.from([1, 0]);
      const started = Date.now();
      const result = await scrape(
        external({ timeoutMs: 1_000, maxBodyBytes: 4 * 1024 * 1024 }),
        new Map([[cadvisorStateKey(slow), kept]]),
      );
      assert.ok(Date.now() - started < 2_500, `the round took ${Date.now() - started} ms`);
      const reasons = Object.fromEntries(result.outcomes.map((o) => [o.node, o.ok ? 'ok' : o.reason]));
      assert.deepEqual(reasons, {
        [slow]: 'timeout',
        [huge]: 'too-large',
        [gone]: 'unreachable',
        [broken]: 'ok',
      });
      // A failed host keeps its previous counters; one never seen has none to keep.
      assert.deepEqual(
        [...result.states.keys()].sort(),
        [cadvisorStateKey(slow), cadvisorStateKey(broken)].sort(),
      );
      assert.equal(result.states.get(cadvisorStateKey(slow)), kept);
      // The half-broken host left memory, network and filesystems out: absent, while CPU is there.
      const block = nodeBlock(result, broken);
      const names = new Set<string>();
      forEachPoint(block, (_s, _l, metric) => names.add(metric.name));
      assert.deepEqual(
        [...names].filter((n) =>
          /^(memory\/(usage|working_set|rss|cache|page_faults)|network\/|filesystem\/)/.test(n),
        ),
        [],
      );
      const [newest] = fleet.truth.sampleTimes(broken, '/', 1, clock.now()) as [string];
      assert.equal(nodeValue(block, 'cpu/usage'), fleet.truth.sample(broken, '/', newest).cpu.total);
    } finally {
      await fleet.setFault('all');
    }
  });

  test('a host answering HTTP 500 is an http-status failure with its status', async () => {
    const [sick] = fleet.hosts.map((h) => h.name) as [string];
    await fleet.setFault(sick, { kind: 'status', code: 500 });
    try {
      const result = await scrape(external());
      const o = result.outcomes.find((x) => x.node === sick);
      assert.ok(o !== undefined && !o.ok);
      assert.equal(o.reason, 'http-status');
      assert.equal(o.status, 500);
      assert.match(o.message, /^GET \/api: HTTP 500: /);
      assert.equal(result.outcomes.filter((x) => x.ok).length, 3);
    } finally {
      await fleet.setFault('all');
    }
  });
});

describe('hosts file and fleet trouble: a clear message, no host scraped, nothing thrown', () => {
  const shape = 'expected Heapster\'s JSON like {"Items":[{"Name":"server-105","IP":"192.168.99.105"}]}';
  const rows: [string, string | undefined, (path: string) => string][] = [
    ['missing', undefined, (p) => `hosts file ${p}: cannot be read: there is no such file`],
    ['bad JSON', '{"Items": [', (p) => `hosts file ${p}: not JSON (`],
    ['wrong shape', '{"hosts":["10.0.0.1"]}', (p) => `hosts file ${p}: there is no "Items" list; ${shape}`],
    ['empty list', '{"Items":[]}', (p) => `hosts file ${p}: "Items" lists no hosts; ${shape}`],
  ];
  for (const [name, content, message] of rows) {
    test(`hosts file ${name}`, async () => {
      const path = join(dir, `${name.replace(/ /g, '-')}.json`);
      if (content !== undefined) await writeFile(path, content);
      const result = await scrape(external({ hostsFile: path }));
      assert.equal(result.hostsTotal, 0);
      assert.deepEqual(result.outcomes, []);
      assert.ok(result.discoveryError?.startsWith(message(path)), result.discoveryError);
    });
  }

  test('every fleet endpoint down', async () => {
    await fleet.setFleetFault(0, { kind: 'unreachable' });
    await fleet.setFleetFault(1, { kind: 'status', code: 503 });
    try {
      const source: CadvisorSource = {
        ...external(),
        kind: 'cadvisor:coreos',
        fleetEndpoints: [...fleet.fleetUrls],
      };
      const result = await scrape(source);
      assert.equal(result.hostsTotal, 0);
      const [a, b] = fleet.fleetUrls;
      assert.match(
        result.discoveryError ?? '',
        new RegExp(
          `^no fleet endpoint listed the machines \\(fleet endpoint ${a}: unreachable: .*; fleet endpoint ${b}: http-status: HTTP 503: .*\\)$`,
        ),
      );
    } finally {
      await fleet.setFleetFault(0);
      await fleet.setFleetFault(1);
    }
  });

  test('fleet listing machines without an address: those fail with no-address, the others are scraped', async () => {
    await fleet.setFleetFault(0, { kind: 'missing-fields' });
    try {
      const source: CadvisorSource = {
        ...external(),
        kind: 'cadvisor:coreos',
        fleetEndpoints: [fleet.fleetUrls[0] as string],
      };
      const result = await scrape(source);
      const failed = result.outcomes.filter((o) => !o.ok);
      assert.ok(failed.length > 0 && failed.length < 4, `${failed.length} failed`);
      for (const o of failed) assert.ok(!o.ok && o.reason === 'no-address', JSON.stringify(o));
      assert.equal(result.outcomes.filter((o) => o.ok).length, 4 - failed.length);
    } finally {
      await fleet.setFleetFault(0);
    }
  });
});

describe('rates across rounds', () => {
  test('one sample per container on v2.0 hosts: rates from the counter state of the round before', async () => {
    const source = external({ samples: 1 });
    const t1 = clock.now();
    const first = await scrape(source);
    const v2 = fleet.hosts.filter((h) => h.apiVersion === 'v2.0').map((h) => h.name);
    const v13 = fleet.hosts.filter((h) => h.apiVersion === 'v1.3').map((h) => h.name);
    for (const host of v2) assert.ok(Number.isNaN(nodeValue(nodeBlock(first, host), 'cpu/usage_rate')), host);
    // v1.3 hosts answer 60 samples whatever is asked: their rates need no state.
    for (const host of v13) assert.ok(nodeValue(nodeBlock(first, host), 'cpu/usage_rate') > 0, host);

    clock.advance(60_000);
    const t2 = clock.now();
    const second = await scrape(source, first.states);
    for (const host of v2) {
      const [before] = fleet.truth.sampleTimes(host, '/', 1, t1) as [string];
      const [now] = fleet.truth.sampleTimes(host, '/', 1, t2) as [string];
      const seconds = Number(epochNanos(now) - epochNanos(before)) / 1e9;
      const a = fleet.truth.sample(host, '/', before);
      const b = fleet.truth.sample(host, '/', now);
      const block = nodeBlock(second, host);
      // The stored state keeps whole milliseconds: a rate may differ from the exact one by that much.
      const close = (got: number, want: number, what: string) =>
        assert.ok(
          Math.abs(got - want) <= Math.max(1, Math.abs(want) * 1e-4),
          `${host} ${what}: ${got} vs ${want}`,
        );
      close(
        nodeValue(block, 'cpu/usage_rate'),
        ((b.cpu.total - a.cpu.total) / seconds) * 1e-6,
        'cpu/usage_rate',
      );
      close(
        nodeValue(block, 'memory/page_faults_rate'),
        (b.memory.pgfault - a.memory.pgfault) / seconds,
        'page faults',
      );
      const rx = (s: typeof a) => s.network.reduce((sum, i) => sum + i.rxBytes, 0);
      close(nodeValue(block, 'network/rx_rate'), (rx(b) - rx(a)) / seconds, 'network/rx_rate');
      let disks = 0;
      forEachPoint(block, (set, _labels, metric, value, points) => {
        if (set.type !== 'node' || metric.name !== 'disk/io_write_bytes_rate') return;
        const device = points?.resource_id;
        const before = a.diskio.find((d) => d.device === device);
        const after = b.diskio.find((d) => d.device === device);
        assert.ok(before !== undefined && after !== undefined, `${device}`);
        close(value, (after.bytes.Write - before.bytes.Write) / seconds, `disk write ${device}`);
        disks++;
      });
      assert.ok(disks > 0, `${host}: no disk write rates`);
    }
  });
});
