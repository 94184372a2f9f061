import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCounters, encodeCounters } from '../../../shared/metrics/counter-state.js';
import { derive } from '../../../shared/metrics/derive.js';
import { enrich, type EnrichOptions } from '../../../shared/metrics/enrich.js';
import type { ClusterInventory, NodeInfo } from '../../../shared/metrics/inventory.js';
import type { NodeBlock, NodeSamples } from '../../../shared/metrics/model.js';
import { parseSummary } from '../../../shared/sources/summary/parse.js';
import type { Summary } from '../../../shared/sources/summary/types.js';
import { fixtureInventory, setIndex, summaryFixture, value } from '../fixtures.js';

const ROUND = Date.parse('2020-04-20T22:53:00Z');
const NODE: NodeInfo = {
  name: 'minikube',
  hostname: 'minikube.local',
  hostId: 'gce://project/zone/minikube',
  labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' },
  capacity: { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100G' },
  allocatable: { cpu: '3800m', memory: '7Gi', 'ephemeral-storage': '90G' },
};

function samplesOf(payload: Summary): NodeSamples {
  const outcome = parseSummary(payload);
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.samples;
}

/** The fixture's second scrape after derive, so that cpu/usage_rate exists. */
function derivedSecondScrape(): NodeSamples {
  const first = derive(undefined, samplesOf(summaryFixture(1)), ROUND);
  const state = decodeCounters(encodeCounters(first.next));
  if (!state.ok) throw new Error(state.error);
  return derive(state.counters, samplesOf(summaryFixture(2)), ROUND + 60_000).samples;
}

function enriched(inventory: ClusterInventory, options?: EnrichOptions): NodeBlock {
  return enrich(derivedSecondScrape(), inventory, options).block;
}

describe('enrich: labels', () => {
  const inventory = fixtureInventory({ node: NODE, namespaces: [['kube-system', 'ns-uid-ks']] });
  const block = enriched(inventory, { clusterName: 'prod' });

  test('node labels: host identity and the sorted node labels', () => {
    assert.deepEqual(block.labels[setIndex(block, 'node')], {
      type: 'node',
      cluster_name: 'prod',
      nodename: 'minikube',
      hostname: 'minikube.local',
      host_id: 'gce://project/zone/minikube',
      labels: 'kubernetes.io/arch:amd64,kubernetes.io/os:linux',
    });
  });

  test("system containers carry Heapster's names by default", () => {
    const names = block.sets.flatMap((s, i) =>
      s.type === 'sys_container' ? [block.labels[i]?.container_name] : [],
    );
    assert.deepEqual(names, ['kubelet', 'docker-daemon', 'pods']);
    const kubeletNames = enriched(inventory, { systemContainerNames: 'kubelet' });
    const raw = kubeletNames.sets.flatMap((s, i) =>
      s.type === 'sys_container' ? [kubeletNames.labels[i]?.container_name] : [],
    );
    assert.deepEqual(raw, ['kubelet', 'runtime', 'pods']);
  });

  test('pod and container labels', () => {
    const pod = setIndex(block, 'pod', 'kube-scheduler-minikube');
    const expectedPod = {
      type: 'pod',
      cluster_name: 'prod',
      nodename: 'minikube',
      hostname: 'minikube.local',
      host_id: 'gce://project/zone/minikube',
      namespace_name: 'kube-system',
      namespace_id: 'ns-uid-ks',
      pod_name: 'kube-scheduler-minikube',
      pod_id: '5795d0c442cb997ff93c49feeb9f6386',
    };
    assert.deepEqual(block.labels[pod], expectedPod);
    const container = setIndex(block, 'pod_container', 'kube-scheduler-minikube', 'kube-scheduler');
    assert.deepEqual(block.labels[container], {
      ...expectedPod,
      type: 'pod_container',
      container_name: 'kube-scheduler',
    });
  });

  test('user labels and images when the inventory has them; a configurable separator', () => {
    const uid = '42ad382b-ed0b-446d-9aab-3fdce8b4f9e2';
    const pods = new Map(inventory.pods);
    pods.set(uid, {
      uid,
      name: 'go-hello-world-5456b4b8cd-99vxc',
      namespace: 'default',
      labels: { tier: 'web', app: 'hello' },
      containers: [{ name: 'server', image: 'example/hello:1.0' }],
    });
    const b = enriched({ ...inventory, pods }, { labelSeparator: ';' });
    const c = b.labels[setIndex(b, 'pod_container', 'go-hello-world-5456b4b8cd-99vxc', 'server')];
    assert.equal(c?.labels, 'app:hello;tier:web');
    assert.equal(c?.container_base_image, 'example/hello:1.0');
    assert.equal(c?.cluster_name, undefined);
  });

  test('without inventory: labels from the summary only, hostname falls back to the node name', () => {
    const b = enriched({ nodes: new Map(), pods: new Map(), namespaces: new Map() });
    assert.deepEqual(b.labels[setIndex(b, 'node')], {
      type: 'node',
      nodename: 'minikube',
      hostname: 'minikube',
    });
    const c = b.labels[setIndex(b, 'pod_container', 'etcd-minikube', 'etcd')];
    assert.equal(c?.pod_id, '5a5fbd34cfb43ee7bee976798370c910');
    assert.equal(c?.namespace_id, undefined);
  });
});

describe('enrich: requests, limits and node resources', () => {
  const inventory = fixtureInventory({ node: NODE });
  const block = enriched(inventory);

  test('requests and limits from the spec: 2m/4m cpu, 10M/100M memory', () => {
    const c = setIndex(block, 'pod_container', 'kube-scheduler-minikube', 'kube-scheduler');
    assert.equal(value(block, c, 'cpu/request'), 2);
    assert.equal(value(block, c, 'cpu/limit'), 4);
    assert.equal(value(block, c, 'memory/request'), 10_000_000);
    assert.equal(value(block, c, 'memory/limit'), 100_000_000);
    assert.equal(value(block, c, 'ephemeral_storage/request'), 0);
    assert.ok(Number.isNaN(value(block, c, 'accelerator/request')));
  });

  test('a spec container without resources requests 0; a pod without spec gives nothing', () => {
    const uid = '0a6d6b05-0e8d-4920-8a38-926a33164d45';
    const pods = new Map(inventory.pods);
    pods.set(uid, {
      uid,
      name: 'kube-proxy-v48tf',
      namespace: 'kube-system',
      containers: [{ name: 'kube-proxy' }],
    });
    const b = enriched({ ...inventory, pods });
    const c = setIndex(b, 'pod_container', 'kube-proxy-v48tf', 'kube-proxy');
    for (const m of ['cpu/request', 'cpu/limit', 'memory/request', 'memory/limit'] as const) {
      assert.equal(value(b, c, m), 0, m);
    }
    // The fixture's pod list has no spec for kube-apiserver.
    const specless = setIndex(b, 'pod_container', 'kube-apiserver-minikube', 'kube-apiserver');
    assert.ok(Number.isNaN(value(b, specless, 'cpu/request')));
    assert.ok(Number.isNaN(value(b, specless, 'restart_count')));
  });

  test('node capacity and allocatable; reservation and utilization against allocatable', () => {
    const n = setIndex(block, 'node');
    const allocatableMemory = 7 * 2 ** 30;
    assert.equal(value(block, n, 'cpu/node_capacity'), 4000);
    assert.equal(value(block, n, 'cpu/node_allocatable'), 3800);
    assert.equal(value(block, n, 'memory/node_capacity'), 8 * 2 ** 30);
    assert.equal(value(block, n, 'memory/node_allocatable'), allocatableMemory);
    assert.equal(value(block, n, 'ephemeral_storage/node_allocatable'), 90e9);
    // Only kube-scheduler requests anything: 2 millicores and 10 MB.
    assert.equal(value(block, n, 'cpu/node_reservation'), 2 / 3800);
    assert.equal(value(block, n, 'memory/node_reservation'), 10e6 / allocatableMemory);
    assert.equal(value(block, n, 'ephemeral_storage/node_reservation'), 0);
    // The node's own rate is 1000 millicores in the second scrape; memory usage is the payload's.
    assert.equal(value(block, n, 'cpu/node_utilization'), 1000 / 3800);
    assert.equal(value(block, n, 'memory/node_utilization'), 3608727552 / allocatableMemory);
    assert.equal(value(block, n, 'ephemeral_storage/node_utilization'), 2626973696 / 90e9);
  });

  test('no node info: no capacity, allocatable or ratios', () => {
    const b = enriched(fixtureInventory());
    const n = setIndex(b, 'node');
    for (const m of ['cpu/node_capacity', 'memory/node_allocatable', 'cpu/node_reservation'] as const) {
      assert.ok(Number.isNaN(value(b, n, m)), m);
    }
  });
});

describe('enrich: spec containers the kubelet did not report', () => {
  const base = fixtureInventory({ node: NODE });
  const uid = '5795d0c442cb997ff93c49feeb9f6386';
  const pods = new Map(base.pods);
  pods.set(uid, {
    uid,
    name: 'kube-scheduler-minikube',
    namespace: 'kube-system',
    containers: [
      { name: 'kube-scheduler', requests: { cpu: '2m' } },
      {
        name: 'sidecar',
        image: 'example/sidecar:2',
        requests: { cpu: '250m', memory: '64Mi', 'nvidia.com/gpu': '1' },
        limits: { cpu: '1', 'nvidia.com/gpu': '1' },
        restartCount: 3,
      },
    ],
  });
  const { block, problems } = enrich(derivedSecondScrape(), { ...base, pods });

  test('get a set of their own with requests, limits, restarts and labels', () => {
    const s = setIndex(block, 'pod_container', 'kube-scheduler-minikube', 'sidecar');
    assert.equal(value(block, s, 'cpu/request'), 250);
    assert.equal(value(block, s, 'cpu/limit'), 1000);
    assert.equal(value(block, s, 'memory/request'), 64 * 2 ** 20);
    assert.equal(value(block, s, 'accelerator/request'), 1);
    assert.equal(value(block, s, 'restart_count'), 3);
    assert.ok(Number.isNaN(value(block, s, 'cpu/usage')));
    assert.equal(block.labels[s]?.container_base_image, 'example/sidecar:2');
    assert.equal(block.sets[(block.owners[s] as number) ?? -1]?.podName, 'kube-scheduler-minikube');
    assert.deepEqual(problems, []);
  });

  test('and count in the node reservation', () => {
    assert.equal(value(block, setIndex(block, 'node'), 'cpu/node_reservation'), (2 + 250) / 3800);
  });

  test('an invalid quantity is absent and reported', () => {
    pods.set(uid, {
      uid,
      name: 'kube-scheduler-minikube',
      namespace: 'kube-system',
      containers: [{ name: 'kube-scheduler', requests: { cpu: 'lots' } }],
    });
    const r = enrich(derivedSecondScrape(), { ...base, pods });
    const c = setIndex(r.block, 'pod_container', 'kube-scheduler-minikube', 'kube-scheduler');
    assert.ok(Number.isNaN(value(r.block, c, 'cpu/request')));
    assert.equal(value(r.block, c, 'cpu/limit'), 0);
    assert.deepEqual(r.problems, ['invalid quantity "lots"']);
  });
});

describe('enrich leaves its input alone', () => {
  test('values and sets are copied', () => {
    const samples = derivedSecondScrape();
    const before = samples.values.slice();
    const setCount = samples.sets.length;
    enrich(samples, fixtureInventory({ node: NODE }));
    assert.deepEqual(samples.values, before);
    assert.equal(samples.sets.length, setCount);
  });
});
