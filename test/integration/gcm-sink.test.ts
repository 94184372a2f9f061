import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { MetricServiceClient } from '@google-cloud/monitoring';
import { Problems } from '../../shared/config/config-error.js';
import { parseHeapsterUri } from '../../shared/config/uri.js';
import { METRICS } from '../../shared/metrics/catalogue.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import { gcmSink } from '../../shared/sinks/gcm/gcm-sink.js';
import { parseGcmSink } from '../../shared/sinks/gcm/options.js';
import type { MetricSink } from '../../shared/sinks/sink.js';
import { startGcmStandIn, type GcmStandIn, type GcmStandInOptions } from '../stand-ins/gcm/server.js';
import { batch, block, type SetSpec } from '../unit/sinks/gcm/batch-builder.js';
import { CORE_METRIC_NAMES } from '../unit/sinks/gcm/expected-defaults.js';

/** The gcm sink against the Monitoring stand-in, through the real client: each rule, fault and race. */
const PROJECT = 'sink-test';
const MIN = 60_000;
let clock = Date.UTC(2030, 5, 1, 10, 0, 0);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of cleanup.splice(0).reverse()) await stop();
});

/** The rules are shown on every metric at every level but sys_container, not just the default core set. */
const EVERY_METRIC = '&metrics=all&levels=pod_container,pod,node,ns,cluster';

async function setUp(
  options: GcmStandInOptions = {},
  sinkOptions = EVERY_METRIC,
): Promise<{ standIn: GcmStandIn; sink: () => MetricSink; log: ReturnType<typeof memoryLogger> }> {
  const standIn = await startGcmStandIn({ now: () => clock, ...options });
  cleanup.push(() => standIn.stop());
  const log = memoryLogger();
  const sink = (): MetricSink => {
    const problems = new Problems();
    const config = parseGcmSink(
      problems,
      'SINKS',
      parseHeapsterUri(
        `gcm?project=${PROJECT}&location=europe-west4&endpoint=${standIn.endpoint}${sinkOptions}`,
      ),
    );
    problems.result(config);
    const s = gcmSink(config, { log, now: () => clock, retry: { random: () => 0 } });
    cleanup.push(() => s.close());
    return s;
  };
  return { standIn, sink, log };
}

const run = (): AbortSignal => new AbortController().signal;

/** A container, its pod, its node: 9 points, counted by hand below. */
function podOnNode(node: string, pod: string, start: number, usage: number): SetSpec[] {
  return [
    {
      type: 'pod_container',
      node,
      namespace: 'shop',
      pod,
      container: 'app',
      startTime: start,
      values: { 'cpu/usage': usage, 'memory/working_set': 2_000, 'cpu/usage_rate': 120 },
      points: [
        { metric: 'filesystem/usage', labels: { resource_id: '/' }, value: 10 },
        { metric: 'filesystem/usage', labels: { resource_id: 'logs' }, value: 20 },
      ],
    },
    {
      type: 'pod',
      node,
      namespace: 'shop',
      pod,
      startTime: start,
      values: { 'cpu/usage': usage, 'network/rx': 77 },
    },
    {
      type: 'node',
      node,
      startTime: start - 3_600_000,
      values: { 'memory/usage': 5_000, 'cpu/node_utilization': 0.25 },
    },
  ];
}
const POINTS_PER_POD_ON_NODE = 9;

/** The stored points of each series, by node/pod/container and metric. */
function stored(standIn: GcmStandIn): Map<string, { start?: number; end: number; value: number }[]> {
  const out = new Map<string, { start?: number; end: number; value: number }[]>();
  for (const s of standIn.series(PROJECT)) {
    const r = s.resource.labels;
    const where = [r.node_name, r.namespace_name, r.pod_name, r.container_name]
      .filter((x) => x !== undefined)
      .join('/');
    const what = [
      s.metric.type.replace('custom.googleapis.com/heapster/', ''),
      ...Object.values(s.metric.labels),
    ].join(':');
    out.set(
      `${where} ${what}`,
      s.points.map((p) => ({
        ...(p.start !== undefined ? { start: p.start } : {}),
        end: p.end,
        value: p.value,
      })),
    );
  }
  return out;
}

