import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findMetricId, METRICS, type MetricSetType } from '../../../../shared/metrics/catalogue.js';
import type { TimeSeries } from '../../../../shared/sinks/gcm/api.js';
import { descriptorsFor } from '../../../../shared/sinks/gcm/descriptors.js';
import type { EncodeOptions } from '../../../../shared/sinks/gcm/encode.js';
import { encodeRound } from '../../../../shared/sinks/gcm/round-series.js';
import type { ExtraLabel } from '../../../../shared/sinks/gcm/options.js';
import { userLabel } from '../../../../shared/sinks/gcm/resources.js';
import { batch, block } from './batch-builder.js';

const ROUND = Date.UTC(2030, 0, 1, 12, 0, 0);
const options = (over: Partial<EncodeOptions> = {}): EncodeOptions => ({
  project: 'p',
  location: 'l',
  prefix: 'custom.googleapis.com/h',
  metrics: METRICS.map((_, i) => i),
  levels: ['pod_container', 'pod', 'node', 'sys_container', 'ns', 'cluster'],
  labels: [],
  now: ROUND + 30_000,
  ...over,
});
const ids = (...names: string[]): number[] => names.map((n) => findMetricId(n) as number);
const base = { project_id: 'p', location: 'l', cluster_name: 'c1' };
const find = (series: TimeSeries[], metric: string, resourceType: string): TimeSeries[] =>
  series.filter(
    (s) => s.metric.type === `custom.googleapis.com/h/${metric}` && s.resource.type === resourceType,
  );

