import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { METRICS } from '../../shared/metrics/catalogue.js';
import { startSim, type Sim } from '../sim/sim.js';
import { differences } from './expected/compare.js';
import type { ExpectedPoint } from './expected/heapster-points.js';
import { pointKey, type LoggedPoint } from '../support/point-lines.js';
import {
  influxScrape,
  ROUND_MS,
  startInfluxd,
  type InfluxRound,
  type InfluxServer,
} from '../support/influxdb.js';
import { startVictoriaMetrics, type VictoriaMetrics } from '../support/victoria-metrics.js';

/**
 * The simulator (50 nodes x 30 pods) scraped in this process into InfluxDB 1.6 (default schema and
 * withfields, two databases) and VictoriaMetrics at once; what the servers hold is compared with Heapster's
 * points worked out from the simulator's truth.
 */
const IDENTIFIERS = ['hostname', 'host_id', 'pod_id', 'namespace_id'];
const CHECKED = ['cpu/usage_rate', 'memory/working_set', 'network/rx_rate', 'filesystem/usage'];
const TYPES = ['pod_container', 'pod', 'ns', 'node', 'sys_container', 'cluster'];

/** The expectation as the InfluxDB schema stores it: the identifiers are not tags. */
function asStored(expected: ReadonlyMap<string, ExpectedPoint>): Map<string, ExpectedPoint> {
  const out = new Map<string, ExpectedPoint>();
  for (const p of expected.values()) {
    const labels = Object.fromEntries(Object.entries(p.labels).filter(([k]) => !IDENTIFIERS.includes(k)));
    const key = pointKey(p.metric, labels);
    assert.ok(!out.has(key), `two expected points share the stored series ${key}`);
    out.set(key, { ...p, labels });
  }
  return out;
}

const prefixOf = (metric: string): string => metric.split('/')[0] as string;
const fieldOf = (metric: string): string => metric.split('/')[1] ?? 'value';

/** Rows of an InfluxQL SELECT * as points: tag columns with a value become labels. */
function rowsAsPoints(
  metric: string,
  series: { columns: string[]; values: unknown[][] } | undefined,
  field: string,
): LoggedPoint[] {
  if (series === undefined) return [];
  return series.values.map((row) => {
    const labels: Record<string, string> = {};
    let value = NaN;
    series.columns.forEach((column, i) => {
      const cell = row[i];
      if (column === field) value = cell as number;
      else if (column !== 'time' && typeof cell === 'string') labels[column] = cell;
    });
    return { metric, labels, value };
  });
}

