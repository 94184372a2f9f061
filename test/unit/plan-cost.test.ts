import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Problems } from '../../shared/config/config-error.js';
import { parseSink } from '../../shared/config/sink-uri.js';
import { afterFree, planCost, type CostItemKey } from '../../shared/plan/cost-model.js';
import { tieredCost } from '../../shared/plan/prices.js';
import { planUsage, type PlanInputs } from '../../shared/plan/usage-model.js';

function sinks(...uris: string[]) {
  const problems = new Problems();
  const parsed = uris.flatMap((u) => parseSink(problems, 'SINKS', u) ?? []);
  return problems.result(parsed);
}

/** 1 node, 1 pod of 1 container, cpu/usage_rate on five levels (5 series), no events service. */
const SMALL: PlanInputs = {
  shape: {
    nodes: 1,
    podsPerNode: 1,
    containersPerPod: 1,
    volumesPerPod: 1,
    systemContainersPerNode: 0,
    namespaces: 1,
  },
  resolutionMs: 60_000,
  sinks: sinks('gcm?metrics=cpu/usage_rate&levels=pod_container,pod,node,ns,cluster'),
  shardSize: undefined,
  functionTimeoutMs: 50_000,
  scrape: { vcpu: 1, memoryGiB: 1 },
  timing: { cpuMsPerNode: 1.3, cpuMsPerThousandPoints: 5.5, overheadMsPerInvocation: 1_000 },
  events: undefined,
  firestoreDatabase: '(default)',
  counterBytesPerEntity: 30,
  logBytesPerInvocation: 2_048,
};

const MONTH_MINUTES = 730 * 60; // 43,800

function close(actual: number, expected: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) < 1e-9 * Math.max(1, Math.abs(expected)),
    `${what}: ${actual} != ${expected}`,
  );
}

