import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Problems } from '../../shared/config/config-error.js';
import { parseHeapsterUri } from '../../shared/config/uri.js';
import type { MetricSetType } from '../../shared/metrics/catalogue.js';
import type { Batch } from '../../shared/metrics/model.js';
import { planSeries, type ClusterShape } from '../../shared/plan/series-model.js';
import type { TimeSeries } from '../../shared/sinks/gcm/api.js';
import { parseGcmSink, type GcmSinkConfig } from '../../shared/sinks/gcm/options.js';
import { encodeRound } from '../../shared/sinks/gcm/round-series.js';
import { startSim, type Sim } from '../sim/sim.js';
import { inProcessScraper, INTERVAL_MS } from '../support/in-process-scrape.js';
import { keptBatch } from '../support/capture-sink.js';

/**
 * The series model against the real pipeline: a small simulated cluster scraped twice (the second round has
 * rates) by runScrape, its batch encoded by the gcm sink's own encoder with the sink options under test, and
 * the series counted by level and by monitored resource, next to what planSeries predicts for the
 * simulator's shape (read from the simulator's cluster, not from the batch).
 */
function gcm(uri: string): GcmSinkConfig {
  const problems = new Problems();
  const config = parseGcmSink(problems, 'SINKS', parseHeapsterUri(uri));
  return problems.result(config);
}

/** The level a written series came from: its resource type, and the metric label that tells levels apart. */
function levelOf(series: TimeSeries): MetricSetType {
  const labels = series.metric.labels;
  switch (series.resource.type) {
    case 'k8s_container':
      return 'pod_container';
    case 'k8s_pod':
      return 'pod';
    case 'k8s_node':
      return labels['container_name'] === undefined ? 'node' : 'sys_container';
    default:
      return labels['namespace_name'] === undefined ? 'cluster' : 'ns';
  }
}

function shapeOf(sim: Sim): ClusterShape {
  const nodes = [...sim.cluster.nodes.values()];
  const pods = nodes.flatMap((n) => [...n.pods.values()]);
  const containers = new Set(pods.map((p) => p.containers.length));
  const systemContainers = new Set(nodes.map((n) => n.systemContainers.length));
  assert.equal(containers.size, 1, 'every pod has the same number of containers');
  assert.equal(systemContainers.size, 1, 'every node has the same system containers');
  return {
    nodes: nodes.length,
    podsPerNode: pods.length / nodes.length,
    containersPerPod: [...containers][0] as number,
    // The simulator gives pods one to three volumes: the model takes the average.
    volumesPerPod: pods.reduce((n, p) => n + p.volumes.length, 0) / pods.length,
    systemContainersPerNode: [...systemContainers][0] as number,
    namespaces: new Set(pods.map((p) => p.namespace)).size,
  };
}

describe('the cost plan series model against a scraped simulated cluster', () => {
  let sim: Sim;
  let batch: Batch;
  before(async () => {
    sim = await startSim({
      nodes: 3,
      podsPerNode: 8,
      containersPerPod: 2,
      kubeletHttpPort: 0,
      kubeletHttpsPort: 0,
    });
    const scraper = inProcessScraper(sim, '');
    const batches: Batch[] = [];
    const write = scraper.sink.write.bind(scraper.sink);
    scraper.sink.write = (b, signal) => {
      batches.push(keptBatch(b));
      return write(b, signal);
    };
    await scraper.round();
    sim.clock.advance(INTERVAL_MS);
    const second = await scraper.round();
    assert.equal(second.report.nodes.failed, 0, JSON.stringify(second.report.nodes.failures));
    batch = batches.at(-1) as Batch;
  });
  after(async () => {
    await sim?.stop();
  });

  for (const uri of [
    'gcm?metrics=all&levels=pod_container,pod,ns,node,sys_container,cluster',
    'gcm',
    'gcm?metrics=autoscaling&levels=node',
    'gcm?metrics=filesystem/usage,memory/working_set,network/rx_rate&levels=pod_container,pod,node,sys_container',
  ]) {
    test(`${uri}: series by level and by monitored resource as predicted`, () => {
      const options = gcm(uri);
      const { series, dropped } = encodeRound(batch, {
        ...options,
        project: 'plan-check',
        location: 'europe-west4',
        now: batch.timestamp,
      });
      assert.deepEqual(dropped, {});
      const written = new Map<string, number>();
      const perResource = new Map<string, Map<string, number>>();
      for (const s of series) {
        const level = levelOf(s);
        written.set(level, (written.get(level) ?? 0) + 1);
        const key = JSON.stringify(s.resource.labels);
        const ofType = perResource.get(s.resource.type) ?? new Map<string, number>();
        ofType.set(key, (ofType.get(key) ?? 0) + 1);
        perResource.set(s.resource.type, ofType);
      }

      const shape = shapeOf(sim);
      const plan = planSeries(shape, options);
      const predicted = new Map(plan.levels.filter((l) => l.series > 0).map((l) => [l.level, l.series]));
      for (const [level, n] of predicted) assert.ok(Math.abs(n - Math.round(n)) < 1e-9, `${level}: ${n}`);
      assert.deepEqual(
        Object.fromEntries(written),
        Object.fromEntries([...predicted].map(([level, n]) => [level, Math.round(n)])),
      );
      for (const r of plan.resources) {
        const seen = perResource.get(r.type);
        if (r.series === 0) {
          assert.equal(seen, undefined);
          continue;
        }
        assert.equal(seen?.size, r.resources, `${r.type} resources`);
        // Pods differ in their volumes: the model's figure is the average per resource.
        const counts = [...(seen as Map<string, number>).values()];
        const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
        assert.ok(
          Math.abs(mean - r.seriesPerResource) < 1e-9,
          `${r.type}: ${mean} != ${r.seriesPerResource}`,
        );
      }
    });
  }
});
