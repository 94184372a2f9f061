import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Problems } from '../../shared/config/config-error.js';
import { parseHeapsterUri } from '../../shared/config/uri.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import { parseInfluxdbSink, type InfluxdbSinkConfig } from '../../shared/sinks/influxdb/config.js';
import type { KubeEvent } from '../../shared/kube/kube-event.js';
import { influxdbEventSink } from '../../shared/sinks/influxdb/influxdb-sink.js';
import { toEventsV1 } from '../sim/apiserver/events-v1.js';
import type { KubeObject } from '../sim/objects.js';
import { startSim, type Sim } from '../sim/sim.js';
import { startInfluxd, type InfluxServer } from '../support/influxdb.js';

/**
 * Kubernetes events from the simulated API server written to InfluxDB 1.6 the way the event service will:
 * snapshots of the event store taken as events are created and repeated, each written in full (so every
 * unchanged event is written again, as a replayed watch would), in both of Heapster's forms.
 */
function config(text: string): InfluxdbSinkConfig {
  const problems = new Problems();
  return problems.result(parseInfluxdbSink(problems, 'SINKS', parseHeapsterUri(text)) as InfluxdbSinkConfig);
}

const asEvent = (object: KubeObject): KubeEvent => object as unknown as KubeEvent;

/** Messages that need every kind of escaping the line protocol and JSON have. */
const HARD_MESSAGES = [
  'commas, spaces = equals, "double" and \'single\' quotes',
  'a line\nanother line\r\nand a tab\there',
  'back\\slash at the end \\',
  'ünïcödé ✓ 日本語 🚀 and a lone surrogate-free emoji 🧪',
  '',
];

