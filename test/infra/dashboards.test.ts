import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { METRICS } from '../../shared/metrics/catalogue.js';
import { startSim, type Sim } from '../sim/sim.js';
import {
  influxScrape,
  ROUND_MS,
  startInfluxd,
  type InfluxResult,
  type InfluxServer,
} from '../support/influxdb.js';
import { CORE_METRIC_NAMES, DEFAULT_LEVEL_NAMES } from '../unit/sinks/gcm/expected-defaults.js';
import { INFRA } from './hcl.js';

/**
 * The dashboards: the Cloud Monitoring one (a Terraform template) asks only for metrics the gcm sink writes, on
 * the monitored resources it writes them to; the Grafana ones ask only for Heapster's measurements at levels
 * the catalogue has, and every one of their queries returns data on our InfluxDB output.
 */
const TEMPLATE = join(INFRA, 'modules/monitoring/dashboard.json.tftpl');
const GRAFANA = join(INFRA, 'dashboards/grafana');

/** Where the gcm sink writes each level: the most specific Kubernetes monitored resource. */
const RESOURCE_OF_LEVEL: Record<string, string> = {
  pod_container: 'k8s_container',
  pod: 'k8s_pod',
  node: 'k8s_node',
  sys_container: 'k8s_node',
  ns: 'k8s_cluster',
  cluster: 'k8s_cluster',
};
/** PromQL's name of a Cloud Monitoring metric type: the first "/" becomes ":", other specials "_". */
const promName = (type: string): string => type.replace('/', ':').replace(/[^A-Za-z0-9_:]/g, '_');
const PROM_METRICS = new Map(
  METRICS.map((m) => [promName(`custom.googleapis.com/heapster/${m.name}`), m] as const),
);

interface Tile {
  xPos?: number;
  yPos?: number;
  width: number;
  height: number;
  widget: Record<string, unknown>;
}

function renderTemplate(): {
  dashboard: { mosaicLayout: { columns: number; tiles: Tile[] } };
  vars: string[];
} {
  const text = readFileSync(TEMPLATE, 'utf8');
  assert.doesNotMatch(text, /%\{/, 'template directives');
  const vars = [...new Set([...text.matchAll(/(?<!\$)\$\{([a-z_]+)\}/g)].map((m) => m[1] as string))];
  const rendered = text.replace(/(?<!\$)\$\{([a-z_]+)\}/g, (_m, name: string) =>
    name === 'cluster' ? 'prod' : name === 'project' ? 'my-project' : `value-of-${name}`,
  );
  return { dashboard: JSON.parse(rendered.replaceAll('$${', '${')), vars };
}

describe('Cloud Monitoring dashboard', () => {
  test('every template variable is one the module passes', () => {
    const tf = readFileSync(join(INFRA, 'modules/monitoring/dashboard.tf'), 'utf8');
    const metricKeys = /for key in \[([\s\S]*?)\]/.exec(tf)?.[1]?.match(/"([a-z_]+)"/g) ?? [];
    const passed = new Set([...metricKeys.map((k) => k.slice(1, -1)), 'cluster', 'project', 'report_filter']);
    const { vars } = renderTemplate();
    assert.deepEqual(
      vars.filter((v) => !passed.has(v)),
      [],
    );
    // The log-based metrics charted are the ones the module creates.
    const logs = readFileSync(join(INFRA, 'modules/monitoring/main.tf'), 'utf8');
    for (const key of metricKeys) assert.match(logs, new RegExp(`\\b${key.slice(1, -1)}\\s+= \\{`), key);
  });

  test('tiles fit the 48 columns without overlapping', () => {
    const { dashboard } = renderTemplate();
    const { columns, tiles } = dashboard.mosaicLayout;
    assert.equal(columns, 48);
    const taken = new Set<string>();
    for (const t of tiles) {
      assert.ok((t.xPos ?? 0) + t.width <= columns);
      for (let x = t.xPos ?? 0; x < (t.xPos ?? 0) + t.width; x++)
        for (let y = t.yPos ?? 0; y < (t.yPos ?? 0) + t.height; y++) {
          assert.ok(!taken.has(`${x},${y}`), `tiles overlap at ${x},${y}`);
          taken.add(`${x},${y}`);
        }
    }
  });

  test('every PromQL query reads a metric of the catalogue on a resource it is written to', () => {
    const { dashboard } = renderTemplate();
    const queries = JSON.stringify(dashboard).match(/"prometheusQuery":"((?:[^"\\]|\\.)*)"/g) ?? [];
    assert.ok(queries.length >= 15, `${queries.length} PromQL queries`);
    const seen = new Set<string>();
    for (const raw of queries) {
      const query = JSON.parse(raw.slice('"prometheusQuery":'.length)) as string;
      for (const m of query.matchAll(/(custom_googleapis_com:[a-z_]+)\{([^}]*)\}/g)) {
        const metric = PROM_METRICS.get(m[1] as string);
        assert.ok(metric, `${m[1]} is no catalogue metric`);
        const resource = /monitored_resource="([a-z_0-9]+)"/.exec(m[2] as string)?.[1];
        const resources = new Set(metric.levels.map((l) => RESOURCE_OF_LEVEL[l]));
        assert.ok(resource && resources.has(resource), `${metric.name} is not written to ${resource}`);
        assert.match(m[2] as string, /cluster_name="prod"/);
        seen.add(`${metric.name}@${resource}`);
      }
    }
    for (const want of [
      'cpu/usage_rate@k8s_cluster',
      'memory/working_set@k8s_node',
      'network/rx_rate@k8s_pod',
    ])
      assert.ok(seen.has(want), want);
  });

  test("the gcm sink's defaults write every metric the dashboard reads, on the resource it reads it from", () => {
    const { dashboard } = renderTemplate();
    const text = JSON.stringify(dashboard);
    const read = [
      ...text.matchAll(/(custom_googleapis_com:[a-z_]+)\{[^}]*?monitored_resource=\\"([a-z_0-9]+)/g),
    ];
    assert.ok(read.length >= 15, `${read.length} metrics read`);
    for (const [, prom, resource] of read) {
      const metric = PROM_METRICS.get(prom as string);
      assert.ok(metric && CORE_METRIC_NAMES.includes(metric.name), `${prom} is not written by default`);
      const levels = metric.levels.filter((l) => DEFAULT_LEVEL_NAMES.includes(l));
      assert.ok(
        levels.some((l) => RESOURCE_OF_LEVEL[l] === resource),
        `${metric.name} is not written to ${resource} by default`,
      );
    }
  });
});

