import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createClock } from './clock.js';
import { Cluster } from './cluster.js';
import { addressBlock } from './loopback.js';
import { renderSummary } from './summary.js';

/** The workload model at thousands of nodes: names stay unique and nodes never run over their capacity. */
function cluster(nodes: number, podsPerNode: number): Cluster {
  return new Cluster({
    nodes,
    podsPerNode,
    containersPerPod: 2,
    seed: 7,
    clock: createClock(),
    addresses: addressBlock(42),
    statsIntervalMs: 10_000,
    acceleratorEvery: 0,
    zeroNanoCoresShare: 0.5,
  });
}

interface NodeStats {
  cpu: { usageNanoCores: number };
  memory: { workingSetBytes: number; availableBytes: number };
}

describe('cluster model at scale', () => {
  test('2,000 nodes x 30 pods, then churn: every namespace/name is one pod', () => {
    const c = cluster(2000, 30);
    // kube-proxy pods alone: 2,000 five-hex-digit suffixes would collide by chance more often than not.
    assert.equal([...c.pods.values()].filter((p) => p.namespace === 'kube-system').length, 2000);
    const before = [...c.pods.values()];
    for (let i = 0; i < 1000; i++) {
      const victim = before[i * 7];
      if (victim !== undefined) c.deletePod(victim.uid);
      c.addPod();
    }
    const names = new Set<string>();
    for (const pod of c.pods.values()) names.add(`${pod.namespace}/${pod.name}`);
    assert.equal(c.pods.size, 60_000);
    assert.equal(names.size, c.pods.size);
  });

  test("no node's pods use more CPU or memory than it has, even after churn piles pods on", () => {
    const c = cluster(300, 30);
    const nodes = [...c.nodes.values()];
    // Churn adds pods to random nodes; pile extra ones on the smallest nodes too.
    const small = nodes.filter((n) => n.cores === 2).slice(0, 5);
    assert.ok(small.length > 0, 'the cluster has 2-core nodes');
    for (const node of small) for (let i = 0; i < 20; i++) c.addPod(node);
    const now = Date.now();
    for (const node of nodes) {
      const stats = (JSON.parse(renderSummary(node, now, { statsIntervalMs: 10_000 })) as { node: NodeStats })
        .node;
      const containers = [...node.pods.values()].flatMap((p) => p.containers);
      const podMillicores = containers.reduce((sum, ct) => sum + ct.cpu.rate / 1e6, 0);
      assert.ok(
        podMillicores <= node.cores * 1000,
        `${node.name}: pods use ${podMillicores}m of ${node.cores} cores`,
      );
      assert.ok(
        stats.cpu.usageNanoCores <= node.cores * 1e9,
        `${node.name}: ${stats.cpu.usageNanoCores} ns/s on ${node.cores} cores`,
      );
      assert.ok(
        stats.memory.workingSetBytes <= node.memoryBytes && stats.memory.availableBytes >= 0,
        `${node.name}: working set ${stats.memory.workingSetBytes} of ${node.memoryBytes}`,
      );
    }
  });
});
