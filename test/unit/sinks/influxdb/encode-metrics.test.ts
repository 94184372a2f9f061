import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { METRIC_COUNT, metricId, type MetricName } from '../../../../shared/metrics/catalogue.js';
import type { Labels, PointLabels } from '../../../../shared/metrics/labels.js';
import {
  emptyTimes,
  emptyValues,
  type MetricBlock,
  type MetricSet,
} from '../../../../shared/metrics/model.js';
import { encodeMetrics } from '../../../../shared/sinks/influxdb/encode-metrics.js';

const T = 1_700_000_060_000;

function set(type: MetricSet['type'], podName = '', containerName = ''): MetricSet {
  return {
    type,
    nodeName: 'node-1',
    namespace: podName === '' ? '' : 'default',
    podName,
    podUid: podName === '' ? '' : 'uid-1',
    containerName,
  };
}

/** A block with a node and a container, a few values of each value type and one filesystem point. */
function block(): MetricBlock {
  const values = emptyValues(2);
  const put = (s: number, name: MetricName, v: number): void => {
    values[s * METRIC_COUNT + metricId(name)] = v;
  };
  put(0, 'cpu/usage_rate', 250);
  put(0, 'cpu/node_capacity', 4000);
  put(0, 'network/rx_rate', 12.5);
  put(1, 'memory/working_set', 1048576);
  put(1, 'uptime', 5000);
  const nodeLabels: Labels = {
    type: 'node',
    nodename: 'node-1',
    hostname: 'node-1.example',
    host_id: 'gce://p/z/node-1',
    labels: 'pool:default pool,zone=a',
  };
  const containerLabels: Labels = {
    type: 'pod_container',
    nodename: 'node-1',
    namespace_name: 'default',
    namespace_id: 'ns-uid',
    pod_name: 'web-0',
    pod_id: 'uid-1',
    container_name: 'app',
    container_base_image: '',
    cluster_name: 'from-labels',
  };
  const rootFs: PointLabels = { resource_id: '/' };
  return {
    sets: [set('node'), set('pod_container', 'web-0', 'app')],
    owners: [-1, -1],
    times: emptyTimes(2),
    values,
    labels: [nodeLabels, containerLabels],
    points: {
      set: [1],
      metric: [metricId('filesystem/usage')],
      value: [4096],
      label: [0],
      labelTable: [rootFs],
    },
  };
}

describe('encodeMetrics (default schema)', () => {
  test('one line per point: measurement = metric name, field value, sorted tags, the round time', () => {
    const out = encodeMetrics(
      { timestamp: T, blocks: [block()] },
      { withFields: false, clusterName: undefined },
    );
    // Identifiers (hostname, host_id, pod_id, namespace_id) and empty labels are not tags; cluster_name is
    // the label's, or "default"; integers carry `i`, doubles do not; spaces, commas and = are escaped.
    const node = 'cluster_name=default,labels=pool:default\\ pool\\,zone\\=a,nodename=node-1,type=node';
    const container =
      'cluster_name=from-labels,container_name=app,namespace_name=default,nodename=node-1,pod_name=web-0,type=pod_container';
    assert.deepEqual(out.lines.sort(), [
      `cpu/node_capacity,${node} value=4000 ${T}`,
      `cpu/usage_rate,${node} value=250i ${T}`,
      `filesystem/usage,${container.replace(',type=', ',resource_id=/,type=')} value=4096i ${T}`,
      `memory/working_set,${container} value=1048576i ${T}`,
      `network/rx_rate,${node} value=12.5 ${T}`,
      `uptime,${container} value=5000i ${T}`,
    ]);
    assert.deepEqual(out.points, [1, 1, 1, 1, 1, 1]);
    assert.deepEqual(out.rejected, {});
  });

  test('the configured cluster_name overrides the label', () => {
    const out = encodeMetrics(
      { timestamp: T, blocks: [block()] },
      { withFields: false, clusterName: 'prod' },
    );
    assert.ok(out.lines.every((l) => l.includes(',cluster_name=prod,')));
  });

  test('values that are not finite are reported, not written', () => {
    const b = block();
    (b.values as Float64Array)[metricId('cpu/usage_rate')] = Infinity;
    const out = encodeMetrics({ timestamp: T, blocks: [b] }, { withFields: false, clusterName: undefined });
    assert.equal(out.lines.length, 5);
    assert.deepEqual(out.rejected, { 'not-finite': 1 });
  });
});

describe('encodeMetrics (withfields)', () => {
  test('one line per entity and prefix with the rest of the name as field; no prefix keeps value', () => {
    const out = encodeMetrics({ timestamp: T, blocks: [block()] }, { withFields: true, clusterName: 'c1' });
    const node = 'cluster_name=c1,labels=pool:default\\ pool\\,zone\\=a,nodename=node-1,type=node';
    const container =
      'cluster_name=c1,container_name=app,namespace_name=default,nodename=node-1,pod_name=web-0,type=pod_container';
    const byLine = new Map(out.lines.map((l, i) => [l, out.points[i]]));
    assert.deepEqual(
      [...byLine.keys()].sort(),
      [
        `cpu,${node} usage_rate=250i,node_capacity=4000 ${T}`,
        `filesystem,${container.replace(',type=', ',resource_id=/,type=')} usage=4096i ${T}`,
        `memory,${container} working_set=1048576i ${T}`,
        `network,${node} rx_rate=12.5 ${T}`,
        `uptime,${container} value=5000i ${T}`,
      ].sort(),
    );
    assert.equal(byLine.get(`cpu,${node} usage_rate=250i,node_capacity=4000 ${T}`), 2);
    assert.equal(
      out.points.reduce((a, b) => a + b, 0),
      6,
    );
  });
});
