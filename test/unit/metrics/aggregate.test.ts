import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  aggregate,
  finalizeAggregates,
  mergePartials,
  type AggregatePartial,
} from '../../../shared/metrics/aggregate.js';
import { derive, type NodeCounters } from '../../../shared/metrics/derive.js';
import { enrich } from '../../../shared/metrics/enrich.js';
import type { ClusterInventory } from '../../../shared/metrics/inventory.js';
import type { MetricBlock, NodeBlock } from '../../../shared/metrics/model.js';
import { parseSummary } from '../../../shared/sources/summary/parse.js';
import type { Summary } from '../../../shared/sources/summary/types.js';
import { fixtureInventory, setIndex, summaryFixture, value } from '../fixtures.js';

const ROUND = Date.parse('2020-04-20T22:53:00Z');

/** parse -> derive -> enrich -> aggregate of two consecutive payloads; the second round's result. */
function twoRounds(
  first: Summary,
  second: Summary,
  inventory: ClusterInventory,
): { block: NodeBlock; partial: AggregatePartial } {
  let state: NodeCounters | undefined;
  let result: { block: NodeBlock; partial: AggregatePartial } | undefined;
  for (const [i, payload] of [first, second].entries()) {
    const parsed = parseSummary(payload);
    if (!parsed.ok) throw new Error(parsed.error);
    const derived = derive(state, parsed.samples, ROUND + i * 60_000);
    state = derived.next;
    result = aggregate(enrich(derived.samples, inventory, { clusterName: 'c1' }).block);
  }
  return result as { block: NodeBlock; partial: AggregatePartial };
}

const namespaces: [string, string][] = [
  ['kube-system', 'uid-kube-system'],
  ['default', 'uid-default'],
];

describe('aggregate the fixture node', () => {
  const fixture = summaryFixture(2);
  const pods = fixture.pods ?? [];
  const { block, partial } = twoRounds(summaryFixture(1), fixture, fixtureInventory({ namespaces }));

  test('pods keep their own kubelet stats rather than the sum of their containers', () => {
    for (const pod of pods) {
      const p = setIndex(block, 'pod', pod.podRef?.name);
      assert.equal(value(block, p, 'memory/usage'), pod.memory?.usageBytes);
      assert.equal(value(block, p, 'cpu/usage_rate'), 1000);
    }
  });

  test("pods sum their containers' requests and limits", () => {
    const p = setIndex(block, 'pod', 'kube-scheduler-minikube');
    assert.equal(value(block, p, 'cpu/request'), 2);
    assert.equal(value(block, p, 'memory/limit'), 100e6);
    assert.ok(Number.isNaN(value(block, setIndex(block, 'pod', 'etcd-minikube'), 'cpu/request')));
  });

  test('the node sums its pods for requests and limits only', () => {
    const n = setIndex(block, 'node');
    assert.equal(value(block, n, 'cpu/request'), 2);
    assert.equal(value(block, n, 'cpu/limit'), 4);
    assert.equal(value(block, n, 'memory/request'), 10e6);
    assert.equal(value(block, n, 'memory/usage'), fixture.node?.memory?.usageBytes);
  });

  test('namespace partial sums equal the sums of the fixture pods', () => {
    const byNs = new Map<string, { memory: number; cpuPods: number }>();
    for (const pod of pods) {
      const ns = pod.podRef?.namespace ?? '';
      const e = byNs.get(ns) ?? { memory: 0, cpuPods: 0 };
      e.memory += pod.memory?.usageBytes ?? 0;
      e.cpuPods += pod.cpu ? 1 : 0;
      byNs.set(ns, e);
    }
    assert.deepEqual(Object.keys(partial.namespaces).sort(), [...byNs.keys()].sort());
    for (const [ns, e] of byNs) {
      const got = partial.namespaces[ns];
      assert.equal(got?.sums['memory/usage'], e.memory, ns);
      assert.equal(got?.sums['cpu/usage_rate'], e.cpuPods * 1000, ns);
    }
    assert.equal(partial.namespaces['kube-system']?.id, 'uid-kube-system');
    assert.deepEqual(partial.namespaces['kube-system']?.sums['cpu/request'], 2);
    // No pod of "default" has a spec with containers: no request sum rather than a made-up 0.
    assert.equal(partial.namespaces['default']?.sums['cpu/request'], undefined);
  });

  test('the cluster partial is the node', () => {
    assert.deepEqual(partial.cluster, {
      'cpu/usage_rate': 1000,
      'memory/usage': fixture.node?.memory?.usageBytes,
      'cpu/request': 2,
      'cpu/limit': 4,
      'memory/request': 10e6,
      'memory/limit': 100e6,
    });
  });
});

