import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClock } from '../clock.js';
import { checkShape } from './go-shape-check.js';
import {
  V1_CONTAINER_INFO,
  V1_MACHINE_INFO,
  V2_ATTRIBUTES,
  V2_CONTAINER_SPEC,
  V2_CONTAINER_STATS,
} from './go-shapes.js';
import type { CadvisorFleet, CadvisorHostInfo } from './index.js';
import { epochNanos, getJson, startOnFreeBlock } from './test-support.js';

type Json = Record<string, unknown>;
type Stats = Json & { timestamp: string; cpu: { usage: { total: number; per_cpu_usage: number[] } } };
type InfoV1 = Json & { name: string; subcontainers?: { name: string }[]; stats?: Stats[]; spec: Json };

const clock = createClock();
let fleet: CadvisorFleet;
let v2: CadvisorHostInfo;
let v1: CadvisorHostInfo;

before(async () => {
  fleet = await startOnFreeBlock({ hosts: 2, clock, seed: 1234 });
  v2 = fleet.hosts[0] as CadvisorHostInfo;
  v1 = fleet.hosts[1] as CadvisorHostInfo;
});
after(() => fleet.stop());

const noProblems = (problems: string[]): void => assert.deepEqual(problems.slice(0, 10), []);

describe('version discovery', () => {
  test('/api lists the supported versions as cAdvisor does (HTTP 400, plain text)', async () => {
    assert.deepEqual(
      fleet.hosts.map((h) => h.apiVersion),
      ['v2.0', 'v1.3'],
    );
    const a = await fetch(`${v2.url}/api`);
    assert.equal(a.status, 400);
    assert.match(a.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await a.text(), 'Supported API versions: v1.0,v1.1,v1.2,v1.3,v2.0\n');
    const b = await fetch(`${v1.url}/api/`);
    assert.equal(await b.text(), 'Supported API versions: v1.0,v1.1,v1.2,v1.3\n');
  });

  test('a v1.3 host refuses v2.0 requests; a v2.0 host answers both', async () => {
    const refused = await fetch(`${v1.url}/api/v2.0/machine`);
    assert.equal(refused.status, 500);
    assert.equal(await refused.text(), 'unsupported API version "v2.0"\n');
    assert.equal((await fetch(`${v2.url}/api/v2.0/machine`)).status, 200);
    assert.equal((await fetch(`${v2.url}/api/v1.3/machine`)).status, 200);
  });

  test('request types follow the version: subcontainers arrived in v1.1', async () => {
    const r = await fetch(`${v1.url}/api/v1.0/subcontainers/`);
    assert.equal(r.status, 500);
    assert.equal(await r.text(), 'unknown request type "subcontainers"\n');
    const list = await fetch(`${v1.url}/api/v1.3`);
    assert.equal(list.status, 400);
    assert.equal(
      await list.text(),
      'Supported request types: "containers,docker,events,machine,subcontainers"\n',
    );
  });
});

