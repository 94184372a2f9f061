import assert from 'node:assert/strict';
import { DEFAULT_NUM_STATS, type CadvisorFleet, type ContainerSample } from '../sim/cadvisor/index.js';
import { epochNanos } from '../sim/cadvisor/test-support.js';
import type { SimClock } from '../sim/clock.js';
import type { LoggedPoint } from '../support/point-lines.js';

/*
 * What the simulator's cAdvisor hosts imply a round writes, built from test/sim/cadvisor/truth.ts alone: the
 * samples a request at a frozen simulated time got, the containers' facts, and the loads the counters follow.
 * Points are keyed `metric {"label":"value",...}` with the labels sorted.
 */

/** A simulated clock that moves only when told, so the samples a request gets are known exactly. */
export function frozenClock(start: number): SimClock {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

export interface HostTruth {
  readonly fleet: CadvisorFleet;
  /** The frozen simulated time the hosts were asked at. */
  readonly now: number;
  /** Samples per container asked of v2.0 hosts (v1.3 hosts answer their default). */
  readonly samples: number;
  /** Each host's machine info, as its /api/v1.3/machine answers it. */
  readonly machines: ReadonlyMap<string, { cores: number; memory: number }>;
  readonly clusterName: string;
}

/** Every host's cores and memory, asked of the host itself. */
export async function machinesOf(
  fleet: CadvisorFleet,
): Promise<Map<string, { cores: number; memory: number }>> {
  const machines = new Map<string, { cores: number; memory: number }>();
  for (const h of fleet.hosts) {
    const m = (await (await fetch(`${h.url}/api/v1.3/machine`)).json()) as {
      num_cores: number;
      memory_capacity: number;
    };
    machines.set(h.name, { cores: m.num_cores, memory: m.memory_capacity });
  }
  return machines;
}

export function keyOf(metric: string, labels: Record<string, string | undefined>): string {
  const sorted = Object.entries(labels)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `${metric} ${JSON.stringify(Object.fromEntries(sorted))}`;
}

export interface Naming {
  nodename: string;
  hostname: string;
}

/** How the hosts file names a host: its Name for both labels. */
export const byHostsFile = (name: string): Naming => ({ nodename: name, hostname: name });

/** How fleet names a host: its machine ID, with its primary IP as the hostname. */
export function byFleet(fleet: CadvisorFleet): (name: string) => Naming {
  return (name) => {
    const host = fleet.hosts.find((x) => x.name === name);
    assert.ok(host !== undefined, name);
    return { nodename: host.machineId, hostname: host.ip };
  };
}

/**
 * Every point the hosts' truth implies, for the levels a host gives (node, system containers, pods, pod
 * containers), for requests made at `t.now` with `t.samples` samples asked of v2.0 hosts.
 */
export function expectedPoints(
  t: HostTruth,
  roundTime: number,
  naming: (host: string) => Naming,
): Map<string, number> {
  const want = new Map<string, number>();
  const { fleet, now } = t;
  for (const h of fleet.hosts) {
    const host = { cluster_name: t.clusterName, ...naming(h.name), host_id: h.machineId };
    const count = h.apiVersion === 'v1.3' ? DEFAULT_NUM_STATS : t.samples;
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
      const machine = t.machines.get(h.name) as { cores: number; memory: number };
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
export function assertHostPoints(got: Map<string, number>, want: Map<string, number>): void {
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
export function assertAggregates(got: Map<string, number>, clusterName: string): void {
  const sums = new Map<string, number>();
  for (const [key, v] of got) {
    const [metric, json] = key.split(' ', 2) as [string, string];
    if (metric !== 'cpu/usage_rate' && metric !== 'memory/usage') continue;
    const labels = JSON.parse(json) as Record<string, string>;
    const at =
      labels['type'] === 'pod'
        ? keyOf(metric, { type: 'ns', cluster_name: clusterName, namespace_name: labels['namespace_name'] })
        : labels['type'] === 'node'
          ? keyOf(metric, { type: 'cluster', cluster_name: clusterName })
          : undefined;
    if (at !== undefined) sums.set(at, (sums.get(at) ?? 0) + v);
  }
  const aggregated = [...got].filter(([k]) => /"type":"(ns|cluster)"/.test(k));
  assert.deepEqual(new Map(aggregated), sums);
}

/** The points of the nodes `names` holds, keyed as cadvisor-expected.ts keys them. */
export function pointsOf(points: ReadonlyMap<string, LoggedPoint>, names: Set<string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of points.values())
    if (names.has(p.labels['nodename'] ?? '')) out.set(keyOf(p.metric, p.labels), p.value);
  return out;
}

/**
 * The namespace and cluster totals of cpu/usage_rate and memory/usage are the sums over every source's pods
 * and nodes (a namespace may hold pods of the cluster and of cAdvisor hosts alike).
 */
export function assertTotals(points: ReadonlyMap<string, LoggedPoint>): void {
  const sums = new Map<string, number>();
  const totals = new Map<string, number>();
  for (const p of points.values()) {
    if (p.metric !== 'cpu/usage_rate' && p.metric !== 'memory/usage') continue;
    const type = p.labels['type'];
    if (type === 'ns' || type === 'cluster') {
      totals.set(`${p.metric} ${type} ${p.labels['namespace_name'] ?? ''}`, p.value);
      continue;
    }
    const at =
      type === 'pod'
        ? `${p.metric} ns ${p.labels['namespace_name']}`
        : type === 'node'
          ? `${p.metric} cluster `
          : undefined;
    if (at !== undefined) sums.set(at, (sums.get(at) ?? 0) + p.value);
  }
  assert.ok(sums.size > 2, `only ${sums.size} totals to check`);
  assert.deepEqual([...sums.keys()].sort(), [...totals.keys()].sort());
  for (const [key, sum] of sums) {
    const total = totals.get(key) as number;
    assert.ok(Math.abs(total - sum) <= 1e-9 * Math.max(1, sum), `${key}: written ${total}, sum ${sum}`);
  }
}
