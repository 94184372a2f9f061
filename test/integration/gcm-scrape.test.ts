import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MetricServiceClient } from '@google-cloud/monitoring';
import { METRICS } from '../../shared/metrics/catalogue.js';
import { startSim, type Sim } from '../sim/sim.js';
import type { SummaryJson } from '../sim/truth.js';
import {
  startFunctionsFramework,
  type FunctionsFrameworkProcess,
  type ScheduledCall,
} from '../support/functions-framework.js';
import { startGcmStandIn, type GcmStandIn } from '../stand-ins/gcm/server.js';
import { expectedPoints, type ExpectedPoint } from './expected/heapster-points.js';
import type { ClusterObjects } from './expected/object-labels.js';
import { asSummary } from './expected/summary-json.js';
import { CORE_METRIC_NAMES, DEFAULT_LEVEL_NAMES } from '../unit/sinks/gcm/expected-defaults.js';

/**
 * The scrape function, served by the real Functions Framework with two gcm sinks pointed at the Monitoring
 * stand-in, over a simulated 50-node cluster for three scheduled rounds: one with the sink's defaults, one with
 * every metric on every level but sys_container (under its own prefix). What ListTimeSeries gives back is
 * compared series by series with the expectation worked out from the simulator's truth (the same independent
 * expectation the log sink's acceptance test uses), kept to each sink's metrics and levels and mapped onto
 * monitored resources by the rules of the sink's specification: containers on k8s_container, pods on k8s_pod,
 * nodes on k8s_node, namespaces (with a namespace_name metric label) and the cluster on k8s_cluster; filesystem
 * and accelerator labels as metric labels.
 */
const NODES = 50;
const PODS_PER_NODE = 30;
const INTERVAL_MS = 60_000;
const CLUSTER = 'sim-gcm';
const PROJECT = 'demo-gcm-e2e';
const LOCATION = 'europe-west4';

/** What one gcm sink under test writes: its prefix, options, and the metrics and levels expected from them. */
interface SinkUnderTest {
  readonly what: string;
  readonly prefix: string;
  readonly options: string;
  readonly metrics: ReadonlySet<string>;
  readonly levels: ReadonlySet<string>;
}
const DEFAULTS: SinkUnderTest = {
  what: 'defaults',
  prefix: 'custom.googleapis.com/heapster',
  options: '',
  metrics: new Set(CORE_METRIC_NAMES),
  levels: new Set(DEFAULT_LEVEL_NAMES),
};
const EVERYTHING: SinkUnderTest = {
  what: 'metrics=all with pod_container',
  prefix: 'custom.googleapis.com/heapster-all',
  options: '&prefix=custom.googleapis.com/heapster-all&metrics=all&levels=pod_container,pod,node,ns,cluster',
  metrics: new Set(METRICS.map((m) => m.name)),
  levels: new Set(['pod_container', 'pod', 'node', 'ns', 'cluster']),
};
const UNDER_TEST = [DEFAULTS, EVERYTHING];

interface Round {
  readonly roundTime: number;
  readonly call: ScheduledCall;
  readonly served: Map<string, SummaryJson>;
}

interface SinkReport {
  sink: string;
  written: number;
  rejected: Record<string, number>;
  retried: number;
  error?: string;
}

/**
 * A series' identity as the spec places a Heapster point: metric type, resource, metric labels; undefined when
 * the sink does not write the point's metric or level.
 */
function seriesOf(point: ExpectedPoint, sink: SinkUnderTest): string | undefined {
  const l = point.labels;
  if (!sink.metrics.has(point.metric) || !sink.levels.has(l['type'] as string)) return undefined;
  const metricLabels: Record<string, string> = {};
  for (const k of ['resource_id', 'make', 'model', 'accelerator_id'])
    if (l[k] !== undefined) metricLabels[k] = l[k] as string;
  let resource: string;
  switch (l['type']) {
    case 'pod_container':
      resource = `k8s_container/${l['namespace_name']}/${l['pod_name']}/${l['container_name']}`;
      break;
    case 'pod':
      resource = `k8s_pod/${l['namespace_name']}/${l['pod_name']}`;
      break;
    case 'node':
      resource = `k8s_node/${l['nodename']}`;
      break;
    case 'ns':
      resource = 'k8s_cluster';
      metricLabels['namespace_name'] = l['namespace_name'] as string;
      break;
    case 'cluster':
      resource = 'k8s_cluster';
      break;
    default:
      return undefined; // sys_container: on k8s_node, not among the levels tested
  }
  return identity(`${sink.prefix}/${point.metric}`, resource, metricLabels);
}

