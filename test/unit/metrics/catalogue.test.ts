import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  CLUSTER_METRICS,
  NAMESPACE_METRICS,
  NODE_METRICS_FROM_PODS,
} from '../../../shared/metrics/aggregate.js';
import { renderMetricsDoc } from '../../../shared/metrics/catalogue-doc.js';
import {
  findMetricId,
  isMetricSetType,
  METRIC_COUNT,
  METRICS,
  metricId,
  type MetricDefinition,
} from '../../../shared/metrics/catalogue.js';

const metrics: readonly MetricDefinition[] = METRICS;
const byName = new Map(metrics.map((m) => [m.name, m]));

describe('metric catalogue', () => {
  test('docs/metrics.md is rendered from the current catalogue', () => {
    const doc = readFileSync(new URL('../../../docs/metrics.md', import.meta.url), 'utf8');
    assert.ok(
      doc === renderMetricsDoc(),
      'docs/metrics.md is stale: run `node --import tsx scripts/gen-metrics-doc.ts`',
    );
  });

  test('names are unique and ids index the table', () => {
    assert.equal(byName.size, METRIC_COUNT);
    metrics.forEach((m, i) => assert.equal(findMetricId(m.name), i));
    assert.equal(findMetricId('cpu/load_average'), undefined);
  });

  test("Heapster's storage-schema metrics the Summary API and cAdvisor can supply are all there", () => {
    const heapster = [
      'uptime',
      'cpu/usage',
      'cpu/usage_rate',
      'cpu/load',
      'cpu/request',
      'cpu/limit',
      'cpu/node_capacity',
      'cpu/node_allocatable',
      'cpu/node_reservation',
      'cpu/node_utilization',
      'memory/usage',
      'memory/working_set',
      'memory/rss',
      'memory/cache',
      'memory/page_faults',
      'memory/page_faults_rate',
      'memory/major_page_faults',
      'memory/major_page_faults_rate',
      'memory/request',
      'memory/limit',
      'memory/node_capacity',
      'memory/node_allocatable',
      'memory/node_reservation',
      'memory/node_utilization',
      'network/rx',
      'network/rx_rate',
      'network/rx_errors',
      'network/rx_errors_rate',
      'network/tx',
      'network/tx_rate',
      'network/tx_errors',
      'network/tx_errors_rate',
      'filesystem/usage',
      'filesystem/limit',
      'filesystem/available',
      'filesystem/inodes',
      'filesystem/inodes_free',
      'disk/io_read_bytes',
      'disk/io_read_bytes_rate',
      'disk/io_write_bytes',
      'disk/io_write_bytes_rate',
      'ephemeral_storage/usage',
      'ephemeral_storage/request',
      'ephemeral_storage/limit',
      'ephemeral_storage/node_capacity',
      'ephemeral_storage/node_allocatable',
      'ephemeral_storage/node_reservation',
      'ephemeral_storage/node_utilization',
      'accelerator/memory_total',
      'accelerator/memory_used',
      'accelerator/duty_cycle',
      'accelerator/request',
      'restart_count',
    ];
    assert.deepEqual(metrics.map((m) => m.name).sort(), heapster.sort());
  });

  test('every rate names a cumulative metric at the same levels, and is a gauge', () => {
    const rates = metrics.filter((m) => m.rateOf !== undefined);
    assert.equal(rates.length, 9);
    for (const rate of rates) {
      const source = byName.get(rate.rateOf as string);
      assert.equal(source?.kind, 'cumulative', rate.name);
      assert.equal(rate.kind, 'gauge');
      assert.ok(rate.name.startsWith(`${rate.rateOf}_rate`), rate.name);
      for (const level of source?.levels ?? [])
        assert.ok(rate.levels.includes(level), `${rate.name} ${level}`);
    }
  });

  test('namespace and cluster levels are exactly the aggregated metrics', () => {
    const at = (level: string) =>
      metrics.filter((m) => (m.levels as readonly string[]).includes(level)).map((m) => m.name);
    assert.deepEqual(at('ns').sort(), [...NAMESPACE_METRICS].sort());
    assert.deepEqual(at('cluster').sort(), [...CLUSTER_METRICS].sort());
    for (const name of NODE_METRICS_FROM_PODS) assert.ok(byName.get(name)?.levels.includes('node'), name);
  });

  test('network metrics exist at pod and node level only; filesystem metrics carry resource_id', () => {
    for (const m of metrics) {
      if (m.name.startsWith('network/')) assert.deepEqual([...m.levels], ['pod', 'node'], m.name);
      if (m.name.startsWith('filesystem/')) assert.deepEqual([...m.pointLabels], ['resource_id'], m.name);
      for (const level of m.levels) assert.ok(isMetricSetType(level));
    }
  });

  test('millicores and node ratios keep the value types Heapster wrote', () => {
    assert.equal(metrics[metricId('cpu/usage_rate')]?.valueType, 'int');
    assert.equal(metrics[metricId('cpu/node_capacity')]?.valueType, 'double');
    assert.equal(metrics[metricId('network/rx_rate')]?.valueType, 'double');
    assert.equal(metrics[metricId('memory/usage')]?.valueType, 'int');
  });
});
