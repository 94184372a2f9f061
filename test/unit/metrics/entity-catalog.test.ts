import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EntityCatalog } from '../../../shared/metrics/entity-catalog.js';
import type { ClusterInventory, PodInfo } from '../../../shared/metrics/inventory.js';
import type { MetricSet, NodeBlock } from '../../../shared/metrics/model.js';
import { labelNode, sampleStored } from '../../../shared/metrics/pipeline.js';
import type { Summary } from '../../../shared/sources/summary/types.js';
import { fixtureInventory, setIndex, summaryFixture } from '../fixtures.js';

const ROUND = Date.parse('2020-04-20T22:53:00Z');
const OPTIONS = { clusterName: 'demo' };

/** One node's round through parse -> derive -> enrich -> aggregate, its entities kept in `catalog` if given. */
function round(
  payload: Summary,
  inventory: ClusterInventory,
  catalog?: EntityCatalog,
  options: { clusterName: string } = OPTIONS,
): NodeBlock {
  const sampled = sampleStored(payload, undefined, ROUND, undefined, catalog);
  if (!sampled.ok) throw new Error(sampled.error);
  return labelNode(sampled.samples, inventory, options, catalog).block;
}

/** The summary with its pods in reverse order (a kubelet lists them in no fixed order). */
function reversed(payload: Summary): Summary {
  return { ...payload, pods: [...(payload.pods ?? [])].reverse() };
}

/** Who a set is, as plain values. */
function who({ type, nodeName, namespace, podName, podUid, containerName }: MetricSet): MetricSet {
  return { type, nodeName, namespace, podName, podUid, containerName };
}

/** A set's index in a block by who it is, whatever the order of the sets. */
function indexOf(block: NodeBlock, set: MetricSet): number {
  return setIndex(block, set.type, set.podName, set.containerName);
}

describe("EntityCatalog: a node's entities kept from round to round", () => {
  const inventory = fixtureInventory();
  const payload = summaryFixture(2);

  test('a later round reuses every set and label object, and its labels are those a fresh round makes', () => {
    const catalog = new EntityCatalog();
    const first = round(payload, inventory, catalog);
    catalog.sweep();
    const second = round(reversed(payload), inventory, catalog);
    const fresh = round(reversed(payload), inventory);
    assert.equal(second.sets.length, first.sets.length);
    for (let s = 0; s < second.sets.length; s++) {
      const set = second.sets[s] as MetricSet;
      const before = indexOf(first, set);
      assert.equal(set, first.sets[before], `${set.type} ${set.podName}/${set.containerName}: same object`);
      assert.equal(second.labels[s], first.labels[before], `${set.type} ${set.containerName}: same labels`);
    }
    assert.deepEqual(second.labels, fresh.labels);
    // And the labels kept are those of the set they are kept with, whatever its place this round.
    for (let s = 0; s < second.sets.length; s++) {
      const set = second.sets[s] as MetricSet;
      const labels = second.labels[s];
      assert.equal(labels?.type, set.type);
      if (set.type === 'pod' || set.type === 'pod_container') {
        assert.equal(labels?.pod_name, set.podName);
        assert.equal(labels?.namespace_name, set.namespace);
        assert.equal(labels?.pod_id, set.podUid);
      }
      if (set.type === 'pod_container') assert.equal(labels?.container_name, set.containerName);
    }
    assert.deepEqual(second.sets.map(who), fresh.sets.map(who));
  });

  test('a container still names its own pod when the pods come in another order', () => {
    const catalog = new EntityCatalog();
    round(payload, inventory, catalog);
    const block = round(reversed(payload), inventory, catalog);
    let containers = 0;
    for (let s = 0; s < block.sets.length; s++) {
      const set = block.sets[s] as MetricSet;
      if (set.type !== 'pod_container') continue;
      containers++;
      const pod = block.sets[block.owners[s] as number] as MetricSet;
      assert.equal(pod.type, 'pod');
      assert.equal(pod.podUid, set.podUid);
      assert.equal(block.labels[s]?.pod_name, pod.podName);
    }
    assert.ok(containers > 0);
  });

  test('a pod whose inventory object changed gets new labels; the other pods keep theirs', () => {
    const catalog = new EntityCatalog();
    const first = round(payload, inventory, catalog);
    const pod = first.sets[setIndex(first, 'pod', 'kube-scheduler-minikube')] as MetricSet;
    const before = inventory.pods.get(pod.podUid) as PodInfo;
    const relabelled: PodInfo = { ...before, labels: { ...before.labels, tier: 'gold' } };
    const changed: ClusterInventory = {
      ...inventory,
      pods: new Map([...inventory.pods, [pod.podUid, relabelled]]),
    };
    const second = round(payload, changed, catalog);
    for (let s = 0; s < second.sets.length; s++) {
      const set = second.sets[s] as MetricSet;
      const labels = second.labels[s];
      if (set.podUid === pod.podUid) {
        assert.notEqual(labels, first.labels[s]);
        assert.match(labels?.labels ?? '', /(^|,)tier:gold(,|$)/, `${set.type} ${set.containerName}`);
      } else assert.equal(labels, first.labels[s]);
    }
  });

  test('other options make new labels', () => {
    const catalog = new EntityCatalog();
    round(payload, inventory, catalog);
    const renamed = round(payload, inventory, catalog, { clusterName: 'other' });
    for (const labels of renamed.labels) assert.equal(labels.cluster_name, 'other');
  });

  test('what two rounds did not see is forgotten; a node not seen is let go', () => {
    const catalog = new EntityCatalog();
    const first = round(payload, inventory, catalog);
    const s = setIndex(first, 'pod', 'kube-scheduler-minikube');
    const gone = first.sets[s] as MetricSet;
    const without: Summary = {
      ...payload,
      pods: (payload.pods ?? []).filter((p) => p.podRef?.uid !== gone.podUid),
    };
    catalog.sweep();
    round(without, inventory, catalog);
    catalog.sweep();
    // Seen by the round before: still kept.
    const back = round(payload, inventory, catalog);
    assert.equal(back.sets[setIndex(back, 'pod', 'kube-scheduler-minikube')], gone);
    for (let i = 0; i < 2; i++) {
      catalog.sweep();
      round(without, inventory, catalog);
    }
    catalog.sweep();
    const again = round(payload, inventory, catalog);
    const made = again.sets[setIndex(again, 'pod', 'kube-scheduler-minikube')];
    assert.notEqual(made, gone);
    assert.deepEqual(who(made as MetricSet), who(gone));

    assert.equal(catalog.size, 1);
    catalog.sweep();
    catalog.sweep();
    catalog.sweep();
    assert.equal(catalog.size, 0);
  });

  test('a pod UID reported with another name is another entity', () => {
    const catalog = new EntityCatalog();
    const first = round(payload, inventory, catalog);
    const s = setIndex(first, 'pod', 'kube-scheduler-minikube');
    const uid = (first.sets[s] as MetricSet).podUid;
    const renamed: Summary = {
      ...payload,
      pods: (payload.pods ?? []).map((p) =>
        p.podRef?.uid === uid ? { ...p, podRef: { ...p.podRef, name: 'renamed' } } : p,
      ),
    };
    const second = round(renamed, inventory, catalog);
    const pod = second.sets[setIndex(second, 'pod', 'renamed')] as MetricSet;
    assert.equal(pod.podUid, uid);
    assert.equal(second.labels[setIndex(second, 'pod', 'renamed')]?.pod_name, 'renamed');
  });
});