describe('InfluxDB sink: 50 nodes x 30 pods into InfluxDB 1.6 and VictoriaMetrics', () => {
  let sim: Sim;
  let influx: InfluxServer;
  let vm: VictoriaMetrics;
  let rounds: InfluxRound[] = [];
  let expected: Map<string, ExpectedPoint>;

  before(async () => {
    [sim, influx, vm] = await Promise.all([
      startSim({ nodes: 50, podsPerNode: 30, kubeletHttpPort: 0, kubeletHttpsPort: 0 }),
      startInfluxd(),
      startVictoriaMetrics(),
    ]);
    const scrape = influxScrape(
      sim,
      [
        `influxdb:${influx.url}?db=k8s`,
        `influxdb:${influx.url}?db=k8s_fields&withfields=true&concurrency=2`,
        `influxdb:${vm.url}?db=k8s&concurrency=2`,
      ].join(' '),
    );
    rounds = [await scrape.round()];
    sim.clock.advance(ROUND_MS);
    rounds.push(await scrape.round());
    expected = asStored((rounds[1] as InfluxRound).expected(rounds[0]));
  });
  after(async () => {
    await Promise.all([sim?.stop(), influx?.stop(), vm?.stop()]);
  });

  test('every sink wrote every point of both rounds', () => {
    for (const round of rounds) {
      assert.equal(round.report.nodes.ok, 50);
      for (const sink of round.report.sinks) {
        assert.deepEqual(
          [sink.sink, sink.written, sink.rejected, sink.error],
          [sink.sink, round.report.points, {}, undefined],
        );
      }
    }
  });

  test('SHOW MEASUREMENTS: one per metric name (default) and one per prefix (withfields)', async () => {
    const metrics = new Set(
      [...expected.values(), ...asStored((rounds[0] as InfluxRound).expected(undefined)).values()].map(
        (p) => p.metric,
      ),
    );
    const [plain] = await influx.query('SHOW MEASUREMENTS', 'k8s');
    assert.deepEqual(
      plain?.series?.[0]?.values.map((v) => v[0]),
      [...metrics].sort(),
    );
    const [fields] = await influx.query('SHOW MEASUREMENTS', 'k8s_fields');
    const prefixes = new Set([...metrics].map(prefixOf));
    assert.deepEqual(
      fields?.series?.[0]?.values.map((v) => v[0]),
      [...prefixes].sort(),
    );
  });

  test('SHOW TAG KEYS: the labels of the points of each measurement, without the identifiers', async () => {
    const keys = new Map<string, Set<string>>();
    for (const p of expected.values()) {
      const set = keys.get(p.metric) ?? new Set();
      for (const k of Object.keys(p.labels)) set.add(k);
      keys.set(p.metric, set);
    }
    const [result] = await influx.query('SHOW TAG KEYS', 'k8s');
    const stored = new Map((result?.series ?? []).map((s) => [s.name, s.values.map((v) => v[0])]));
    for (const [metric, set] of keys) assert.deepEqual(stored.get(metric), [...set].sort(), metric);
    const tags = new Set([...stored.values()].flat());
    for (const id of IDENTIFIERS) assert.ok(!tags.has(id), `${id} is not a tag`);
  });

  test('SELECT per type on cpu/usage_rate, memory/working_set, network/rx_rate, filesystem/usage', async () => {
    const time = (rounds[1] as InfluxRound).roundTime;
    let compared = 0;
    for (const metric of CHECKED) {
      for (const type of TYPES) {
        const want = new Map(
          [...expected].filter(([, p]) => p.metric === metric && p.labels['type'] === type),
        );
        const q = `SELECT * FROM "${metric}" WHERE "type" = '${type}' AND time = ${time}ms`;
        const [plain] = await influx.query(q, 'k8s');
        const got = new Map(
          rowsAsPoints(metric, plain?.series?.[0], 'value').map((p) => [pointKey(metric, p.labels), p]),
        );
        assert.deepEqual(differences(got, want), [], `${metric} ${type}`);
        const field = fieldOf(metric);
        const qf = `SELECT "${field}", * FROM "${prefixOf(metric)}" WHERE "type" = '${type}' AND time = ${time}ms`;
        const [withFields] = await influx.query(qf, 'k8s_fields');
        const gotFields = new Map(
          rowsAsPoints(metric, withFields?.series?.[0], field)
            .filter((p) => !Number.isNaN(p.value) && p.value !== null)
            .map((p) => [pointKey(metric, p.labels), p]),
        );
        assert.deepEqual(differences(gotFields, want), [], `withfields ${metric} ${type}`);
        compared += want.size;
      }
    }
    // 3000 containers, 1500 pods, 50 nodes and their system containers, namespaces, the cluster.
    assert.ok(compared > 3 * 3000, `${compared} points compared`);
  });

  test('every measurement and type holds as many points as the truth has', async () => {
    const time = (rounds[1] as InfluxRound).roundTime;
    const want: Record<string, number> = {};
    for (const p of expected.values()) {
      const key = `${p.metric} ${p.labels['type']}`;
      want[key] = (want[key] ?? 0) + 1;
    }
    const [plain] = await influx.query(
      `SELECT count("value") FROM /.*/ WHERE time = ${time}ms GROUP BY "type"`,
      'k8s',
    );
    const got: Record<string, number> = {};
    for (const s of plain?.series ?? []) got[`${s.name} ${s.tags?.['type']}`] = s.values[0]?.[1] as number;
    assert.deepEqual(got, want);
    const [fields] = await influx.query(
      `SELECT count(*) FROM /.*/ WHERE time = ${time}ms GROUP BY "type"`,
      'k8s_fields',
    );
    const gotFields: Record<string, number> = {};
    for (const s of fields?.series ?? [])
      s.columns.forEach((column, i) => {
        const n = s.values[0]?.[i];
        if (column === 'time' || n === 0 || n === null) return;
        const field = column.replace(/^count_/, '');
        const metric = field === 'value' ? s.name : `${s.name}/${field}`;
        gotFields[`${metric} ${s.tags?.['type']}`] = n as number;
      });
    assert.deepEqual(gotFields, want);
  });

  test('field types never vary: integers for int metrics, floats for double metrics', async () => {
    const [fields] = await influx.query('SHOW FIELD KEYS', 'k8s_fields');
    const types = new Map<string, string>();
    for (const s of fields?.series ?? [])
      for (const [key, type] of s.values)
        types.set(key === 'value' ? s.name : `${s.name}/${key as string}`, type as string);
    const [plain] = await influx.query('SHOW FIELD KEYS', 'k8s');
    for (const s of plain?.series ?? []) assert.deepEqual(s.values, [['value', types.get(s.name)]], s.name);
    for (const metric of METRICS)
      if (types.has(metric.name))
        assert.equal(types.get(metric.name), metric.valueType === 'int' ? 'integer' : 'float', metric.name);
  });

  test('VictoriaMetrics holds the same values for the checked metrics', async () => {
    const time = (rounds[1] as InfluxRound).roundTime;
    const want = new Map([...expected].filter(([, p]) => CHECKED.includes(p.metric)));
    const selector = `{__name__=~"(${CHECKED.join('|')})_value"}`;
    const series = await vm.exportSeries(
      selector,
      (s) => s.filter((x) => x.timestamps.includes(time)).length >= want.size,
    );
    const got = new Map<string, LoggedPoint>();
    for (const s of series) {
      const { __name__: name, ...labels } = s.metric;
      const metric = (name as string).replace(/_value$/, '');
      const at = s.timestamps.indexOf(time);
      if (at >= 0) got.set(pointKey(metric, labels), { metric, labels, value: s.values[at] as number });
    }
    assert.deepEqual(differences(got, want), []);
  });
});