describe('v1.3', () => {
  test('machine info has MachineInfo shape and ids that match the fleet listing', async () => {
    for (const h of fleet.hosts) {
      const m = await getJson<Json>(`${h.url}/api/v1.3/machine`);
      noProblems(checkShape(m, V1_MACHINE_INFO));
      assert.equal(m['machine_id'], h.machineId);
      const topology = m['topology'] as { cores: { thread_ids: number[] }[] }[];
      const threads = topology.flatMap((n) => n.cores.flatMap((c) => c.thread_ids));
      assert.equal(threads.length, m['num_cores']);
    }
  });

  test('containers/ serves the root with 60 samples by default, values as the truth says', async () => {
    const info = await getJson<InfoV1>(`${v1.url}/api/v1.3/containers/`);
    noProblems(checkShape(info, V1_CONTAINER_INFO));
    assert.equal(info.name, '/');
    const facts = fleet.truth.containers(v1.name);
    const rootFacts = facts.find((c) => c.name === '/');
    assert.deepEqual(
      info.subcontainers?.map((s) => s.name),
      rootFacts?.children,
    );
    const stats = info.stats ?? [];
    assert.equal(stats.length, 60);
    for (const s of [stats[0], stats.at(-1)] as Stats[]) {
      const t = fleet.truth.sample(v1.name, '/', s.timestamp);
      assert.equal(s.cpu.usage.total, t.cpu.total);
      assert.deepEqual(s.cpu.usage.per_cpu_usage, t.cpu.perCpu);
      assert.equal((s['memory'] as Json)['working_set'], t.memory.workingSet);
      const ifaces = (s['network'] as { interfaces: { name: string; rx_bytes: number }[] }).interfaces;
      assert.deepEqual(
        ifaces.map((i) => [i.name, i.rx_bytes]),
        t.network.map((i) => [i.name, i.rxBytes]),
      );
    }
  });

  test('unlimited memory is the exact cgroup v1 value', async () => {
    const text = await (await fetch(`${v1.url}/api/v1.3/containers/user.slice`)).text();
    assert.match(text, /"limit":9223372036854771712,/);
  });

  test('a POSTed ContainerInfoRequest picks the number of samples and a time window', async () => {
    const five = await getJson<InfoV1>(`${v1.url}/api/v1.3/containers/system.slice/kubelet.service`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ num_stats: 5 }),
    });
    assert.equal(five.stats?.length, 5);
    const times = fleet.truth.sampleTimes(v1.name, '/system.slice/kubelet.service', 30, clock.now());
    const windowed = await getJson<InfoV1>(`${v1.url}/api/v1.3/containers/system.slice/kubelet.service`, {
      method: 'POST',
      body: JSON.stringify({ num_stats: -1, start: times[10], end: times[19] }),
    });
    assert.deepEqual(
      windowed.stats?.map((s) => s.timestamp),
      times.slice(10, 20),
    );
  });

  test('subcontainers/ lists every container with spec and stats; docker/ finds containers by alias', async () => {
    const all = await getJson<InfoV1[]>(`${v1.url}/api/v1.3/subcontainers/`, {
      method: 'POST',
      body: '{"num_stats":2}',
    });
    const facts = fleet.truth.containers(v1.name);
    assert.deepEqual(all.map((c) => c.name).sort(), facts.map((c) => c.name).sort());
    for (const c of all) {
      noProblems(checkShape(c, V1_CONTAINER_INFO, c.name));
      assert.equal(c.stats?.length, 2);
    }
    const pod = facts.find((c) => c.pod !== undefined && c.pod.container !== 'POD');
    assert.ok(pod !== undefined);
    const served = all.find((c) => c.name === pod.name) as InfoV1;
    assert.deepEqual((served.spec as { labels: Json }).labels['io.kubernetes.pod.uid'], pod.pod?.uid);
    assert.deepEqual(served['aliases'], [...pod.aliases]);
    assert.equal(served['namespace'], 'docker');

    const byAlias = await getJson<Record<string, InfoV1>>(`${v1.url}/api/v1.3/docker/${pod.aliases[0]}`);
    assert.deepEqual(Object.keys(byAlias), [pod.name]);
    const everyDocker = await getJson<Record<string, InfoV1>>(`${v1.url}/api/v1.3/docker/`);
    assert.deepEqual(
      Object.keys(everyDocker).sort(),
      facts
        .filter((c) => c.namespace === 'docker')
        .map((c) => c.name)
        .sort(),
    );
    const missing = await fetch(`${v1.url}/api/v1.3/docker/nope`);
    assert.equal(missing.status, 500);
    const unknown = await fetch(`${v1.url}/api/v1.3/containers/nope`);
    assert.equal(
      await unknown.text(),
      'failed to get container "/nope" with error: unknown container "/nope"\n',
    );
  });
});

