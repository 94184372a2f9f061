import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Problems } from '../../shared/config/config-error.js';
import { parseHeapsterUri } from '../../shared/config/uri.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import { parseInfluxdbSink, type InfluxdbSinkConfig } from '../../shared/sinks/influxdb/config.js';
import type { KubeEvent } from '../../shared/kube/kube-event.js';
import { influxdbEventSink } from '../../shared/sinks/influxdb/influxdb-sink.js';
import { startSim, type Sim } from '../sim/sim.js';
import {
  influxScrape,
  ROUND_MS,
  startInfluxd,
  type InfluxResult,
  type InfluxServer,
} from '../support/influxdb.js';

/**
 * Heapster's own Grafana dashboards (test/fixtures/grafana) on our output: every InfluxQL query in them, the
 * panels' and the template variables', run against InfluxDB 1.6 after a few scrape rounds (and events for the
 * events dashboard), with Grafana's macros substituted: $timeFilter as the rounds' time range, $interval as
 * the round interval, template variables as a regex matching everything. Every query must return data.
 */
const GRAFANA = fileURLToPath(new URL('../fixtures/grafana/', import.meta.url));

const DASHBOARDS = [
  { file: 'cluster.json', db: 'k8s' },
  { file: 'pods.json', db: 'k8s' },
  { file: 'influxdb_withfields/cluster.json', db: 'k8s_fields' },
  { file: 'influxdb_withfields/pods.json', db: 'k8s_fields' },
  { file: 'influxdb_withfields/events.json', db: 'k8s_fields' },
] as const;

/**
 * Heapster's withfields cluster dashboard asks for the field "limite" (a typo for "limit") in one panel: no
 * schema has it, so that query returns nothing on Heapster's output as on ours.
 */
const BROKEN_IN_HEAPSTER = [`SELECT sum("limite") FROM "cpu"`];
const brokenInHeapster = (query: string): boolean => BROKEN_IN_HEAPSTER.some((b) => query.startsWith(b));

interface Part {
  type: string;
  params?: string[];
}

/** A panel's query as stored, and as Grafana's query editor holds it (rawQuery false). */
interface Target {
  query?: string;
  rawQuery?: boolean;
  measurement?: string;
  select?: Part[][];
  groupBy?: Part[];
  tags?: { key: string; operator: string; value: string; condition?: string }[];
}

interface Dashboard {
  rows?: { panels: { targets?: Target[] }[] }[];
  panels?: { targets?: Target[] }[];
  templating: { list: { name: string; query?: string }[] };
}

function queriesOf(file: string): { queries: string[]; variables: string[] } {
  // Exported for the import API ({dashboard, overwrite}) or as the bare dashboard.
  const parsed = JSON.parse(readFileSync(GRAFANA + file, 'utf8')) as Dashboard | { dashboard: Dashboard };
  const dashboard = 'dashboard' in parsed ? parsed.dashboard : parsed;
  const panels = dashboard.panels ?? (dashboard.rows ?? []).flatMap((r) => r.panels);
  const targets = panels.flatMap((p) => p.targets ?? []);
  const queries = targets.flatMap((t) => (t.query ? [t.query] : []));
  // Grafana sends the editor's query, not the stored text, when rawQuery is false: run both.
  for (const t of targets)
    if (t.rawQuery !== true && t.measurement !== undefined) queries.push(editorQuery(t));
  const variables = dashboard.templating.list.map((v) => v.name);
  for (const v of dashboard.templating.list) if (v.query) queries.push(v.query);
  return { queries, variables };
}

