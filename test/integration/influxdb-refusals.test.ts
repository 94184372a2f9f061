import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Problems } from '../../shared/config/config-error.js';
import { parseHeapsterUri } from '../../shared/config/uri.js';
import { occurrenceId } from '../../shared/events/occurrence.js';
import { EventWatcher } from '../../shared/events/watcher.js';
import type { KubeEvent, StreamItem } from '../../shared/kube/event-stream.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import { parseInfluxdbSink, type InfluxdbSinkConfig } from '../../shared/sinks/influxdb/config.js';
import { influxdbConnection } from '../../shared/sinks/influxdb/connection.js';
import type { EncodedLines } from '../../shared/sinks/influxdb/encode-metrics.js';
import { influxdbEventSink } from '../../shared/sinks/influxdb/influxdb-sink.js';
import { memoryCheckpointStore } from '../../shared/state/checkpoint-store.js';
import { memoryLeaseStore } from '../../shared/state/lease-store.js';
import { startFaultProxy, startInfluxd, type FaultProxy, type InfluxServer } from '../support/influxdb.js';

/**
 * What InfluxDB 1.6 refuses for good, against the real server: new tag values past max-values-per-tag (the
 * events measurement's uid tag on a busy cluster) and fields of another type. The lines it kept count as
 * written, the others as rejected with their reason, and nothing is sent again: the event watcher moves on.
 */
const LIMIT = 10;
const T0 = Date.parse('2026-03-01T10:00:00Z');

function config(text: string): InfluxdbSinkConfig {
  const problems = new Problems();
  return problems.result(parseInfluxdbSink(problems, 'SINKS', parseHeapsterUri(text)) as InfluxdbSinkConfig);
}