describe('v2.0', () => {
  test('stats with recursive=true and count=N: every container, N samples with their own timestamps', async () => {
    const stats = await getJson<Record<string, Stats[]>>(
      `${v2.url}/api/v2.0/stats/?type=name&recursive=true&count=5`,
    );
    const names = fleet.truth.containers(v2.name).map((c) => c.name);
    assert.deepEqual(Object.keys(stats).sort(), [...names].sort());
    for (const [name, samples] of Object.entries(stats)) {
      assert.equal(samples.length, 5);
      samples.forEach((s, i) => noProblems(checkShape(s, V2_CONTAINER_STATS, `${name}[${i}]`)));
      const ns = samples.map((s) => epochNanos(s.timestamp));
      for (let i = 1; i < ns.length; i++) {
        const gap = Number((ns[i] as bigint) - (ns[i - 1] as bigint)) / 1e6;
        assert.ok(gap > 900 && gap < 1100, `${name}: ${gap} ms between samples`);
      }
      // Real time moves on between the answer and this check, so look for the run among all known samples.
      const known = fleet.truth.sampleTimes(v2.name, name, -1, clock.now());
      const start = known.indexOf(samples[0]?.timestamp ?? '');
      assert.ok(start >= 0 && known.length - start <= 5 + 3, `${name}: not among the newest samples`);
      assert.deepEqual(
        samples.map((s) => s.timestamp),
        known.slice(start, start + 5),
      );
    }
  });

  test('cpu_inst is the per-second rate between consecutive samples, absent on the first', async () => {
    const stats = await getJson<Record<string, (Stats & { cpu_inst?: { usage: { total: number } } })[]>>(
      `${v2.url}/api/v2.0/stats/docker?count=3`,
    );
    const samples = stats['/docker'] ?? [];
    assert.equal(samples.length, 3);
    assert.equal(samples[0]?.cpu_inst, undefined);
    for (let i = 1; i < samples.length; i++) {
      const [a, b] = [samples[i - 1], samples[i]] as [Stats, (typeof samples)[number]];
      const dt = Number(epochNanos(b.timestamp) - epochNanos(a.timestamp));
      assert.equal(b.cpu_inst?.usage.total, Math.trunc(((b.cpu.usage.total - a.cpu.usage.total) / dt) * 1e9));
    }
    const cores = (samples[2]?.cpu_inst?.usage.total ?? 0) / 1e9;
    assert.ok(Math.abs(cores - fleet.truth.load(v2.name, '/docker').cpuCores) < 1e-6);
  });

  test('default count is 64; spec and attributes have their v2 shapes', async () => {
    const stats = await getJson<Record<string, Stats[]>>(`${v2.url}/api/v2.0/stats/user.slice`);
    assert.equal(stats['/user.slice']?.length, 64);
    const specs = await getJson<Record<string, Json>>(`${v2.url}/api/v2.0/spec/?type=name&recursive=true`);
    assert.equal(Object.keys(specs).length, fleet.truth.containers(v2.name).length);
    for (const [name, spec] of Object.entries(specs)) noProblems(checkShape(spec, V2_CONTAINER_SPEC, name));
    assert.equal(specs['/system.slice']?.['has_network'], false);
    noProblems(checkShape(await getJson(`${v2.url}/api/v2.0/attributes`), V2_ATTRIBUTES));
    assert.equal(await getJson(`${v2.url}/api/v2.0/version`), 'v0.34.0');
  });

  test('type=docker selects docker containers by id or alias', async () => {
    const pod = fleet.truth.containers(v2.name).find((c) => c.pod?.container === 'POD');
    assert.ok(pod?.id !== undefined);
    const byId = await getJson<Record<string, Stats[]>>(
      `${v2.url}/api/v2.0/stats/${pod.id}?type=docker&count=1`,
    );
    assert.deepEqual(Object.keys(byId), [pod.name]);
    const all = await getJson<Record<string, Stats[]>>(
      `${v2.url}/api/v2.0/stats?type=docker&recursive=true&count=1`,
    );
    assert.ok(Object.keys(all).every((n) => n.startsWith('/docker/')));
  });

  test('bad options and unknown containers are HTTP 500 with cAdvisor messages', async () => {
    const badCount = await fetch(`${v2.url}/api/v2.0/stats/?count=many`);
    assert.equal(badCount.status, 500);
    assert.equal(await badCount.text(), "failed to parse 'count' option: many\n");
    const badType = await fetch(`${v2.url}/api/v2.0/stats/?type=pod`);
    assert.equal(await badType.text(), `unknown 'type' "pod"\n`);
    const unknown = await fetch(`${v2.url}/api/v2.0/stats/nope`);
    assert.equal(await unknown.text(), 'unknown container "/nope"\n');
  });

  test('advancing the clock moves the samples and the counters with it', async () => {
    const url = `${v2.url}/api/v2.0/stats/?count=1`;
    const first = (await getJson<Record<string, Stats[]>>(url))['/']?.[0] as Stats;
    clock.advance(30_000);
    const second = (await getJson<Record<string, Stats[]>>(url))['/']?.[0] as Stats;
    const seconds = Number(epochNanos(second.timestamp) - epochNanos(first.timestamp)) / 1e9;
    // Each read's newest sample is the last housekeeping tick at or before it: ticks are 1 s apart (the default)
    // with up to 1/20 of that of jitter, so two reads 30 s apart see samples 30 s +- 1.05 s apart.
    assert.ok(Math.abs(seconds - 30) <= 1.05, `${seconds} s apart`);
    const cores = (second.cpu.usage.total - first.cpu.usage.total) / 1e9 / seconds;
    assert.ok(Math.abs(cores - fleet.truth.load(v2.name, '/').cpuCores) < 1e-6);
  });
});