describe('encodeRound', () => {
  const everyLevel = block(
    [
      {
        type: 'pod_container',
        node: 'n1',
        namespace: 'ns1',
        pod: 'p1',
        container: 'c',
        startTime: ROUND - 3_600_000,
        values: { 'memory/usage': 10 },
      },
      { type: 'pod', node: 'n1', namespace: 'ns1', pod: 'p1', values: { 'memory/usage': 20 } },
      { type: 'node', node: 'n1', values: { 'memory/usage': 30 } },
      {
        type: 'sys_container',
        node: 'n1',
        container: 'runtime',
        labels: { container_name: 'docker-daemon' },
        values: { 'memory/usage': 40 },
      },
      { type: 'ns', namespace: 'ns1', values: { 'memory/usage': 50 } },
      { type: 'cluster', values: { 'memory/usage': 60 } },
    ],
    'c1',
  );

  test('each level on its monitored resource, with the metric labels that tell entities apart', () => {
    const { series, dropped } = encodeRound(batch(ROUND, everyLevel), options());
    assert.deepEqual(dropped, {});
    const got = series.map((s) => [s.resource.type, s.resource.labels, s.metric.labels, s.points[0].value]);
    assert.deepEqual(got, [
      [
        'k8s_container',
        { ...base, namespace_name: 'ns1', pod_name: 'p1', container_name: 'c' },
        {},
        { int64Value: 10 },
      ],
      ['k8s_pod', { ...base, namespace_name: 'ns1', pod_name: 'p1' }, {}, { int64Value: 20 }],
      ['k8s_node', { ...base, node_name: 'n1' }, {}, { int64Value: 30 }],
      ['k8s_node', { ...base, node_name: 'n1' }, { container_name: 'docker-daemon' }, { int64Value: 40 }],
      ['k8s_cluster', base, { namespace_name: 'ns1' }, { int64Value: 50 }],
      ['k8s_cluster', base, {}, { int64Value: 60 }],
    ]);
  });

  test('GAUGE ends at the round; CUMULATIVE starts 1 ms after the entity started; kinds and value types from the catalogue', () => {
    const b = block([
      {
        type: 'node',
        node: 'n1',
        startTime: ROUND - 7_200_000,
        values: { 'cpu/usage': 5e12, 'cpu/node_utilization': 0.125, 'memory/working_set': 7.4 },
      },
    ]);
    const { series } = encodeRound(batch(ROUND, b), options());
    const end = { seconds: ROUND / 1000, nanos: 0 };
    const usage = find(series, 'cpu/usage', 'k8s_node')[0];
    assert.deepEqual([usage?.metricKind, usage?.valueType], ['CUMULATIVE', 'INT64']);
    assert.deepEqual(usage?.points[0], {
      interval: { startTime: { seconds: (ROUND - 7_200_000) / 1000, nanos: 1_000_000 }, endTime: end },
      value: { int64Value: 5e12 },
    });
    const util = find(series, 'cpu/node_utilization', 'k8s_node')[0];
    assert.deepEqual([util?.metricKind, util?.valueType], ['GAUGE', 'DOUBLE']);
    assert.deepEqual(util?.points[0], { interval: { endTime: end }, value: { doubleValue: 0.125 } });
    assert.deepEqual(find(series, 'memory/working_set', 'k8s_node')[0]?.points[0].value, { int64Value: 7 });
  });

  test('what cannot be written is counted by reason: no start time, started after the round, not a number', () => {
    const b = block([
      {
        type: 'pod_container',
        namespace: 'a',
        pod: 'p',
        container: 'x',
        values: { 'cpu/usage': 1, 'memory/usage': 2 },
      },
      {
        type: 'pod_container',
        namespace: 'a',
        pod: 'p',
        container: 'y',
        startTime: ROUND,
        values: { 'cpu/usage': 1, uptime: 0 },
      },
      {
        type: 'pod_container',
        namespace: 'a',
        pod: 'p',
        container: 'z',
        startTime: ROUND - 1_000,
        values: { 'cpu/usage': 3, 'memory/usage': Infinity },
      },
    ]);
    const { series, dropped } = encodeRound(batch(ROUND, b), options());
    assert.deepEqual(dropped, { 'no-start-time': 1, 'started-after-round': 2, 'not-a-number': 1 });
    assert.deepEqual(
      series.map((s) => `${s.resource.labels.container_name} ${s.metric.type.split('/h/')[1]}`),
      ['x memory/usage', 'z cpu/usage'],
    );
  });

  test('a round outside 25 h back / 5 min ahead of now: every point dropped with its reason', () => {
    const count = encodeRound(batch(ROUND, everyLevel), options()).series.length;
    assert.deepEqual(encodeRound(batch(ROUND, everyLevel), options({ now: ROUND + 25 * 3_600_000 + 1 })), {
      series: [],
      dropped: { 'too-old': count },
    });
    assert.deepEqual(encodeRound(batch(ROUND, everyLevel), options({ now: ROUND - 5 * 60_000 - 1 })), {
      series: [],
      dropped: { 'too-new': count },
    });
  });

  test('levels and metrics select; metrics whose descriptor is unavailable are counted, not sent', () => {
    const chosen = encodeRound(
      batch(ROUND, everyLevel),
      options({ levels: ['node', 'cluster'], metrics: ids('memory/usage', 'cpu/usage') }),
    );
    assert.deepEqual(
      chosen.series.map((s) => s.resource.type),
      ['k8s_node', 'k8s_cluster'],
    );
    const blocked = encodeRound(
      batch(ROUND, everyLevel),
      options({ unavailable: new Map([['custom.googleapis.com/h/memory/usage', 'descriptor-conflict']]) }),
    );
    assert.deepEqual(blocked, { series: [], dropped: { 'descriptor-conflict': 6 } });
  });

  test('per-point labels become metric labels; the same series twice in a round is sent once', () => {
    const b1 = block([
      {
        type: 'pod_container',
        namespace: 'a',
        pod: 'web-0',
        container: 'app',
        points: [
          { metric: 'filesystem/usage', labels: { resource_id: '/' }, value: 1 },
          { metric: 'filesystem/usage', labels: { resource_id: 'logs' }, value: 2 },
          { metric: 'filesystem/usage', labels: { resource_id: 'logs' }, value: 3 },
        ],
        values: { 'memory/usage': 9 },
      },
    ]);
    // The same pod name again on another node (a StatefulSet pod moving) in the same round.
    const b2 = block([
      {
        type: 'pod_container',
        node: 'other',
        namespace: 'a',
        pod: 'web-0',
        container: 'app',
        values: { 'memory/usage': 1, 'cpu/usage_rate': 5 },
        points: [{ metric: 'filesystem/usage', labels: { resource_id: 'Volume:data' }, value: 4 }],
      },
    ]);
    const { series, dropped } = encodeRound(batch(ROUND, b1, b2), options());
    assert.deepEqual(dropped, { 'duplicate-series': 2 });
    assert.deepEqual(
      series.map(
        (s) =>
          `${s.metric.type.split('/h/')[1]} ${JSON.stringify(s.metric.labels)} ${JSON.stringify(s.points[0].value)}`,
      ),
      [
        'memory/usage {} {"int64Value":9}',
        'filesystem/usage {"resource_id":"/"} {"int64Value":1}',
        'filesystem/usage {"resource_id":"logs"} {"int64Value":2}',
        'cpu/usage_rate {} {"int64Value":5}',
        'filesystem/usage {"resource_id":"Volume:data"} {"int64Value":4}',
      ],
    );
  });

  test('extra labels: Heapster labels and single user labels where the level has them', () => {
    const labels: ExtraLabel[] = [
      { kind: 'heapster', key: 'pod_id' },
      { kind: 'user', userKey: 'app.kubernetes.io/name', key: 'label_app_kubernetes_io_name' },
    ];
    const b = block([
      {
        type: 'pod',
        namespace: 'a',
        pod: 'p',
        labels: { pod_id: 'uid-1', labels: 'app.kubernetes.io/name:shop,tier:web' },
        values: { 'memory/usage': 1 },
      },
      { type: 'node', node: 'n', labels: { pod_id: 'ignored' }, values: { 'memory/usage': 1 } },
    ]);
    const { series } = encodeRound(batch(ROUND, b), options({ labels }));
    assert.deepEqual(series[0]?.metric.labels, { pod_id: 'uid-1', label_app_kubernetes_io_name: 'shop' });
    assert.deepEqual(series[1]?.metric.labels, {}, 'pod_id is not a node label');
    assert.equal(userLabel('xapp:1,app:2', 'app'), '2');
    assert.equal(userLabel('a:1|app:two-2|b:3', 'app'), 'two-2');
    assert.equal(userLabel('a:1', 'app'), undefined);
  });
});