describe('gcm sink against the Monitoring stand-in', () => {
  test('healthy rounds: every point written once; descriptors made once and never again by a warm or a new instance', async () => {
    const { standIn, sink } = await setUp();
    const round1 = Math.floor(clock / MIN) * MIN;
    const b = block(podOnNode('n1', 'web-1', round1 - 3_600_000, 1e9));
    const warm = sink();
    const first = await warm.write(batch(round1, b), run());
    assert.deepEqual(first, {
      sink: `gcm?project=${PROJECT}`,
      written: POINTS_PER_POD_ON_NODE,
      rejected: {},
      retried: 0,
    });
    const written = METRICS.filter((m) =>
      (m.levels as readonly string[]).some((l) => l !== 'sys_container'),
    ).length;
    assert.equal(standIn.stats.calls.CreateMetricDescriptor, written);
    assert.equal(standIn.descriptors(PROJECT).length, written);

    clock += MIN;
    const second = await warm.write(batch(round1 + MIN, b), run());
    assert.equal(second.written, POINTS_PER_POD_ON_NODE);
    assert.equal(standIn.stats.calls.ListMetricDescriptors, 1, 'a warm instance does not even list again');
    assert.equal(standIn.stats.calls.CreateMetricDescriptor, written);

    clock += MIN;
    const cold = await sink().write(batch(round1 + 2 * MIN, b), run());
    assert.equal(cold.written, POINTS_PER_POD_ON_NODE);
    assert.equal(standIn.stats.calls.ListMetricDescriptors, 2, 'a new instance lists once');
    assert.equal(standIn.stats.calls.CreateMetricDescriptor, written, 'and creates nothing');

    const series = stored(standIn);
    assert.equal(series.size, POINTS_PER_POD_ON_NODE);
    for (const [key, points] of series)
      assert.deepEqual(
        points.map((p) => p.end),
        [round1, round1 + MIN, round1 + 2 * MIN],
        key,
      );
    assert.deepEqual(
      series.get('shop/web-1/app filesystem/usage:/')?.map((p) => p.value),
      [10, 10, 10],
    );
    assert.deepEqual(
      series.get('n1 cpu/node_utilization')?.map((p) => p.value),
      [0.25, 0.25, 0.25],
    );
  });

  test('at most 200 series per request, one point each, no series in two requests at once', async () => {
    const { standIn, sink } = await setUp();
    const round = Math.floor(clock / MIN) * MIN;
    const specs = Array.from({ length: 50 }, (_, i) =>
      podOnNode(`n${i}`, `p${i}`, round - 3_600_000, i),
    ).flat();
    const report = await sink().write(batch(round, block(specs)), run());
    assert.equal(report.written, 50 * POINTS_PER_POD_ON_NODE);
    assert.deepEqual(report.rejected, {});
    assert.equal(standIn.stats.maxSeriesPerRequest, 200);
    assert.equal(standIn.stats.calls.CreateTimeSeries, Math.ceil((50 * POINTS_PER_POD_ON_NODE) / 200));
    assert.equal(standIn.stats.concurrentSameSeries, 0);
    assert.equal(standIn.stats.seriesReceived, 50 * POINTS_PER_POD_ON_NODE);
  });

  test('a pod name seen on two nodes in one round is written once, the copy counted', async () => {
    const { standIn, sink } = await setUp();
    const round = Math.floor(clock / MIN) * MIN;
    const moving = block([
      ...podOnNode('n1', 'db-0', round - 3_600_000, 5),
      ...podOnNode('n2', 'db-0', round - 60_000, 1),
    ]);
    const report = await sink().write(batch(round, moving), run());
    // The container's 5 points and the pod's 2 are the same series on both nodes; the nodes differ.
    assert.deepEqual(report.rejected, { 'duplicate-series': 7 });
    assert.equal(report.written, 2 * POINTS_PER_POD_ON_NODE - 7);
    assert.deepEqual(standIn.stats.pointsRejected, {}, 'no copy reached the service');
  });

  test('CUMULATIVE: start time kept, a restart starts a new series after the previous end, an entity newer than the round waits', async () => {
    const { standIn, sink } = await setUp();
    const s = sink();
    const r1 = Math.floor(clock / MIN) * MIN;
    const started = r1 - 3_600_000;
    assert.equal((await s.write(batch(r1, block(podOnNode('n1', 'web', started, 900))), run())).written, 9);
    clock += MIN;
    // The container restarted within the second after round 1: the kubelet's whole-second start equals r1.
    const restarted = block([
      { ...(podOnNode('n1', 'web', r1, 40)[0] as SetSpec) },
      ...podOnNode('n1', 'web', started, 940).slice(1),
      {
        type: 'pod_container',
        node: 'n1',
        namespace: 'shop',
        pod: 'web',
        container: 'late',
        startTime: r1 + MIN + 2_000,
        values: { 'cpu/usage': 1 },
      },
    ]);
    const report = await s.write(batch(r1 + MIN, restarted), run());
    assert.deepEqual(report.rejected, { 'started-after-round': 1 });
    assert.equal(report.written, 9);
    const series = stored(standIn);
    assert.deepEqual(series.get('shop/web/app cpu/usage'), [
      { start: started + 1, end: r1, value: 900 },
      { start: r1 + 1, end: r1 + MIN, value: 40 },
    ]);
    assert.deepEqual(
      series.get('shop/web cpu/usage')?.map((p) => p.start),
      [started + 1, started + 1],
    );
  });

  test('a retry after UNAVAILABLE writes every point once, whether or not the failed call had stored them', async () => {
    for (const afterStore of [false, true]) {
      const { standIn, sink } = await setUp();
      const round = Math.floor(clock / MIN) * MIN;
      const s = sink();
      standIn.failNext('CreateTimeSeries', 1, { code: 'UNAVAILABLE', afterStore });
      const report = await s.write(batch(round, block(podOnNode('n1', 'p', round - 3_600_000, 3))), run());
      assert.deepEqual(
        report,
        { sink: `gcm?project=${PROJECT}`, written: 9, rejected: {}, retried: 9 },
        `afterStore ${afterStore}`,
      );
      for (const [key, points] of stored(standIn)) assert.equal(points.length, 1, key);
      assert.equal(standIn.stats.pointsStored, 9);
    }
  });

  test('a partial failure resends only the points that failed for a passing reason', async () => {
    const { standIn, sink } = await setUp();
    const round = Math.floor(clock / MIN) * MIN;
    const specs = Array.from({ length: 30 }, (_, i) =>
      podOnNode(`n${i}`, `p${i}`, round - 3_600_000, i),
    ).flat();
    const total = 30 * POINTS_PER_POD_ON_NODE;
    // Another writer already put a newer point on one series: that point is refused for good.
    const client = new MetricServiceClient(standIn.clientOptions(PROJECT));
    cleanup.push(() => client.close());
    const s = sink();
    await s.write(batch(round - 10 * MIN, block([])), run());
    await client.createTimeSeries({
      name: `projects/${PROJECT}`,
      timeSeries: [
        {
          metric: { type: 'custom.googleapis.com/heapster/memory/usage', labels: {} },
          resource: {
            type: 'k8s_node',
            labels: {
              project_id: PROJECT,
              location: 'europe-west4',
              cluster_name: 'test-cluster',
              node_name: 'n0',
            },
          },
          points: [{ interval: { endTime: { seconds: round / 1000 + 30 } }, value: { int64Value: 1 } }],
        },
      ],
    });
    standIn.failPoints(3, 'UNAVAILABLE');
    const received = standIn.stats.seriesReceived;
    const report = await s.write(batch(round, block(specs)), run());
    assert.deepEqual(report.rejected, { 'out-of-order': 1 });
    assert.equal(report.written, total - 1);
    assert.equal(report.retried, 3);
    assert.equal(standIn.stats.seriesReceived - received, total + 3, 'only the 3 failed points went again');
    for (const [key, points] of stored(standIn)) assert.equal(points.length, 1, key);
  });

  test('RESOURCE_EXHAUSTED: the retry waits as long as the service asked', async () => {
    const { standIn, sink } = await setUp();
    const round = Math.floor(clock / MIN) * MIN;
    standIn.failNext('CreateTimeSeries', 2, { code: 'RESOURCE_EXHAUSTED', retryDelayMs: 200 });
    const began = Date.now();
    const report = await sink().write(batch(round, block(podOnNode('n1', 'p', round - 3_600_000, 3))), run());
    assert.ok(Date.now() - began >= 400, `${Date.now() - began} ms`);
    assert.deepEqual(report, { sink: `gcm?project=${PROJECT}`, written: 9, rejected: {}, retried: 18 });
  });

  test('two overlapping runs: the later waits, nothing is written out of order or twice at once', async () => {
    const { standIn, sink } = await setUp();
    const s = sink();
    const r1 = Math.floor(clock / MIN) * MIN;
    const specs = Array.from({ length: 40 }, (_, i) => podOnNode(`n${i}`, `p${i}`, r1 - 3_600_000, i)).flat();
    await s.write(batch(r1 - 5 * MIN, block([])), run()); // descriptors
    standIn.setLatency(150);
    clock += MIN;
    const [a, b] = await Promise.all([
      s.write(batch(r1, block(specs)), run()),
      s.write(batch(r1 + MIN, block(specs)), run()),
    ]);
    assert.deepEqual([a.rejected, b.rejected], [{}, {}]);
    assert.equal(a.written + b.written, 2 * 40 * POINTS_PER_POD_ON_NODE);
    assert.equal(standIn.stats.concurrentSameSeries, 0);
    for (const [key, points] of stored(standIn))
      assert.deepEqual(
        points.map((p) => p.end),
        [r1, r1 + MIN],
        key,
      );
    standIn.setLatency(0);
    const older = await s.write(batch(r1 - MIN, block(specs)), run());
    assert.deepEqual(older.rejected, { 'round-out-of-order': 40 * POINTS_PER_POD_ON_NODE });
    const tooSoon = await s.write(batch(r1 + MIN + 5_000, block(specs)), run());
    assert.deepEqual(tooSoon.rejected, { 'too-frequent': 40 * POINTS_PER_POD_ON_NODE });
    assert.equal(standIn.stats.seriesReceived, 2 * 40 * POINTS_PER_POD_ON_NODE, 'neither was sent');
  });

  test('the same round again (a scheduler retry) writes nothing twice and refuses nothing', async () => {
    const { standIn, sink } = await setUp();
    const s = sink();
    const round = Math.floor(clock / MIN) * MIN;
    const b = block(podOnNode('n1', 'p', round - 3_600_000, 3));
    standIn.failNext('CreateTimeSeries', 20, { code: 'UNAVAILABLE' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const failed = await s.write(batch(round, b), controller.signal);
    assert.equal(failed.written, 0);
    assert.match(failed.error ?? '', /no point written/);
    standIn.failNext('CreateTimeSeries', 0, { code: 'UNAVAILABLE' });
    const again = await s.write(batch(round, b), run());
    assert.deepEqual([again.written, again.rejected], [9, {}]);
    const third = await s.write(batch(round, b), run());
    assert.deepEqual([third.written, third.rejected], [9, {}], 'points already there count as written');
    for (const [key, points] of stored(standIn)) assert.equal(points.length, 1, key);
  });

  test('a run cut off by its deadline reports the points it could not write', async () => {
    const { standIn, sink } = await setUp();
    const s = sink();
    const round = Math.floor(clock / MIN) * MIN;
    await s.write(batch(round - 5 * MIN, block([])), run());
    standIn.setLatency(800);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const report = await s.write(
      batch(round, block(podOnNode('n1', 'p', round - 3_600_000, 3))),
      controller.signal,
    );
    assert.deepEqual(report.rejected, { deadline: 9 });
    assert.equal(report.written, 0);
    assert.ok(report.error !== undefined);
  });

  test('points older than 25 h or more than 5 min ahead are dropped before sending, with their reason', async () => {
    const { standIn, sink } = await setUp();
    const s = sink();
    const b = block(podOnNode('n1', 'p', clock - 30 * 3_600_000, 3));
    assert.deepEqual((await s.write(batch(clock - 25 * 3_600_000 - MIN, b), run())).rejected, {
      'too-old': 9,
    });
    assert.deepEqual((await s.write(batch(clock + 6 * MIN, b), run())).rejected, { 'too-new': 9 });
    assert.equal(standIn.stats.seriesReceived, 0);
  });

  test('a descriptor of another kind is left alone: its points are counted, the others written', async () => {
    const { standIn, sink } = await setUp();
    const client = new MetricServiceClient(standIn.clientOptions(PROJECT));
    cleanup.push(() => client.close());
    await client.createMetricDescriptor({
      name: `projects/${PROJECT}`,
      metricDescriptor: {
        type: 'custom.googleapis.com/heapster/cpu/usage',
        metricKind: 'GAUGE',
        valueType: 'DOUBLE',
      },
    });
    const round = Math.floor(clock / MIN) * MIN;
    const report = await sink().write(batch(round, block(podOnNode('n1', 'p', round - 3_600_000, 3))), run());
    assert.deepEqual(report.rejected, { 'descriptor-conflict': 2 });
    assert.equal(report.written, 7);
    const kept = standIn
      .descriptors(PROJECT)
      .find((d) => d.type === 'custom.googleapis.com/heapster/cpu/usage');
    assert.deepEqual([kept?.metricKind, kept?.valueType], ['GAUGE', 'DOUBLE']);
  });

  test('the active-series limit per monitored resource: the excess is refused and counted', async () => {
    const { sink } = await setUp({ maxActiveSeriesPerResource: 3 });
    const round = Math.floor(clock / MIN) * MIN;
    const report = await sink().write(batch(round, block(podOnNode('n1', 'p', round - 3_600_000, 3))), run());
    // The container has 5 series on one k8s_container resource; pod and node have 2 each.
    assert.deepEqual(report.rejected, { 'series-limit': 2 });
    assert.equal(report.written, 7);
  });

  test('levels, metrics and labels options choose what is written', async () => {
    const { standIn, sink } = await setUp(
      {},
      '&levels=node,pod&metrics=cpu/usage,memory/usage,network/rx&labels=nodename',
    );
    const round = Math.floor(clock / MIN) * MIN;
    const specs = podOnNode('n1', 'p', round - 3_600_000, 3).map((s) => ({
      ...s,
      labels: { nodename: 'n1' },
    }));
    const report = await sink().write(batch(round, block(specs)), run());
    assert.equal(report.written, 3);
    assert.deepEqual([...stored(standIn).keys()].sort(), [
      'n1 memory/usage:n1',
      'shop/p cpu/usage:n1',
      'shop/p network/rx:n1',
    ]);
    assert.deepEqual(
      standIn
        .descriptors(PROJECT)
        .map((d) => d.type)
        .sort(),
      [
        'custom.googleapis.com/heapster/cpu/usage',
        'custom.googleapis.com/heapster/memory/usage',
        'custom.googleapis.com/heapster/network/rx',
      ],
    );
  });

  test('no levels or metrics given: the core metrics, on pods, nodes, namespaces and the cluster only', async () => {
    const { standIn, sink } = await setUp({}, '');
    const round = Math.floor(clock / MIN) * MIN;
    const specs: SetSpec[] = [
      ...podOnNode('n1', 'p', round - 3_600_000, 3),
      {
        type: 'pod',
        node: 'n1',
        namespace: 'shop',
        pod: 'q',
        startTime: round - 60_000,
        values: { 'cpu/request': 250, restart_count: 2, 'network/rx_rate': 1.5 },
      },
      { type: 'ns', namespace: 'shop', values: { 'cpu/usage_rate': 120, 'memory/request': 64 } },
      { type: 'cluster', values: { 'cpu/usage_rate': 120, uptime: 5 } },
    ];
    const report = await sink().write(batch(round, block(specs)), run());
    // Of podOnNode's nine points only the node's memory/usage and cpu/node_utilization are core metrics on a
    // default level; the containers' points are left out, as are cumulative and other metrics.
    assert.deepEqual(report, { sink: `gcm?project=${PROJECT}`, written: 8, rejected: {}, retried: 0 });
    assert.deepEqual([...stored(standIn).keys()].sort(), [
      ' cpu/usage_rate',
      ' cpu/usage_rate:shop',
      ' memory/request:shop',
      'n1 cpu/node_utilization',
      'n1 memory/usage',
      'shop/q cpu/request',
      'shop/q network/rx_rate',
      'shop/q restart_count',
    ]);
    assert.deepEqual(
      standIn
        .descriptors(PROJECT)
        .map((d) => (d.type ?? '').replace('custom.googleapis.com/heapster/', ''))
        .sort(),
      [...CORE_METRIC_NAMES].sort(),
    );
  });
});