describe('cost plan', () => {
  test('tiered Cloud Monitoring ingestion: free MiB first, then each tier at its price', () => {
    close(tieredCost(100, 150, [{ upTo: Infinity, usdPerUnit: 1 }]), 0, 'all free');
    const tiers = [
      { upTo: 100_000, usdPerUnit: 0.258 },
      { upTo: 250_000, usdPerUnit: 0.151 },
      { upTo: Infinity, usdPerUnit: 0.061 },
    ];
    close(tieredCost(1_150, 150, tiers), 1_000 * 0.258, 'first tier');
    close(tieredCost(100_150, 150, tiers), 99_850 * 0.258 + 150 * 0.151, 'into the second tier');
    close(tieredCost(300_000, 0, tiers), 100_000 * 0.258 + 150_000 * 0.151 + 50_000 * 0.061, 'all three');
  });

  test('free allotments go to the first amount, then the second', () => {
    assert.deepEqual(afterFree(5, [3, 4]), [0, 2]);
    assert.deepEqual(afterFree(1, [3, 4]), [2, 4]);
    assert.deepEqual(afterFree(10, [3, 4]), [0, 0]);
  });

  test('1 node x 1 pod x 1 container at 60s: each line worked out by hand', () => {
    const usage = planUsage(SMALL);
    assert.equal(usage.roundsPerMonth, MONTH_MINUTES);
    assert.equal(usage.gcmPointsPerRound, 5);
    close(usage.gcmMiB, (5 * MONTH_MINUTES * 8) / 2 ** 20, 'MiB');
    // 1.3 ms + 5/1000 x 5.5 ms of work and 1000 ms besides: 1001.33 ms, billed as 1100 ms.
    close(usage.function.vcpuSeconds, MONTH_MINUTES * 1.1, 'vCPU-s');
    close(usage.function.gibSeconds, MONTH_MINUTES * 1.1, 'GiB-s');
    assert.equal(usage.function.invocations, MONTH_MINUTES);
    assert.equal(usage.pubsubBytes, 0);
    // Node, pod and container state fit one document: read twice, written once a round.
    assert.deepEqual(usage.firestoreScrape, { reads: 2 * MONTH_MINUTES, writes: MONTH_MINUTES });
    assert.equal(usage.events, undefined);
    assert.equal(usage.loggingBytes, MONTH_MINUTES * 2_048);

    const plan = planCost(SMALL);
    const list = Object.fromEntries(plan.items.map((i) => [i.key, i.listUsd])) as Record<CostItemKey, number>;
    close(list['gcm-ingestion'], ((5 * MONTH_MINUTES * 8) / 2 ** 20) * 0.258, 'gcm list');
    close(list['function-cpu'], MONTH_MINUTES * 1.1 * 0.000024, 'cpu list');
    close(list['function-memory'], MONTH_MINUTES * 1.1 * 0.0000025, 'memory list');
    close(list['function-invocations'], (MONTH_MINUTES / 1e6) * 0.4, 'requests list');
    close(
      list['firestore-scrape'],
      ((2 * MONTH_MINUTES) / 1e5) * 0.03 + (MONTH_MINUTES / 1e5) * 0.09,
      'firestore list',
    );
    close(list['scheduler'], 0.1, 'scheduler list');
    close(list['logging'], ((MONTH_MINUTES * 2_048) / 2 ** 30) * 0.5, 'logging list');
    assert.equal(list['events-cpu'], undefined);
    // Everything this small fits the free allotments.
    assert.deepEqual(
      plan.items.map((i) => [i.key, i.usd]),
      plan.items.map((i) => [i.key, 0]),
    );
    close(
      plan.totalListUsd,
      Object.values(list).reduce((a, b) => a + b, 0),
      'total',
    );
    assert.deepEqual(plan.warnings, []);
  });

  test('a named Firestore database has no free quota: its operations cost their list price', () => {
    const named = planCost({ ...SMALL, firestoreDatabase: 'heapster' });
    const firestore = named.items.find((i) => i.key === 'firestore-scrape');
    close(
      firestore?.usd ?? NaN,
      ((2 * MONTH_MINUTES) / 1e5) * 0.03 + (MONTH_MINUTES / 1e5) * 0.09,
      'after free',
    );
    assert.equal(firestore?.usd, firestore?.listUsd);
  });

  test('15s resolution: one invocation a minute runs four rounds and is billed while it waits', () => {
    const usage = planUsage({ ...SMALL, resolutionMs: 15_000 });
    assert.equal(usage.roundsPerMonth, 4 * MONTH_MINUTES);
    assert.equal(usage.function.invocations, MONTH_MINUTES);
    // 1000 ms + 3 waits of 15 s + the last round's 1.33 ms: 46,001.33 ms, billed as 46,100 ms.
    close(usage.function.vcpuSeconds, MONTH_MINUTES * 46.1, 'vCPU-s');
  });

  test('sharded: 1000 nodes in 4 shards of 250, Pub/Sub messages, shard invocations and round records', () => {
    const inputs: PlanInputs = {
      ...SMALL,
      shape: { ...SMALL.shape, nodes: 1_000 },
      shardSize: 250,
    };
    const usage = planUsage(inputs);
    assert.equal(usage.shards, 4);
    // 200 bytes and 40 per node name: 10,200 bytes per message, published and pushed.
    assert.equal(usage.pubsubBytes, MONTH_MINUTES * 4 * 2 * 10_200);
    assert.equal(usage.function.invocations, MONTH_MINUTES * (1 + 4));
    // 1000 nodes x 1.3 ms + 5000 points x 5.5 / 1000: 1327.5 ms of work, a quarter per shard; a shard takes
    // 1000 + 331.875 ms (billed 1400), the coordinator 1000 ms and the shards' 1331.875 ms (billed 2400).
    close(usage.function.vcpuSeconds, (MONTH_MINUTES * (2_400 + 4 * 1_400)) / 1000, 'vCPU-s');
    // Counters: one document per shard, read twice and written once. Round record: open (1 read, 1 write),
    // published (1 write), per shard a claim (2 reads, 1 write) and a report (2 reads, 2 writes), 3 polls of
    // 500 ms, the finaliser's claim (1 read, 1 write), its read of the 4 shards and the finish (1 write).
    assert.deepEqual(usage.firestoreScrape, {
      reads: MONTH_MINUTES * (4 * 2 + (1 + 4 * 4 + 3 + 1 + 4)),
      writes: MONTH_MINUTES * (4 + (1 + 1 + 4 * 3 + 1 + 1)),
    });
  });

  test('events service: an always-on instance, lease renewals and checkpoints in Firestore, entries in Logging', () => {
    const events = { perNodeHour: 10, bytesPerEntry: 1_000, vcpu: 1, memoryGiB: 0.5, leaseRenewMs: 5_000 };
    const plan = planCost({ ...SMALL, events });
    const seconds = 730 * 3600;
    assert.deepEqual(plan.usage.events, {
      vcpuSeconds: seconds,
      gibSeconds: seconds / 2,
      occurrences: 7_300,
      firestore: { reads: seconds / 5, writes: seconds / 5 + 7_300 },
    });
    const cpu = plan.items.find((i) => i.key === 'events-cpu');
    close(cpu?.listUsd ?? NaN, seconds * 0.000018, 'events cpu');
    // The request-based function used part of the shared Cloud Run discount ($4.32 of CPU) first.
    close(
      cpu?.usd ?? NaN,
      seconds * 0.000018 - (4.32 - MONTH_MINUTES * 1.1 * 0.000024),
      'events cpu after free',
    );
    close(plan.usage.loggingBytes, MONTH_MINUTES * 2_048 + 7_300 * 1_000, 'log bytes');
  });

  test('a round that cannot finish within the timeout, and series over the per-resource quota, are warned of', () => {
    const plan = planCost({
      ...SMALL,
      shape: { ...SMALL.shape, nodes: 40_000, namespaces: 40_000 },
      sinks: sinks(
        'gcm?metrics=cpu/usage_rate,memory/usage,cpu/request,cpu/limit,memory/request,memory/limit&levels=ns',
      ),
    });
    // 40,000 namespaces x 6 series on the one k8s_cluster resource; 40,000 x 1.3 ms = 52 s of scraping.
    assert.deepEqual(plan.overLimit, ['k8s_cluster']);
    assert.deepEqual(plan.warnings, [
      "a round's work is estimated at 54.3 s per invocation, more than the 45.0 s a 50.0 s timeout leaves: shard the scrape (--shard-size) or write fewer series",
      "each k8s_cluster resource would get more series than Cloud Monitoring's quota of 200,000: writes beyond it are refused",
    ]);
  });
});
