import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MetricDefinition } from '../../../shared/metrics/catalogue.js';
import type { PointLabels } from '../../../shared/metrics/labels.js';
import { countPoints, forEachPoint } from '../../../shared/metrics/model.js';
import { processNode } from '../../../shared/metrics/pipeline.js';
import { fixtureInventory, kubeletFixture, setIndex, value } from '../fixtures.js';

const ROUND = Date.parse('2020-04-20T22:53:00Z');

describe('processNode', () => {
  const inventory = fixtureInventory();
  const first = processNode({
    payload: kubeletFixture('stats-summary-1.json'),
    previous: undefined,
    inventory,
    timestamp: ROUND,
  });
  assert.ok(first.ok);
  const second = processNode({
    payload: kubeletFixture('stats-summary-2.json'),
    previous: first.ok ? first.next : undefined,
    inventory,
    timestamp: ROUND + 60_000,
    options: { clusterName: 'c1' },
  });

  test('chains the stages: rates, labels, pod sums and the partial', () => {
    assert.ok(second.ok);
    if (!second.ok) return;
    const c = setIndex(second.block, 'pod_container', 'kube-scheduler-minikube', 'kube-scheduler');
    assert.equal(value(second.block, c, 'cpu/usage_rate'), 1000);
    assert.equal(second.block.labels[c]?.cluster_name, 'c1');
    assert.equal(
      value(second.block, setIndex(second.block, 'pod', 'kube-scheduler-minikube'), 'cpu/request'),
      2,
    );
    assert.equal(second.partial.cluster['cpu/usage_rate'], 1000);
    assert.deepEqual(second.problems, []);
    assert.equal(second.resets, 0);
  });

  test('a bad payload is an error value', () => {
    const r = processNode({ payload: { nope: true }, previous: undefined, inventory, timestamp: ROUND });
    assert.deepEqual(r, { ok: false, error: 'summary payload has no "node" object' });
  });

  test('forEachPoint visits every present value once, labelled points with their labels', () => {
    assert.ok(second.ok);
    if (!second.ok) return;
    const seen: { metric: MetricDefinition; pointLabels: PointLabels | undefined }[] = [];
    forEachPoint(second.block, (_set, labels, metric, v, pointLabels) => {
      assert.ok(Number.isFinite(v));
      assert.ok(labels.type);
      seen.push({ metric, pointLabels });
    });
    assert.equal(seen.length, countPoints(second.block));
    for (const { metric, pointLabels } of seen) {
      assert.deepEqual(Object.keys(pointLabels ?? {}), [...metric.pointLabels], metric.name);
    }
    assert.ok(seen.some((p) => p.pointLabels?.resource_id === 'Volume:default-token-wgfsl'));
  });
});
