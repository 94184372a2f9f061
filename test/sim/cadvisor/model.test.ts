import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildHost, type HostSettings } from './build-host.js';
import { sampleContainer, type ContainerSample } from './counters.js';
import { sampleInstants } from './housekeeping.js';
import { goTime, parseGoTime } from './go-time.js';
import { CGROUP_UNLIMITED, goJson } from './json.js';
import type { HostModel } from './model.js';
import { createTruth } from './truth.js';

const ANCHOR = Date.UTC(2024, 2, 10, 12, 0, 0);

function settings(overrides: Partial<HostSettings> = {}): HostSettings {
  return {
    index: 0,
    name: 'cadvisor-0',
    ip: '127.150.245.1',
    port: 8080,
    apiVersion: 'v2.0',
    seed: 42,
    anchorMs: ANCHOR,
    housekeepingIntervalMs: 1000,
    historySamples: 120,
    ...overrides,
  };
}

const at = (ms: number) => ({ ms, ns: 0 });

/** Every cumulative counter of a sample, flattened with a label. */
function counters(s: ContainerSample): [string, number][] {
  return [
    ['cpu.total', s.cpu.total],
    ['cpu.user', s.cpu.user],
    ['cpu.system', s.cpu.system],
    ...s.cpu.perCpu.map((v, i): [string, number] => [`cpu.per_cpu[${i}]`, v]),
    ['cfs.periods', s.cpu.cfsPeriods],
    ['cfs.throttled', s.cpu.cfsThrottledPeriods],
    ['memory.failcnt', s.memory.failcnt],
    ['memory.pgfault', s.memory.pgfault],
    ['memory.pgmajfault', s.memory.pgmajfault],
    ...s.network.flatMap((i): [string, number][] => [
      [`${i.name}.rx_bytes`, i.rxBytes],
      [`${i.name}.rx_packets`, i.rxPackets],
      [`${i.name}.rx_errors`, i.rxErrors],
      [`${i.name}.rx_dropped`, i.rxDropped],
      [`${i.name}.tx_bytes`, i.txBytes],
      [`${i.name}.tx_packets`, i.txPackets],
      [`${i.name}.tx_dropped`, i.txDropped],
    ]),
    ...s.diskio.flatMap((d): [string, number][] =>
      Object.entries(d.bytes).map(([k, v]): [string, number] => [`${d.device}.${k}`, v]),
    ),
  ];
}

describe('go time', () => {
  test('formats like Go RFC3339Nano: trailing zeros trimmed, no fraction on whole seconds', () => {
    const ms = Date.UTC(2015, 5, 1, 12, 34, 56, 123);
    assert.equal(goTime({ ms, ns: 400_000 }), '2015-06-01T12:34:56.1234Z');
    assert.equal(goTime({ ms, ns: 456_789 }), '2015-06-01T12:34:56.123456789Z');
    assert.equal(goTime({ ms: Date.UTC(2015, 5, 1, 12, 34, 56), ns: 0 }), '2015-06-01T12:34:56Z');
    assert.equal(goTime({ ms: Date.UTC(2015, 5, 1, 12, 34, 56), ns: 5 }), '2015-06-01T12:34:56.000000005Z');
  });

  test('parses what it formats, and offsets', () => {
    assert.deepEqual(parseGoTime('2015-06-01T12:34:56.123456789Z'), {
      ms: Date.UTC(2015, 5, 1, 12, 34, 56, 123),
      ns: 456_789,
    });
    assert.deepEqual(parseGoTime('2015-06-01T14:34:56.5+02:00'), {
      ms: Date.UTC(2015, 5, 1, 12, 34, 56, 500),
      ns: 0,
    });
    assert.equal(parseGoTime('yesterday'), undefined);
  });

  test('unlimited cgroup limits are written digit for digit', () => {
    assert.equal(goJson({ limit: CGROUP_UNLIMITED, n: 1 }), '{"limit":9223372036854771712,"n":1}');
  });
});