function identity(type: string, resource: string, metricLabels: Record<string, string>): string {
  const labels = Object.keys(metricLabels)
    .sort()
    .map((k) => `${k}=${metricLabels[k]}`)
    .join(',');
  return `${type} ${resource} {${labels}}`;
}

function resourceOf(r: { type?: string | null; labels?: Record<string, string> | null }): string {
  const l = r.labels ?? {};
  assert.equal(l['project_id'], PROJECT);
  assert.equal(l['location'], LOCATION);
  assert.equal(l['cluster_name'], CLUSTER);
  switch (r.type) {
    case 'k8s_container':
      return `k8s_container/${l['namespace_name']}/${l['pod_name']}/${l['container_name']}`;
    case 'k8s_pod':
      return `k8s_pod/${l['namespace_name']}/${l['pod_name']}`;
    case 'k8s_node':
      return `k8s_node/${l['node_name']}`;
    default:
      return String(r.type);
  }
}

describe(`scrape function with SINKS=gcm into the Monitoring stand-in (${NODES} nodes x ${PODS_PER_NODE} pods, 3 rounds)`, () => {
  let sim: Sim;
  let standIn: GcmStandIn;
  let ff: FunctionsFrameworkProcess;
  let client: MetricServiceClient;
  let objects: ClusterObjects;
  const rounds: Round[] = [];

  before(async () => {
    [sim, standIn] = await Promise.all([
      startSim({
        nodes: NODES,
        podsPerNode: PODS_PER_NODE,
        containersPerPod: 2,
        kubeletHttpPort: 0,
        kubeletHttpsPort: 0,
        acceleratorEvery: 13,
      }),
      startGcmStandIn(),
    ]);
    client = new MetricServiceClient(standIn.clientOptions(PROJECT));
    objects = {
      nodes: sim.stores.nodes.list().items.map((i) => i.object),
      pods: sim.stores.pods.list().items.map((i) => i.object),
      namespaces: sim.stores.namespaces.list().items.map((i) => i.object),
    };
    ff = await startFunctionsFramework({
      target: 'scrape',
      source: 'functions/scrape/index.ts',
      env: {
        SOURCES: `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false`,
        SINKS: UNDER_TEST.map(
          (s) => `gcm?project=${PROJECT}&location=${LOCATION}&endpoint=${standIn.endpoint}${s.options}`,
        ).join(' '),
        CLUSTER_NAME: CLUSTER,
        INTERVAL: '60s',
        FUNCTION_TIMEOUT: '60s',
        STATE_STORE: 'memory',
        METADATA_SERVER_DETECTION: 'none',
      },
    });
    // One warm instance for all three rounds: its counters (memory store) give rates from the second on.
    const first = Math.floor(sim.clock.now() / INTERVAL_MS) * INTERVAL_MS;
    for (let i = 0; i < 3; i++) {
      if (i > 0) sim.clock.advance(INTERVAL_MS);
      const roundTime = first + i * INTERVAL_MS;
      const call = await ff.schedule(new Date(roundTime + 1_000));
      const served = new Map<string, SummaryJson>();
      for (const name of sim.cluster.nodes.keys()) served.set(name, sim.truth.summary(name));
      rounds.push({ roundTime, call, served });
    }
  });

  after(async () => {
    await client?.close();
    await ff?.stop();
    await Promise.all([sim?.stop(), standIn?.stop()]);
  });

  const heapsterPoints = new Map<number, ExpectedPoint[]>();
  const expectations = new Map<string, Map<string, ExpectedPoint>>();
  /** The series a sink should have written in round i, with their points. */
  const expectation = (i: number, sink: SinkUnderTest): Map<string, ExpectedPoint> => {
    const known = expectations.get(`${i} ${sink.prefix}`);
    if (known !== undefined) return known;
    let points = heapsterPoints.get(i);
    if (points === undefined) {
      points = [
        ...expectedPoints({
          current: (rounds[i] as Round).served,
          previous: i === 0 ? undefined : (rounds[i - 1] as Round).served,
          cluster: sim.cluster,
          objects,
          roundTime: (rounds[i] as Round).roundTime,
          clusterName: CLUSTER,
        }).values(),
      ];
      heapsterPoints.set(i, points);
    }
    const bySeries = new Map<string, ExpectedPoint>();
    for (const p of points) {
      const key = seriesOf(p, sink);
      if (key === undefined) continue;
      assert.ok(!bySeries.has(key), `two expected points on ${key}`);
      bySeries.set(key, p);
    }
    expectations.set(`${i} ${sink.prefix}`, bySeries);
    return bySeries;
  };

  /**
   * Every series of every catalogue metric type under both prefixes with its points of the three rounds, read
   * back with one ListTimeSeries per metric type; then the points of one round by series.
   */
  type ReadPoint = { value: number; start?: number };
  let everything: Promise<Map<string, Map<number, ReadPoint>>> | undefined;
  const readAll = async (): Promise<Map<string, Map<number, ReadPoint>>> => {
    const out = new Map<string, Map<number, ReadPoint>>();
    const ms = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined =>
      t?.seconds === undefined || t.seconds === null
        ? undefined
        : Number(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6;
    for (const type of UNDER_TEST.flatMap((sink) => METRICS.map((m) => `${sink.prefix}/${m.name}`))) {
      const [series] = await client.listTimeSeries({
        name: `projects/${PROJECT}`,
        filter: `metric.type = "${type}"`,
        interval: {
          startTime: { seconds: (rounds[0] as Round).roundTime / 1000 },
          endTime: { seconds: (rounds[2] as Round).roundTime / 1000 },
        },
      });
      for (const s of series) {
        const key = identity(s.metric?.type ?? '', resourceOf(s.resource ?? {}), {
          ...(s.metric?.labels ?? {}),
        });
        assert.ok(!out.has(key), `${key} listed twice`);
        const points = new Map<number, ReadPoint>();
        for (const p of s.points ?? []) {
          const end = ms(p.interval?.endTime) as number;
          assert.ok(!points.has(end), `${key} has two points at ${end}`);
          const value =
            p.value?.int64Value !== undefined && p.value.int64Value !== null
              ? Number(p.value.int64Value)
              : Number(p.value?.doubleValue);
          const start = ms(p.interval?.startTime);
          points.set(end, { value, ...(start !== undefined ? { start } : {}) });
        }
        out.set(key, points);
      }
    }
    return out;
  };
  const readBack = async (roundTime: number): Promise<Map<string, ReadPoint>> => {
    const all = await (everything ??= readAll());
    const out = new Map<string, ReadPoint>();
    for (const [key, points] of all) {
      const p = points.get(roundTime);
      if (p !== undefined) out.set(key, p);
    }
    return out;
  };

  test('every round answers 200 and each gcm sink wrote every point, refusing none', () => {
    for (const round of rounds) {
      const body = round.call.body as { sinks: SinkReport[]; status: number };
      assert.equal(round.call.status, 200, JSON.stringify(body).slice(0, 500));
      assert.equal(body.sinks.length, UNDER_TEST.length);
      for (const report of body.sinks) {
        assert.ok(report.sink.startsWith('gcm'));
        assert.deepEqual(report.rejected, {});
        assert.equal(report.retried, 0);
        assert.equal(report.error, undefined);
      }
    }
    UNDER_TEST.forEach((sink, s) => {
      const counts = rounds.map(
        (r) => ((r.call.body as { sinks: SinkReport[] }).sinks[s] as SinkReport).written,
      );
      assert.deepEqual(
        counts,
        [0, 1, 2].map((i) => expectation(i, sink).size),
        sink.what,
      );
    });
    // The defaults leave containers and most metrics out: a fraction of everything.
    const [core, all] = UNDER_TEST.map((sink) => expectation(2, sink).size) as [number, number];
    assert.ok(core > 0 && core < all / 3, `${core} series at the defaults, ${all} with everything`);
  });

  for (const sink of UNDER_TEST)
    test(`${sink.what}: ListTimeSeries returns exactly the expected series, with the values the simulator served, for each round`, async () => {
      for (let i = 0; i < rounds.length; i++) {
        const expected = expectation(i, sink);
        const all = await readBack((rounds[i] as Round).roundTime);
        const got = new Map([...all].filter(([k]) => k.startsWith(`${sink.prefix}/`)));
        const missing = [...expected.keys()].filter((k) => !got.has(k));
        const extra = [...got.keys()].filter((k) => !expected.has(k));
        const wrong = [...expected].filter(
          ([k, e]) => got.has(k) && !(Math.abs((got.get(k)?.value as number) - e.value) <= e.tolerance),
        );
        assert.deepEqual(
          {
            missing: missing.slice(0, 10),
            extra: extra.slice(0, 10),
            wrong: wrong.slice(0, 10).map(([k, e]) => `${k}: ${got.get(k)?.value} != ${e.value}`),
          },
          { missing: [], extra: [], wrong: [] },
          `round ${i + 1}`,
        );
        if (i > 0)
          assert.ok(
            [...expected.keys()].some((k) => k.includes('/cpu/usage_rate ')),
            'rates from the second round',
          );
      }
    });

  test('cumulative series (metrics=all) start 1 ms after the kubelet start time of their container, pod or node, every round', async () => {
    const last = rounds[2] as Round;
    const got = await readBack(last.roundTime);
    let checked = 0;
    for (const json of last.served.values()) {
      const s = asSummary(json);
      const node = got.get(identity(`${EVERYTHING.prefix}/cpu/usage`, `k8s_node/${s.node.nodeName}`, {}));
      assert.equal(node?.start, Date.parse(s.node.startTime) + 1);
      for (const pod of s.pods) {
        const where = `${pod.podRef.namespace}/${pod.podRef.name}`;
        assert.equal(
          got.get(identity(`${EVERYTHING.prefix}/network/rx`, `k8s_pod/${where}`, {}))?.start,
          Date.parse(pod.startTime) + 1,
        );
        for (const c of pod.containers) {
          const series = got.get(
            identity(`${EVERYTHING.prefix}/cpu/usage`, `k8s_container/${where}/${c.name}`, {}),
          );
          assert.equal(series?.start, Date.parse(c.startTime) + 1, `${where}/${c.name}`);
          checked++;
        }
      }
    }
    assert.equal(checked, NODES * PODS_PER_NODE * 2);
    const stored = standIn.series(PROJECT).find((x) => x.metric.type === `${EVERYTHING.prefix}/cpu/usage`);
    assert.deepEqual(
      stored?.points.map((p) => p.end),
      rounds.map((r) => r.roundTime),
    );
  });

  test('the service saw no request over 200 series, no series twice at once, and descriptors made once', () => {
    assert.ok(standIn.stats.maxSeriesPerRequest <= 200);
    assert.equal(standIn.stats.concurrentSameSeries, 0);
    assert.deepEqual(standIn.stats.pointsRejected, {});
    assert.equal(standIn.stats.calls['ListMetricDescriptors'], UNDER_TEST.length, 'once per sink');
    assert.equal(standIn.stats.calls['CreateMetricDescriptor'], standIn.descriptors(PROJECT).length);
    const defaults = standIn
      .descriptors(PROJECT)
      .map((d) => d.type ?? '')
      .filter((type) => type.startsWith(`${DEFAULTS.prefix}/`))
      .map((type) => type.slice(DEFAULTS.prefix.length + 1));
    assert.deepEqual(defaults.sort(), [...CORE_METRIC_NAMES].sort());
  });
});
