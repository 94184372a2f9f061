import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Problems } from '../../shared/config/config-error.js';
import { parseHeapsterUri } from '../../shared/config/uri.js';
import { planSeries, type ClusterShape } from '../../shared/plan/series-model.js';
import { parseGcmSink } from '../../shared/sinks/gcm/options.js';

function gcm(uri: string) {
  const problems = new Problems();
  const config = parseGcmSink(problems, 'SINKS', parseHeapsterUri(uri));
  return problems.result(config);
}

/** One of everything: 1 node, 1 pod of 1 container with 1 volume, 1 system container, 1 namespace. */
const ONE: ClusterShape = {
  nodes: 1,
  podsPerNode: 1,
  containersPerPod: 1,
  volumesPerPod: 1,
  systemContainersPerNode: 1,
  namespaces: 1,
};

const FS = ['usage', 'limit', 'available', 'inodes', 'inodes_free'].map((m) => `filesystem/${m}`);
const MEMORY = [
  'memory/usage',
  'memory/working_set',
  'memory/rss',
  'memory/cache',
  'memory/page_faults',
  'memory/page_faults_rate',
  'memory/major_page_faults',
  'memory/major_page_faults_rate',
];
const NETWORK = ['rx', 'rx_errors', 'tx', 'tx_errors'].flatMap((m) => [`network/${m}`, `network/${m}_rate`]);
const REQUESTS = ['cpu/request', 'cpu/limit', 'memory/request', 'memory/limit'];
const EPHEMERAL = ['ephemeral_storage/usage', 'ephemeral_storage/request', 'ephemeral_storage/limit'];
const NODE_RESOURCES = ['cpu', 'memory', 'ephemeral_storage'].flatMap((r) =>
  ['capacity', 'allocatable', 'reservation', 'utilization'].map((k) => `${r}/node_${k}`),
);

// What the Summary API gives each level, written out by name: filesystem metrics once per filesystem.
const CONTAINER = [
  ['uptime', 'cpu/usage', 'cpu/usage_rate', ...MEMORY, ...REQUESTS, ...EPHEMERAL, 'restart_count'],
  FS, // rootfs
  FS, // logs
].flat();
const POD = [
  [
    'uptime',
    'cpu/usage',
    'cpu/usage_rate',
    ...MEMORY,
    ...NETWORK,
    ...REQUESTS,
    ...EPHEMERAL,
    'restart_count',
  ],
  FS, // one volume
].flat();
const NODE = [
  [
    'uptime',
    'cpu/usage',
    'cpu/usage_rate',
    ...MEMORY,
    ...NETWORK,
    ...REQUESTS,
    ...EPHEMERAL,
    ...NODE_RESOURCES,
  ],
  FS, // root filesystem
].flat();
const SYSTEM_CONTAINER = ['uptime', 'cpu/usage', 'cpu/usage_rate', ...MEMORY];
const TOTALS = ['cpu/usage_rate', 'memory/usage', ...REQUESTS];

describe('series model', () => {
  test('one of everything, every metric on every level: the Summary API metrics named one by one', () => {
    const plan = planSeries(
      ONE,
      gcm('gcm?metrics=all&levels=pod_container,pod,ns,node,sys_container,cluster'),
    );
    assert.deepEqual(
      plan.levels.map((l) => [l.level, l.entities, l.seriesPerEntity]),
      [
        ['pod_container', 1, CONTAINER.length],
        ['pod', 1, POD.length],
        ['ns', 1, TOTALS.length],
        ['node', 1, NODE.length],
        ['sys_container', 1, SYSTEM_CONTAINER.length],
        ['cluster', 1, TOTALS.length],
      ],
    );
    // 29 + 32 + 6 + 43 + 11 + 6, as counted by hand from the lists above.
    assert.deepEqual([CONTAINER.length, POD.length, NODE.length, SYSTEM_CONTAINER.length], [29, 32, 43, 11]);
    assert.equal(plan.seriesPerRound, 127);
    assert.deepEqual(
      plan.resources.map((r) => [r.type, r.resources, r.seriesPerResource]),
      [
        ['k8s_container', 1, 29],
        ['k8s_pod', 1, 32],
        ['k8s_node', 1, 43 + 11],
        ['k8s_cluster', 1, 6 + 6],
      ],
    );
  });

  test('entities multiply: 10 nodes x 30 pods x 2 containers, 3 volumes, 4 system containers, 7 namespaces', () => {
    const shape: ClusterShape = {
      nodes: 10,
      podsPerNode: 30,
      containersPerPod: 2,
      volumesPerPod: 3,
      systemContainersPerNode: 4,
      namespaces: 7,
    };
    const plan = planSeries(
      shape,
      gcm('gcm?metrics=all&levels=pod_container,pod,ns,node,sys_container,cluster'),
    );
    const byLevel = Object.fromEntries(
      plan.levels.map((l) => [l.level, [l.entities, l.seriesPerEntity, l.series]]),
    );
    assert.deepEqual(byLevel, {
      pod_container: [600, 29, 600 * 29],
      pod: [300, 27 + 3 * 5, 300 * 42],
      ns: [7, 6, 42],
      node: [10, 43, 430],
      sys_container: [40, 11, 440],
      cluster: [1, 6, 6],
    });
    assert.equal(plan.seriesPerRound, 17_400 + 12_600 + 42 + 430 + 440 + 6);
    const node = plan.resources.find((r) => r.type === 'k8s_node');
    assert.deepEqual([node?.resources, node?.seriesPerResource], [10, 43 + 4 * 11]);
    const cluster = plan.resources.find((r) => r.type === 'k8s_cluster');
    assert.equal(cluster?.seriesPerResource, 7 * 6 + 6);
  });

  test('a metric list and fewer levels: only those series, only those resources', () => {
    const plan = planSeries(
      { ...ONE, nodes: 4, podsPerNode: 5, volumesPerPod: 2 },
      gcm('gcm?metrics=cpu/usage_rate,filesystem/usage,cpu/node_capacity&levels=pod,node'),
    );
    // pod: cpu/usage_rate and filesystem/usage per volume; node: all three, one root filesystem.
    assert.deepEqual(
      plan.levels.map((l) => [l.level, l.entities, l.seriesPerEntity]),
      [
        ['pod', 20, 1 + 2],
        ['node', 4, 1 + 1 + 1],
      ],
    );
    assert.deepEqual(
      plan.resources.map((r) => r.type),
      ['k8s_pod', 'k8s_node'],
    );
    assert.equal(plan.seriesPerRound, 20 * 3 + 4 * 3);
  });

  test('cAdvisor-only metrics and accelerators add nothing from the Summary API', () => {
    const plan = planSeries(
      ONE,
      gcm('gcm?metrics=cpu/load,disk/io_read_bytes,accelerator/duty_cycle&levels=pod_container,node'),
    );
    assert.equal(plan.seriesPerRound, 0);
  });
});