describe('InfluxDB event writer against InfluxDB 1.6', () => {
  let sim: Sim;
  let influx: InfluxServer;
  const snapshots: KubeObject[][] = [];

  before(async () => {
    [sim, influx] = await Promise.all([
      startSim({ nodes: 3, podsPerNode: 4, kubeletHttpPort: 0, kubeletHttpsPort: 0 }),
      startInfluxd(),
    ]);
    const snapshot = (): KubeObject[] =>
      JSON.parse(JSON.stringify(sim.stores.events.list().items.map((i) => i.object))) as KubeObject[];
    for (let i = 0; i < 6; i++) {
      sim.events.generate(15);
      sim.clock.advance(1500);
      snapshots.push(snapshot());
    }
    // Hand-made messages on copies of real events (new uids), core/v1 and events.k8s.io/v1.
    const base = snapshots.at(-1) as KubeObject[];
    const extra = HARD_MESSAGES.map((message, i) => {
      const copy = JSON.parse(JSON.stringify(base[i])) as KubeObject;
      copy.metadata.uid = `00000000-0000-4000-8000-00000000000${i}`;
      copy['message'] = message;
      return i % 2 === 0 ? copy : toEventsV1(copy);
    });
    snapshots.push([...base, ...extra]);
  });
  after(async () => {
    await Promise.all([sim?.stop(), influx?.stop()]);
  });

  /** Every (uid, count) occurrence seen in the snapshots, with the object as it was then. */
  function occurrences(): Map<string, KubeObject> {
    const out = new Map<string, KubeObject>();
    for (const snap of snapshots)
      for (const e of snap) {
        const series = e['series'] as { count?: number } | undefined;
        const count =
          series?.count ??
          (e['count'] as number | undefined) ??
          (e['deprecatedCount'] as number | undefined) ??
          1;
        out.set(`${e.metadata.uid} ${count}`, e);
      }
    return out;
  }

  test('default form: each occurrence stored once, its JSON value exactly the event', async () => {
    const writer = influxdbEventSink(config(`influxdb:${influx.url}?db=events&cluster_name=sim`), {
      log: memoryLogger(),
    });
    let written = 0;
    for (const snap of snapshots) {
      const report = await writer.write(snap.map(asEvent), new AbortController().signal);
      assert.deepEqual(report.rejected, {});
      written += report.written;
    }
    // A replay of everything once more changes nothing.
    await writer.write((snapshots.at(-1) as KubeObject[]).map(asEvent), new AbortController().signal);
    const want = occurrences();
    assert.ok(written > want.size, 'unchanged events were written again');
    assert.ok(
      [...want.values()].some((e) => ((e['count'] as number) ?? 0) > 1),
      'some events repeated',
    );

    const [result] = await influx.query(
      'SELECT "value", "uid", "kind", "reason" FROM "log/events"',
      'events',
    );
    const rows = result?.series?.[0]?.values ?? [];
    assert.equal(rows.length, want.size);
    const stored = new Map<string, unknown>();
    for (const [, value] of rows) {
      const event = JSON.parse(value as string) as KubeObject;
      const series = event['series'] as { count?: number } | undefined;
      const count =
        series?.count ??
        (event['count'] as number | undefined) ??
        (event['deprecatedCount'] as number | undefined) ??
        1;
      stored.set(`${event.metadata.uid} ${count}`, event);
    }
    assert.deepEqual(stored, want);
  });

  test('default form: tags as Heapster wrote them, plus object name, kind, namespace, reason and type', async () => {
    const [keys] = await influx.query('SHOW TAG KEYS FROM "log/events"', 'events');
    assert.deepEqual(
      keys?.series?.[0]?.values.map((v) => v[0]),
      [
        'cluster_name',
        'hostname',
        'kind',
        'namespace_name',
        'object_name',
        'pod_id',
        'pod_name',
        'reason',
        'type',
        'uid',
      ],
    );
    const pod = (snapshots[0] as KubeObject[])[0] as KubeObject;
    const involved = pod['involvedObject'] as { name: string; uid: string };
    const [row] = await influx.query(
      `SELECT * FROM "log/events" WHERE "uid" = '${pod.metadata.uid}' LIMIT 1`,
      'events',
    );
    const series = row?.series?.[0];
    const cell = (c: string): unknown => series?.values[0]?.[series.columns.indexOf(c)];
    assert.equal(cell('pod_name'), involved.name);
    assert.equal(cell('pod_id'), involved.uid);
    assert.equal(cell('cluster_name'), 'sim');
    assert.equal(cell('namespace_name'), pod.metadata.namespace);
    assert.equal(cell('reason'), pod['reason']);
  });

  test('withfields form: measurement events, message exactly as written, the dashboard tags', async () => {
    const writer = influxdbEventSink(config(`influxdb:${influx.url}?db=events_fields&withfields=true`), {
      log: memoryLogger(),
    });
    for (const snap of [...snapshots, ...snapshots])
      assert.deepEqual((await writer.write(snap.map(asEvent), new AbortController().signal)).rejected, {});
    const want = occurrences();
    const [result] = await influx.query('SELECT "message", "uid" FROM "events"', 'events_fields');
    const rows = result?.series?.[0]?.values ?? [];
    assert.equal(rows.length, want.size);
    const messages = new Map<string, Set<string>>();
    for (const e of want.values())
      messages.set(e.metadata.uid as string, new Set([(e['message'] ?? e['note'] ?? '') as string]));
    for (const [, message, uid] of rows)
      assert.ok(
        messages.get(uid as string)?.has(message as string),
        `${uid as string}: ${JSON.stringify(message)}`,
      );
    for (const hard of HARD_MESSAGES)
      assert.ok(
        rows.some(([, m]) => m === hard),
        `stored exactly: ${JSON.stringify(hard)}`,
      );
    const [keys] = await influx.query('SHOW TAG KEYS FROM "events"', 'events_fields');
    const tagKeys = keys?.series?.[0]?.values.map((v) => v[0]);
    for (const k of [
      'namespace_name',
      'kind',
      'object_name',
      'type',
      'reason',
      'hostname',
      'component',
      'uid',
    ])
      assert.ok(tagKeys?.includes(k), k);
  });
});
