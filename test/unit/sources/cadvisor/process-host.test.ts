import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCounters, encodeCounters } from '../../../../shared/metrics/counter-state.js';
import type { NodeCounters } from '../../../../shared/metrics/derive.js';
import type { NodeOutcome } from '../../../../shared/metrics/pipeline.js';
import { processHost } from '../../../../shared/sources/cadvisor/process-host.js';
import type { CadvisorHost, HostAnswer } from '../../../../shared/sources/cadvisor/types.js';
import { cadvisorFixture, labelsOf, pointsOf, v13Answer, v20Answer } from './support.js';

/*
 * Both fixtures describe the same host: every container has a sample at 12:00:00.25 and one exactly 2 s later
 * (the hand-started cadvisor container only the later one). Expected values are the fixture's numbers, and
 * rates their change over those 2 s.
 */
const ROUND = Date.UTC(2015, 5, 1, 12, 1, 0);
const at = (hh: number, mm: number, ss: number): number => Date.UTC(2015, 5, 1, hh, mm, ss);
const HOST: CadvisorHost = {
  nodeName: 'server-105',
  hostname: 'server-105',
  address: '192.168.99.105',
  port: 8080,
};
const POD = 'default/frontend-5d8f7c6b9-x2x7q';
const REDIS = 'kube-system/redis-master-x1y2z';