describe('host model', () => {
  const host: HostModel = buildHost(settings());
  const now = ANCHOR + 5 * 60_000;

  test('is reproducible from its seed and differs across seeds', () => {
    const again = buildHost(settings());
    assert.deepEqual([...again.containers.keys()], [...host.containers.keys()]);
    const name = [...host.containers.keys()][3] as string;
    assert.deepEqual(sampleContainer(again, name, at(now)), sampleContainer(host, name, at(now)));
    const other = buildHost(settings({ seed: 43 }));
    assert.notEqual(other.machine.machineId, host.machine.machineId);
  });

  test('has the root, the system cgroups and docker containers, some with Kubernetes labels', () => {
    const names = [...host.containers.keys()];
    for (const n of [
      '/',
      '/docker',
      '/system.slice/docker.service',
      '/system.slice/kubelet.service',
      '/user.slice',
    ]) {
      assert.ok(names.includes(n), `${n} missing`);
    }
    const docker = [...host.containers.values()].filter((c) => c.namespace === 'docker');
    assert.ok(docker.length >= 5);
    for (const c of docker) {
      assert.match(c.name, /^\/docker\/[0-9a-f]{64}$/);
      assert.deepEqual(c.aliases[1], c.id);
    }
    const pods = docker.filter((c) => c.labels['io.kubernetes.pod.name'] !== undefined);
    assert.ok(pods.some((c) => c.labels['io.kubernetes.container.name'] === 'POD'));
    for (const c of pods) {
      for (const key of [
        'io.kubernetes.pod.namespace',
        'io.kubernetes.pod.uid',
        'io.kubernetes.container.name',
      ]) {
        assert.ok(c.labels[key], `${c.name} lacks ${key}`);
      }
      const l = c.labels;
      assert.equal(
        c.aliases[0],
        `k8s_${l['io.kubernetes.container.name']}_${l['io.kubernetes.pod.name']}_${l['io.kubernetes.pod.namespace']}_${l['io.kubernetes.pod.uid']}_0`,
      );
    }
    assert.ok(
      docker.some((c) => Object.keys(c.labels).length === 0),
      'a container without Kubernetes labels',
    );
  });

  test('cumulative counters never go down', () => {
    for (const name of host.containers.keys()) {
      let previous: [string, number][] | undefined;
      for (let t = now - 3_600_000; t <= now; t += 97_531) {
        const current = counters(sampleContainer(host, name, at(t)));
        if (previous !== undefined) {
          for (const [i, [label, value]] of current.entries()) {
            const [, before] = previous[i] as [string, number];
            assert.ok(value >= before, `${name} ${label} went from ${before} to ${value}`);
          }
        }
        previous = current;
      }
    }
  });

  test('counters grow at the configured rates', () => {
    const truth = createTruth(() => host);
    const t1 = now - 600_000;
    const t2 = now;
    for (const name of host.containers.keys()) {
      const a = sampleContainer(host, name, at(t1));
      const b = sampleContainer(host, name, at(t2));
      const load = truth.load(host.name, name);
      const seconds = (t2 - t1) / 1000;
      // Counters are whole units: each summed term may lose one unit to rounding at either end.
      const terms = [...host.containers.values()].length * host.machine.numCores;
      const close = (actual: number, expected: number, slack: number, what: string): void =>
        assert.ok(Math.abs(actual - expected) <= slack, `${name} ${what}: ${actual} vs ${expected}`);
      close((b.cpu.total - a.cpu.total) / 1e9 / seconds, load.cpuCores, terms / 1e9 / seconds, 'cpu cores');
      const rx = (s: ContainerSample): number => s.network.reduce((sum, i) => sum + i.rxBytes, 0);
      close((rx(b) - rx(a)) / seconds, load.rxBytesPerSecond, 2 / seconds, 'rx bytes/s');
      const reads = (s: ContainerSample): number => s.diskio.reduce((sum, d) => sum + d.bytes.Read, 0);
      close(
        (reads(b) - reads(a)) / seconds,
        load.diskReadBytesPerSecond,
        terms / seconds,
        'disk read bytes/s',
      );
      const usage = b.memory.usage;
      assert.ok(
        Math.abs(usage - load.memoryBytes) <= 0.041 * load.memoryBytes + 1,
        `${name} memory ${usage}`,
      );
    }
  });

  test('samples are internally consistent and parents hold their children', () => {
    for (const c of host.containers.values()) {
      const s = sampleContainer(host, c.name, at(now));
      assert.equal(
        s.cpu.perCpu.reduce((a, b) => a + b, 0),
        s.cpu.total,
      );
      assert.ok(s.cpu.user + s.cpu.system <= s.cpu.total);
      assert.equal(s.memory.rss + s.memory.cache, s.memory.usage);
      assert.ok(s.memory.workingSet <= s.memory.usage && s.memory.usage <= s.memory.maxUsage);
      for (const d of s.diskio) assert.equal(d.bytes.Read + d.bytes.Write, d.bytes.Total);
      for (const f of s.filesystem) assert.ok(f.usage <= f.capacity && f.available <= f.capacity);
      const children = c.children.map((n) => sampleContainer(host, n, at(now)));
      const sum = (pick: (x: ContainerSample) => number): number => children.reduce((a, x) => a + pick(x), 0);
      assert.ok(s.cpu.total >= sum((x) => x.cpu.total), `${c.name} cpu below its children`);
      assert.ok(s.memory.usage >= sum((x) => x.memory.usage), `${c.name} memory below its children`);
    }
    const root = sampleContainer(host, '/', at(now));
    assert.ok(root.memory.usage < host.machine.memoryCapacity);
    assert.deepEqual(
      root.network.map((i) => i.name),
      ['eth0', 'eth1'],
    );
  });

  test('keeps one sample per housekeeping tick, newest at most now, history bounded', () => {
    for (const name of host.containers.keys()) {
      const instants = sampleInstants(host, name, now);
      assert.equal(instants.length, 120);
      const last = instants.at(-1) as { ms: number; ns: number };
      assert.ok(last.ms < now || (last.ms === now && last.ns === 0));
      assert.ok(now - last.ms < 1000);
      for (let i = 1; i < instants.length; i++) {
        const gap = (instants[i] as { ms: number }).ms - (instants[i - 1] as { ms: number }).ms;
        assert.ok(gap > 900 && gap < 1100, `${name} gap ${gap} ms`);
      }
    }
  });

  test('a load override pins a container and its parents follow', () => {
    const pinned = buildHost(
      settings({
        load: (_host, c) =>
          c.labels['io.kubernetes.container.name'] !== undefined && c.kind === 'pod-app'
            ? { cpuCores: 0.25 }
            : undefined,
      }),
    );
    const truth = createTruth(() => pinned);
    const apps = [...pinned.containers.values()].filter((c) => c.kind === 'pod-app');
    for (const c of apps) {
      const a = sampleContainer(pinned, c.name, at(now - 100_000));
      const b = sampleContainer(pinned, c.name, at(now));
      assert.ok(Math.abs((b.cpu.total - a.cpu.total) / 1e9 / 100 - 0.25) < 1e-6);
      assert.equal(truth.load(pinned.name, c.name).cpuCores, 0.25);
    }
    const dockerLoad = truth.load(pinned.name, '/docker').cpuCores;
    assert.ok(dockerLoad >= 0.25 * apps.length);
  });
});