/** A core/v1 event as the API server serves it, each with its own uid (so its own uid tag value). */
function event(i: number): KubeEvent {
  const at = new Date(T0 + i * 1000).toISOString();
  return {
    metadata: {
      name: `web-${i}.17a0c0ffee${i}`,
      namespace: 'default',
      uid: `5f0c7d1e-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(1000 + i),
      creationTimestamp: at,
    },
    involvedObject: { kind: 'Pod', namespace: 'default', name: `web-${i}`, uid: `pod-${i}` },
    reason: 'Pulled',
    message: `Container image "nginx:1.27" already present on machine (${i})`,
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
    type: 'Normal',
  } as KubeEvent;
}

const range = (from: number, to: number): KubeEvent[] =>
  Array.from({ length: to - from }, (_, k) => event(from + k));

describe('InfluxDB 1.6 refusals are final', () => {
  let influx: InfluxServer;
  let proxy: FaultProxy;
  let db = 0;
  let name = '';
  before(async () => {
    influx = await startInfluxd({ maxValuesPerTag: LIMIT });
    proxy = await startFaultProxy(influx.url);
  });
  after(async () => {
    await proxy?.close();
    await influx?.stop();
  });
  beforeEach(() => {
    name = `refusals${++db}`;
    proxy.seen.length = 0;
  });

  const uidsStored = async (): Promise<string[]> => {
    const [r] = await influx.query('SHOW TAG VALUES FROM "log/events" WITH KEY = "uid"', name);
    return (r?.series?.[0]?.values ?? []).map((v) => String(v[1])).sort();
  };
  const writes = (): number => proxy.seen.filter((s) => s.path.startsWith('/write')).length;
  const signal = (): AbortSignal => AbortSignal.timeout(20_000);

  test('past max-values-per-tag: known uids are written, new ones rejected for good, in one request', async () => {
    const sink = influxdbEventSink(config(`influxdb:${proxy.url}?db=${name}`), { log: memoryLogger() });
    const first = await sink.write(range(0, LIMIT), signal());
    assert.deepEqual([first.written, first.rejected, first.error], [LIMIT, {}, undefined]);

    const known = range(0, 4);
    const fresh = range(LIMIT, LIMIT + 6);
    const sent = writes();
    const report = await sink.write([...known, ...fresh], signal());
    assert.equal(report.error, undefined);
    assert.equal(report.written, known.length);
    assert.deepEqual(report.rejected, { 'max-values-per-tag': fresh.length });
    assert.equal(writes() - sent, 1, 'no request sent again or split');
    assert.deepEqual(
      await uidsStored(),
      range(0, LIMIT)
        .map((e) => e.metadata.uid)
        .sort(),
    );
  });

  test('the watcher acknowledges a batch the server refused and its checkpoint moves on', async () => {
    const log = memoryLogger();
    const checkpoints = memoryCheckpointStore();
    const sink = influxdbEventSink(config(`influxdb:${proxy.url}?db=${name}`), { log });
    const listed = range(0, LIMIT + 5);
    // A list of two pages, then a quiet watch: the first page fills the database's uid values to the limit.
    async function* stream(_from: string | undefined, stop: AbortSignal): AsyncGenerator<StreamItem> {
      yield { kind: 'list-start', reason: 'start' };
      yield { kind: 'listed', events: listed.slice(0, LIMIT) };
      yield { kind: 'listed', events: listed.slice(LIMIT) };
      yield { kind: 'list-end', resourceVersion: '2000' };
      await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
    }
    const watcher = new EventWatcher(
      {
        log,
        now: Date.now,
        holder: 'test',
        sinks: [sink],
        checkpoints,
        lease: memoryLeaseStore({ ttlMs: 5_000, marginMs: 1_000 }),
        stream,
      },
      {
        batchSize: LIMIT,
        flushDelayMs: 20,
        checkpointIntervalMs: 20,
        leaseRenewMs: 1_000,
        progressIntervalMs: 60_000,
        retry: { initialMs: 20, maxMs: 100 },
      },
    );
    const stop = new AbortController();
    const running = watcher.run(stop.signal);
    const deadline = Date.now() + 15_000;
    while ((await checkpoints.load()).resourceVersion !== '2000' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    await running;

    const saved = await checkpoints.load();
    assert.equal(saved.resourceVersion, '2000');
    assert.ok(listed.every((e) => saved.written.has(occurrenceId(e))));
    assert.equal(watcher.stats.rejected, 5);
    assert.equal(writes(), 2, 'each batch sent once');
    const refusal = log.entries.find((e) => e.message === 'events: a sink refused some occurrences for good');
    assert.deepEqual(refusal?.['rejected'], { 'max-values-per-tag': 5 });
    assert.equal(
      log.entries.some((e) => e.message === 'events: writing failed, retrying'),
      false,
    );
    assert.deepEqual(
      await uidsStored(),
      listed
        .slice(0, LIMIT)
        .map((e) => e.metadata.uid)
        .sort(),
    );
  });

  test('metrics: a field type conflict is rejected with its reason in one request, the rest written', async () => {
    const lines = (n: number, from: number, field: (i: number) => string): EncodedLines => ({
      lines: Array.from({ length: n }, (_, i) => `m,series=s${i % 5} value=${field(i)} ${from + i}`),
      points: Array.from({ length: n }, () => 1),
      rejected: {},
    });
    const log = memoryLogger();
    const c = influxdbConnection(config(`influxdb:${proxy.url}?db=${name}`), { log });
    assert.equal(
      (
        await c.write(
          lines(5, T0, (i) => `${i}i`),
          'ms',
          signal(),
        )
      ).written,
      5,
    );
    // The field holds integers now: floats in the same measurement conflict, integers do not.
    const input = lines(40, T0 + 1000, (i) => (i % 4 === 0 ? `${i}.5` : `${i}i`));
    const conflicting = input.lines.filter((l) => l.includes('.5 ')).length;
    const sent = writes();
    const report = await c.write(input, 'ms', signal());
    assert.equal(writes() - sent, 1);
    assert.equal(report.error, undefined);
    assert.equal(report.written, input.lines.length - conflicting);
    assert.deepEqual(report.rejected, { 'field-type-conflict': conflicting });
    const [r] = await influx.query('SELECT count("value") FROM "m"', name);
    assert.equal(r?.series?.[0]?.values[0]?.[1], 5 + input.lines.length - conflicting);
    const warning = log.entries.find((e) => e.message === 'influxdb sink: points not written');
    assert.match(String((warning?.['errors'] as string[])[0]), /field type conflict/);
  });
});