describe('descriptorsFor', () => {
  test('one descriptor per metric written on a chosen level, with kind, value type, unit and its labels', () => {
    const levels: MetricSetType[] = ['pod_container', 'pod', 'node', 'ns', 'cluster'];
    const specs = descriptorsFor({
      prefix: 'custom.googleapis.com/h',
      metrics: METRICS.map((_, i) => i),
      levels,
      labels: [],
    });
    const expectedCount = METRICS.filter((m) =>
      (m.levels as readonly string[]).some((l) => levels.includes(l as MetricSetType)),
    ).length;
    assert.equal(specs.length, expectedCount);
    const byType = new Map(specs.map((s) => [s.type.replace('custom.googleapis.com/h/', ''), s]));
    assert.deepEqual(
      { ...byType.get('cpu/usage'), description: '' },
      {
        type: 'custom.googleapis.com/h/cpu/usage',
        metricKind: 'CUMULATIVE',
        valueType: 'INT64',
        unit: 'ns',
        description: '',
        displayName: 'cpu/usage',
        labels: [],
      },
    );
    assert.deepEqual(
      byType.get('memory/usage')?.labels.map((l) => l.key),
      ['namespace_name'],
    );
    assert.deepEqual(
      byType.get('filesystem/usage')?.labels.map((l) => l.key),
      ['resource_id'],
    );
    assert.deepEqual(
      byType.get('accelerator/duty_cycle')?.labels.map((l) => l.key),
      ['make', 'model', 'accelerator_id'],
    );
    assert.equal(byType.get('cpu/node_utilization')?.unit, '1');
    const withSys = descriptorsFor({
      prefix: 'custom.googleapis.com/h',
      metrics: ids('memory/usage'),
      levels: ['sys_container'],
      labels: [],
    });
    assert.deepEqual(
      withSys[0]?.labels.map((l) => l.key),
      ['container_name'],
    );
    for (const spec of specs) assert.ok(spec.labels.length <= 30, spec.type);
  });
});