/** The InfluxQL Grafana's InfluxDB query editor builds from a target: fields, functions, tags, GROUP BY. */
function editorQuery(t: Target): string {
  const columns = (t.select ?? []).map((parts) =>
    parts.reduce((inner, part) => {
      if (part.type === 'field') return `"${part.params?.[0] ?? 'value'}"`;
      return `${part.type}(${[inner, ...(part.params ?? [])].join(', ')})`;
    }, ''),
  );
  const where = (t.tags ?? []).map((tag, i) => {
    const value = tag.operator === '=~' || tag.operator === '!~' ? tag.value : `'${tag.value}'`;
    return `${i > 0 ? `${tag.condition ?? 'AND'} ` : ''}"${tag.key}" ${tag.operator} ${value}`;
  });
  const groupBy: string[] = [];
  let fill = '';
  for (const g of t.groupBy ?? []) {
    if (g.type === 'time') groupBy.push(`time(${g.params?.[0] ?? '$interval'})`);
    else if (g.type === 'tag') groupBy.push(`"${g.params?.[0] ?? ''}"`);
    else if (g.type === 'fill') fill = ` fill(${g.params?.[0] ?? 'null'})`;
  }
  const conditions = where.length > 0 ? `(${where.join(' ')}) AND ` : '';
  return `SELECT ${columns.join(', ')} FROM "${t.measurement}" WHERE ${conditions}$timeFilter GROUP BY ${groupBy.join(', ')}${fill}`;
}

function substitute(query: string, variables: string[], from: number, to: number): string {
  let q = query
    .replaceAll('$timeFilter', `time >= ${from}ms AND time <= ${to}ms`)
    .replaceAll('$interval', `${ROUND_MS / 1000}s`);
  // Longest names first, so that $pod never replaces the start of $podname.
  for (const name of [...variables].sort((a, b) => b.length - a.length)) q = q.replaceAll(`$${name}`, '.*');
  assert.doesNotMatch(q, /\$[A-Za-z]/, `a macro left in ${q}`);
  return q;
}

/** True when some series has a value other than its time and nulls (fill(null) makes empty buckets). */
function hasData(results: InfluxResult[]): boolean {
  return results.some((r) =>
    (r.series ?? []).some((s) =>
      s.values.some((row) => row.some((cell, i) => s.columns[i] !== 'time' && cell !== null)),
    ),
  );
}

function config(text: string): InfluxdbSinkConfig {
  const problems = new Problems();
  return problems.result(parseInfluxdbSink(problems, 'SINKS', parseHeapsterUri(text)) as InfluxdbSinkConfig);
}

describe("Heapster's Grafana dashboards on our InfluxDB output", () => {
  let sim: Sim;
  let influx: InfluxServer;
  let from = 0;
  let to = 0;

  before(async () => {
    [sim, influx] = await Promise.all([
      startSim({ nodes: 4, podsPerNode: 6, kubeletHttpPort: 0, kubeletHttpsPort: 0 }),
      startInfluxd(),
    ]);
    const scrape = influxScrape(
      sim,
      `influxdb:${influx.url}?db=k8s influxdb:${influx.url}?db=k8s_fields&withfields=true`,
    );
    const rounds = [];
    for (let i = 0; i < 3; i++) {
      if (i > 0) sim.clock.advance(ROUND_MS);
      const round = await scrape.round();
      for (const sink of round.report.sinks) assert.equal(sink.written, round.report.points, sink.sink);
      rounds.push(round);
      sim.events.generate(10);
    }
    const events = sim.stores.events.list().items.map((i) => i.object as unknown as KubeEvent);
    const writer = influxdbEventSink(config(`influxdb:${influx.url}?db=k8s_fields&withfields=true`), {
      log: memoryLogger(),
    });
    assert.equal((await writer.write(events, new AbortController().signal)).written, events.length);
    // The dashboards' default range is the last 30 minutes; ours covers the rounds and the events.
    from = (rounds[0]?.roundTime ?? 0) - 30 * 60_000;
    to = sim.clock.now() + 60_000;
  });
  after(async () => {
    await Promise.all([sim?.stop(), influx?.stop()]);
  });

  for (const { file, db } of DASHBOARDS) {
    test(`${file}: every query returns data`, async () => {
      const { queries, variables } = queriesOf(file);
      assert.ok(queries.length > 0);
      const empty: string[] = [];
      for (const query of queries) {
        const results = await influx.query(substitute(query, variables, from, to), db);
        for (const r of results) assert.equal(r.error, undefined, `${query}: ${r.error}`);
        if (!hasData(results)) empty.push(query);
      }
      const expectedEmpty = queries.filter(brokenInHeapster);
      assert.deepEqual(empty, expectedEmpty);
    });
  }
});