function expected(): Map<string, number> {
  const m = new Map<string, number>();
  const put = (who: string, values: Record<string, number>, resource?: string): void => {
    for (const [metric, v] of Object.entries(values))
      m.set(`${metric} ${who}${resource !== undefined ? ` ${resource}` : ''}`, v);
  };
  put('node', {
    uptime: ROUND - at(10, 0, 0),
    'cpu/usage': 13e9,
    'cpu/usage_rate': ((13e9 - 10e9) / 2e9) * 1000,
    'cpu/load': 1500,
    'cpu/node_capacity': 2 * 1000,
    'memory/usage': 910e6,
    'memory/working_set': 810e6,
    'memory/rss': 705e6,
    'memory/cache': 205e6,
    'memory/page_faults': 5_000_600,
    'memory/page_faults_rate': 600 / 2,
    'memory/major_page_faults': 1002,
    'memory/major_page_faults_rate': 2 / 2,
    'memory/node_capacity': 4_135_952_384,
    // eth0 + eth1
    'network/rx': 1_600_000 + 500_000,
    'network/rx_rate': (2_100_000 - 1_400_000) / 2,
    'network/rx_errors': 3,
    'network/rx_errors_rate': 1 / 2,
    'network/tx': 2_500_000 + 300_000,
    'network/tx_rate': (2_800_000 - 2_100_000) / 2,
    'network/tx_errors': 0,
    'network/tx_errors_rate': 0,
  });
  put(
    'node',
    {
      'filesystem/usage': 40_000_100_000,
      'filesystem/limit': 100_000_000_000,
      'filesystem/available': 54_999_900_000,
      'filesystem/inodes': 6_400_000,
      'filesystem/inodes_free': 5_999_990,
    },
    '/dev/sda1',
  );
  put(
    'node',
    {
      'disk/io_read_bytes': 1_200_000,
      'disk/io_read_bytes_rate': 200_000 / 2,
      'disk/io_write_bytes': 8_600_000,
      'disk/io_write_bytes_rate': 600_000 / 2,
    },
    '/dev/sda',
  );
  put(
    'node',
    {
      'disk/io_read_bytes': 0,
      'disk/io_read_bytes_rate': 0,
      'disk/io_write_bytes': 8192,
      'disk/io_write_bytes_rate': 4096 / 2,
    },
    '/dev/sdb',
  );
  const docker = 'sys_container/system.slice/docker.service';
  put(docker, {
    uptime: ROUND - at(10, 0, 8),
    'cpu/usage': 2.1e9,
    'cpu/usage_rate': (0.1e9 / 2e9) * 1000,
    'cpu/load': 0,
    'memory/usage': 81e6,
    'memory/working_set': 71e6,
    'memory/rss': 61e6,
    'memory/cache': 20e6,
    'memory/page_faults': 400_100,
    'memory/page_faults_rate': 100 / 2,
    'memory/major_page_faults': 10,
    'memory/major_page_faults_rate': 0,
  });
  put(
    docker,
    {
      'disk/io_read_bytes': 0,
      'disk/io_read_bytes_rate': 0,
      'disk/io_write_bytes': 1_100_000,
      'disk/io_write_bytes_rate': 100_000 / 2,
    },
    '/dev/sda',
  );
  // The pod: uptime and network from its sandbox, gauges summed over its one container.
  put(`pod/${POD}`, {
    uptime: ROUND - at(11, 0, 0),
    'network/rx': 90_000,
    'network/rx_rate': 40_000 / 2,
    'network/rx_errors': 0,
    'network/rx_errors_rate': 0,
    'network/tx': 110_000,
    'network/tx_rate': 40_000 / 2,
    'network/tx_errors': 1,
    'network/tx_errors_rate': 1 / 2,
    'cpu/usage_rate': 500,
    'cpu/load': 1000,
    'memory/usage': 310e6,
    'memory/working_set': 260e6,
    'memory/rss': 210e6,
    'memory/cache': 100e6,
    'memory/page_faults_rate': 300 / 2,
    'memory/major_page_faults_rate': 2 / 2,
  });
  const frontend = `pod_container/${POD}/frontend`;
  put(frontend, {
    uptime: ROUND - at(11, 0, 2),
    'cpu/usage': 4e9,
    'cpu/usage_rate': (1e9 / 2e9) * 1000,
    'cpu/load': 1000,
    'memory/usage': 310e6,
    'memory/working_set': 260e6,
    'memory/rss': 210e6,
    'memory/cache': 100e6,
    'memory/page_faults': 1_000_300,
    'memory/page_faults_rate': 300 / 2,
    'memory/major_page_faults': 52,
    'memory/major_page_faults_rate': 2 / 2,
  });
  put(
    frontend,
    {
      'filesystem/usage': 6_100_000,
      'filesystem/limit': 200_000_000_000,
      'filesystem/available': 190_000_000_000,
      'filesystem/inodes': 205,
      'filesystem/inodes_free': 12_000_000,
    },
    '/dev/sdb1',
  );
  put(
    frontend,
    {
      'disk/io_read_bytes': 2_400_000,
      'disk/io_read_bytes_rate': 400_000 / 2,
      'disk/io_write_bytes': 3_000_000,
      'disk/io_write_bytes_rate': 0,
    },
    '/dev/sdb',
  );
  // Kubernetes 1.0: known from the docker name alone, no sandbox listed.
  put(`pod/${REDIS}`, {
    'cpu/usage_rate': 25,
    'cpu/load': 0,
    'memory/usage': 50e6,
    'memory/working_set': 40e6,
    'memory/rss': 30e6,
    'memory/cache': 20e6,
    'memory/page_faults_rate': 0,
    'memory/major_page_faults_rate': 0,
  });
  put(`pod_container/${REDIS}/redis`, {
    uptime: ROUND - at(11, 30, 0),
    'cpu/usage': 1.05e9,
    'cpu/usage_rate': (0.05e9 / 2e9) * 1000,
    'cpu/load': 0,
    'memory/usage': 50e6,
    'memory/working_set': 40e6,
    'memory/rss': 30e6,
    'memory/cache': 20e6,
    'memory/page_faults': 2000,
    'memory/page_faults_rate': 0,
    'memory/major_page_faults': 0,
    'memory/major_page_faults_rate': 0,
  });
  // Started by hand, one sample: no rates without a previous round.
  const cadvisor = 'sys_container/docker/c0ffee00';
  put(cadvisor, {
    uptime: ROUND - at(10, 0, 15),
    'cpu/usage': 0.7e9,
    'cpu/load': 0,
    'memory/usage': 40e6,
    'memory/working_set': 30e6,
    'memory/rss': 25e6,
    'memory/cache': 15e6,
    'memory/page_faults': 3000,
    'memory/major_page_faults': 0,
  });
  put(
    cadvisor,
    {
      'filesystem/usage': 8_000_000,
      'filesystem/limit': 200_000_000_000,
      'filesystem/available': 190_000_000_000,
      'filesystem/inodes': 300,
      'filesystem/inodes_free': 12_000_000,
    },
    '/dev/sdb1',
  );
  put(cadvisor, { 'disk/io_read_bytes': 512, 'disk/io_write_bytes': 0 }, '/dev/sda');
  return m;
}

function run(answer: HostAnswer, previous?: NodeCounters, timestamp = ROUND): NodeOutcome & { ok: true } {
  const result = processHost({ host: HOST, answer, previous, timestamp, options: { clusterName: 'lab' } });
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result;
}

/** The answer with one sample per container: the older one (`which` 0) or the newer (1). */
function oneSample(answer: HostAnswer & { version: 'v2.0' }, which: 0 | 1): HostAnswer {
  const stats = answer.stats as Record<string, { timestamp: string }[]>;
  const picked: Record<string, unknown[]> = {};
  for (const [name, list] of Object.entries(stats)) {
    const sorted = [...list].sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1));
    picked[name] = sorted.length === 1 ? (which === 1 ? sorted : []) : [sorted[which]];
  }
  return { ...answer, stats: picked };
}