interface GrafanaDashboard {
  panels: { targets: { query: string }[] }[];
  templating: { list: { name: string; query?: string; type: string }[] };
}
const grafanaFiles = readdirSync(GRAFANA).filter((f) => f.endsWith('.json'));
const grafana = (file: string): GrafanaDashboard =>
  JSON.parse(readFileSync(join(GRAFANA, file), 'utf8')) as GrafanaDashboard;
const queriesOf = (d: GrafanaDashboard): string[] => [
  ...d.panels.flatMap((p) => p.targets.map((t) => t.query)),
  ...d.templating.list.filter((v) => v.type === 'query' && v.query).map((v) => v.query as string),
];

describe('Grafana dashboards for InfluxDB', () => {
  let sim: Sim;
  let influx: InfluxServer;
  let from = 0;
  let to = 0;

  before(async () => {
    [sim, influx] = await Promise.all([
      startSim({ nodes: 3, podsPerNode: 4, kubeletHttpPort: 0, kubeletHttpsPort: 0 }),
      startInfluxd(),
    ]);
    const scrape = influxScrape(sim, `influxdb:${influx.url}?db=k8s`);
    const first = await scrape.round();
    for (let i = 1; i < 3; i++) {
      sim.clock.advance(ROUND_MS);
      await scrape.round();
    }
    from = first.roundTime - ROUND_MS;
    to = sim.clock.now() + ROUND_MS;
  });
  after(async () => {
    await Promise.all([sim?.stop(), influx?.stop()]);
  });

  test('cluster, nodes and pods views exist', () => {
    assert.deepEqual(grafanaFiles.sort(), ['cluster.json', 'nodes.json', 'pods.json']);
  });

  test("every query reads one of Heapster's measurements at a level the metric has", () => {
    const levels = new Map<string, Set<string>>(METRICS.map((m) => [m.name, new Set<string>(m.levels)]));
    for (const file of grafanaFiles)
      for (const query of queriesOf(grafana(file))) {
        for (const m of query.matchAll(/FROM "([^"]+)"(?: WHERE "type" = '([a-z_]+)')?/g)) {
          const metric = levels.get(m[1] as string);
          assert.ok(metric, `${file}: ${m[1]} is not a metric`);
          if (m[2] !== undefined) assert.ok(metric.has(m[2]), `${file}: ${m[1]} has no ${m[2]} level`);
        }
      }
  });

  for (const file of grafanaFiles) {
    test(`${file}: every query returns data on our InfluxDB output`, async () => {
      const empty: string[] = [];
      for (const query of queriesOf(grafana(file))) {
        // Grafana's macros and template variables: the rounds' time range, the round interval, everything.
        const q = query
          .replaceAll('$timeFilter', `time >= ${from}ms AND time <= ${to}ms`)
          .replaceAll('$__interval', `${ROUND_MS / 1000}s`)
          .replace(/\$(cluster|namespace|node|pod)\b/g, '.*');
        assert.doesNotMatch(q, /\$[a-z_]/i, q);
        const results: InfluxResult[] = await influx.query(q, 'k8s');
        for (const r of results) assert.equal(r.error, undefined, `${q}: ${r.error}`);
        const hasData = results.some((r) =>
          (r.series ?? []).some((s) =>
            s.values.some((row) => row.some((cell, i) => s.columns[i] !== 'time' && cell !== null)),
          ),
        );
        if (!hasData) empty.push(q);
      }
      assert.deepEqual(empty, []);
    });
  }
});