describe('pods without pod-level stats', () => {
  const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 1, s)).toISOString();
  const payload = (t: number, podCpu: boolean): Summary => ({
    node: { nodeName: 'n1', cpu: { time: at(t), usageCoreNanoSeconds: 1e12 + t * 4e9 } },
    pods: [
      {
        podRef: { name: 'p', namespace: 'ns', uid: 'u1' },
        ...(podCpu ? { cpu: { time: at(t), usageCoreNanoSeconds: 1e11 + t * 3e9 } } : {}),
        containers: [
          {
            name: 'a',
            cpu: { time: at(t), usageCoreNanoSeconds: t * 1e9 },
            memory: { time: at(t), usageBytes: 100, workingSetBytes: 80 },
          },
          {
            name: 'b',
            cpu: { time: at(t), usageCoreNanoSeconds: t * 2e9 },
            memory: { time: at(t), usageBytes: 50 },
          },
        ],
      },
    ],
  });
  const none: ClusterInventory = { nodes: new Map(), pods: new Map(), namespaces: new Map() };

  test('sum their containers: 1000 + 2000 millicores, 100 + 50 bytes', () => {
    const { block, partial } = twoRounds(payload(0, false), payload(10, false), none);
    const p = setIndex(block, 'pod', 'p');
    assert.equal(value(block, p, 'cpu/usage_rate'), 3000);
    assert.equal(value(block, p, 'memory/usage'), 150);
    assert.equal(value(block, p, 'memory/working_set'), 80);
    assert.ok(Number.isNaN(value(block, p, 'cpu/usage')), 'cumulative metrics are not summed');
    assert.deepEqual(partial.namespaces['ns']?.sums, { 'cpu/usage_rate': 3000, 'memory/usage': 150 });
    assert.deepEqual(partial.cluster, { 'cpu/usage_rate': 4000 });
  });

  test('a pod whose own counter is new waits for its own rate', () => {
    const { block } = twoRounds(payload(0, false), payload(10, true), none);
    const p = setIndex(block, 'pod', 'p');
    assert.ok(Number.isNaN(value(block, p, 'cpu/usage_rate')));
    assert.equal(value(block, p, 'memory/usage'), 150);
  });
});

describe('partials from shards', () => {
  const renamed = (n: 1 | 2, node: string): Summary => {
    const s = summaryFixture(n);
    return { ...s, node: { ...s.node, nodeName: node } };
  };
  const inventory = fixtureInventory({ namespaces });
  const a = twoRounds(renamed(1, 'a'), renamed(2, 'a'), inventory).partial;
  const b = twoRounds(renamed(1, 'b'), renamed(2, 'b'), inventory).partial;
  const single = twoRounds(summaryFixture(1), summaryFixture(2), inventory).partial;

  test('merge in any grouping and order to the same sums, through JSON', () => {
    const viaJson = (p: AggregatePartial): AggregatePartial =>
      JSON.parse(JSON.stringify(p)) as AggregatePartial;
    const whole = mergePartials([a, b]);
    assert.deepEqual(mergePartials([viaJson(b), viaJson(a)]), whole);
    assert.deepEqual(mergePartials([mergePartials([a]), mergePartials([b])]), whole);
    assert.equal(whole.cluster['memory/usage'], 2 * (single.cluster['memory/usage'] ?? NaN));
    assert.equal(
      whole.namespaces['kube-system']?.sums['cpu/usage_rate'],
      2 * (single.namespaces['kube-system']?.sums['cpu/usage_rate'] ?? NaN),
    );
  });

  test('finalize: one set per namespace, sorted, and the cluster set', () => {
    const block: MetricBlock = finalizeAggregates(mergePartials([a, b]), { clusterName: 'c1' });
    assert.deepEqual(block.labels, [
      { type: 'ns', cluster_name: 'c1', namespace_name: 'default', namespace_id: 'uid-default' },
      { type: 'ns', cluster_name: 'c1', namespace_name: 'kube-system', namespace_id: 'uid-kube-system' },
      { type: 'cluster', cluster_name: 'c1' },
    ]);
    const ks = single.namespaces['kube-system']?.sums ?? {};
    assert.equal(value(block, 1, 'memory/usage'), 2 * (ks['memory/usage'] ?? NaN));
    assert.equal(value(block, 2, 'cpu/request'), 4);
    assert.ok(Number.isNaN(value(block, 0, 'cpu/request')));
  });

  test('an empty round still has a cluster set, without values', () => {
    const block = finalizeAggregates(mergePartials([]));
    assert.deepEqual(block.labels, [{ type: 'cluster' }]);
    assert.ok(block.values.every((v) => Number.isNaN(v)));
  });
});

describe('namespace names that are also Object.prototype members', () => {
  test('are plain keys', () => {
    const payload = (t: number): Summary => ({
      node: { nodeName: 'n1' },
      pods: ['constructor', 'toString', '__proto__'].map((ns, i) => ({
        podRef: { name: `p${i}`, namespace: ns, uid: `u${i}` },
        memory: { time: new Date(Date.UTC(2024, 0, 1, 0, 0, t)).toISOString(), usageBytes: 10 * (i + 1) },
      })),
    });
    const none: ClusterInventory = { nodes: new Map(), pods: new Map(), namespaces: new Map() };
    const { partial } = twoRounds(payload(0), payload(10), none);
    const merged = mergePartials([partial, JSON.parse(JSON.stringify(partial)) as AggregatePartial]);
    assert.deepEqual(Object.keys(merged.namespaces).sort(), ['__proto__', 'constructor', 'toString']);
    const block = finalizeAggregates(merged);
    assert.deepEqual(
      block.labels.map((l) => l.namespace_name),
      ['__proto__', 'constructor', 'toString', undefined],
    );
    assert.deepEqual(
      [0, 1, 2].map((s) => value(block, s, 'memory/usage')),
      [60, 20, 40],
    );
  });
});