describe('processHost: a cAdvisor answer to Heapster metric sets', () => {
  for (const [version, answer] of [
    ['v1.3 subcontainers', v13Answer],
    ['v2.0 spec and stats', v20Answer],
  ] as const) {
    test(`${version}: every point, rates over the answer's own samples`, () => {
      const result = run(answer());
      assert.deepEqual(result.problems, []);
      assert.equal(result.ignoredValues, 0);
      const got = pointsOf(result.block);
      const want = expected();
      assert.deepEqual(
        [...got.keys()].filter((k) => !want.has(k)),
        [],
        'points nobody expected',
      );
      assert.deepEqual(
        [...want.keys()].filter((k) => !got.has(k)),
        [],
        'points missing',
      );
      for (const [key, value] of want) assert.equal(got.get(key), value, key);
    });
  }

  test('labels: the host names the node, Kubernetes labels name pods and containers', () => {
    const labels = labelsOf(run(v20Answer()).block);
    const host = {
      cluster_name: 'lab',
      nodename: 'server-105',
      hostname: 'server-105',
      host_id: 'b2ab7a9e8c6d4f5e9a1b3c5d7e9f1a2b',
    };
    assert.deepEqual(labels.get('node'), { type: 'node', ...host });
    assert.deepEqual(labels.get('sys_container/system.slice/docker.service'), {
      type: 'sys_container',
      ...host,
      container_name: 'system.slice/docker.service',
    });
    const pod = {
      namespace_name: 'default',
      pod_name: 'frontend-5d8f7c6b9-x2x7q',
      pod_id: '9c5f3ff0-0a6d-4f4a-9d1e-6a1c35c5b8f1',
    };
    assert.deepEqual(labels.get(`pod/${POD}`), { type: 'pod', ...host, ...pod });
    assert.deepEqual(labels.get(`pod_container/${POD}/frontend`), {
      type: 'pod_container',
      ...host,
      ...pod,
      container_name: 'frontend',
      container_base_image: 'gcr.io/google-samples/gb-frontend:v4',
    });
    assert.deepEqual(labels.get(`pod_container/${REDIS}/redis`), {
      type: 'pod_container',
      ...host,
      namespace_name: 'kube-system',
      pod_name: 'redis-master-x1y2z',
      pod_id: '5d1e2f30-811f-11e5-b548-42010af00002',
      container_name: 'redis',
      container_base_image: 'redis:2.8',
    });
    assert.equal(labels.size, 7);
  });

  test('namespace and cluster partial sums take the pods and the node', () => {
    const { partial } = run(v13Answer());
    assert.deepEqual(partial.namespaces['default']?.sums, { 'cpu/usage_rate': 500, 'memory/usage': 310e6 });
    assert.deepEqual(partial.namespaces['kube-system']?.sums, { 'cpu/usage_rate': 25, 'memory/usage': 50e6 });
    assert.deepEqual(partial.cluster, { 'cpu/usage_rate': 1500, 'memory/usage': 910e6 });
  });

  test('one sample per container: rates come from the previous round through the stored counters', () => {
    const first = run(
      oneSample(v20Answer() as HostAnswer & { version: 'v2.0' }, 0),
      undefined,
      ROUND - 60_000,
    );
    const firstPoints = pointsOf(first.block);
    assert.deepEqual(
      [...firstPoints.keys()].filter((k) => k.includes('_rate ')),
      [],
    );
    const stored = decodeCounters(encodeCounters(first.next));
    assert.ok(stored.ok);
    const second = run(oneSample(v20Answer() as HostAnswer & { version: 'v2.0' }, 1), stored.counters);
    const got = pointsOf(second.block);
    // Same two samples, now a round apart: the same rates as within one answer.
    for (const [key, value] of expected()) {
      if (!key.includes('_rate')) continue;
      assert.ok(got.has(key), `missing ${key}`);
      assert.ok(
        Math.abs((got.get(key) as number) - value) <= 1e-9 * Math.max(1, value),
        `${key}: ${got.get(key)} != ${value}`,
      );
    }
    assert.equal(second.resets, 0);
  });

  test('a container created anew keeps no rate across rounds and counts a reset', () => {
    const answer = oneSample(v20Answer() as HostAnswer & { version: 'v2.0' }, 0);
    const first = run(answer, undefined, ROUND - 60_000);
    const later = oneSample(v20Answer() as HostAnswer & { version: 'v2.0' }, 1) as HostAnswer & {
      version: 'v2.0';
    };
    const spec = later.spec as Record<string, { creation_time: string }>;
    (spec['/docker/7d2e9f40'] as { creation_time: string }).creation_time = '2015-06-01T12:00:01Z';
    const second = run(later, first.next);
    const got = pointsOf(second.block);
    assert.equal(got.get(`cpu/usage_rate pod_container/${POD}/frontend`), undefined);
    assert.equal(got.get(`disk/io_read_bytes_rate pod_container/${POD}/frontend /dev/sdb`), undefined);
    assert.equal(got.get(`uptime pod_container/${POD}/frontend`), ROUND - at(12, 0, 1));
    assert.ok(second.resets >= 2, `resets ${second.resets}`);
  });

  test('a counter that went down within the answer gives no rate', () => {
    const answer = v20Answer() as HostAnswer & { version: 'v2.0' };
    const stats = answer.stats as Record<string, { timestamp: string; cpu: { usage: { total: number } } }[]>;
    const list = stats['/system.slice/docker.service'] ?? [];
    const newest = [...list].sort((a, b) => (a.timestamp < b.timestamp ? 1 : -1))[0];
    if (newest !== undefined) newest.cpu.usage.total = 1;
    const result = run(answer);
    const got = pointsOf(result.block);
    assert.equal(got.get('cpu/usage_rate sys_container/system.slice/docker.service'), undefined);
    assert.equal(got.get('cpu/usage sys_container/system.slice/docker.service'), 1);
    assert.equal(result.resets, 1);
  });

  test('stats left out (a half-broken host) give no points, not zeros', () => {
    const answer = v13Answer() as HostAnswer & { version: 'v1.3' };
    for (const c of answer.subcontainers as { stats: Record<string, unknown>[] }[])
      for (const s of c.stats) {
        delete s['memory'];
        delete s['network'];
      }
    const got = pointsOf(run(answer).block);
    // memory/node_capacity is the machine's, from machine info.
    assert.deepEqual(
      [...got.keys()].filter(
        (k) => (k.startsWith('memory/') && k !== 'memory/node_capacity node') || k.startsWith('network/'),
      ),
      [],
    );
    assert.equal(got.get('cpu/usage node'), 13e9);
  });

  test('a container without samples yet gives nothing; of two sandboxes of a pod the newer counts', () => {
    const answer = v20Answer() as HostAnswer & { version: 'v2.0' };
    const spec = answer.spec as Record<string, Record<string, unknown>>;
    const stats = answer.stats as Record<string, unknown[]>;
    spec['/docker/ffff0000'] = { ...spec['/docker/c0ffee00'], creation_time: '2015-06-01T12:00:59Z' };
    stats['/docker/ffff0000'] = [];
    // An older sandbox of the same pod, still listed, with other network counters.
    spec['/docker/0ld5and8'] = { ...spec['/docker/1f0c6a2b'], creation_time: '2015-06-01T09:00:00Z' };
    stats['/docker/0ld5and8'] = (
      stats['/docker/1f0c6a2b'] as { network: { interfaces: { rx_bytes: number }[] } }[]
    ).map((s) => ({
      ...s,
      network: { interfaces: [{ name: 'eth0', rx_bytes: 1, rx_errors: 0, tx_bytes: 1, tx_errors: 0 }] },
    }));
    const result = run(answer);
    assert.deepEqual(result.problems, [`/docker/0ld5and8: an older sandbox of pod ${POD}: ignored`]);
    const got = pointsOf(result.block);
    assert.deepEqual(pointsOf(run(v20Answer()).block), got);
    assert.equal(got.get(`network/rx pod/${POD}`), 90_000);
  });

  test('payloads of the wrong shape are errors that say what is wrong', () => {
    const machine = cadvisorFixture('machine.json');
    const cases: [HostAnswer, string][] = [
      [{ version: 'v1.3', machine, subcontainers: { '/': {} } }, 'subcontainers answer is not a JSON array'],
      [{ version: 'v2.0', machine, spec: [], stats: {} }, 'spec answer is not a JSON object'],
      [{ version: 'v2.0', machine, spec: {}, stats: 'x' }, 'stats answer is not a JSON object'],
      [
        { version: 'v1.3', machine, subcontainers: [] },
        'the answer has no root container "/", the machine itself',
      ],
    ];
    for (const [answer, error] of cases)
      assert.deepEqual(processHost({ host: HOST, answer, previous: undefined, timestamp: ROUND }), {
        ok: false,
        error,
      });
  });
});
