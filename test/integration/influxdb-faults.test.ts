import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Problems } from '../../shared/config/config-error.js';
import { parseHeapsterUri } from '../../shared/config/uri.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import { parseInfluxdbSink, type InfluxdbSinkConfig } from '../../shared/sinks/influxdb/config.js';
import { influxdbConnection } from '../../shared/sinks/influxdb/connection.js';
import type { EncodedLines } from '../../shared/sinks/influxdb/encode-metrics.js';
import { startFaultProxy, startInfluxd, type FaultProxy, type InfluxServer } from '../support/influxdb.js';

/** The write path against a real InfluxDB 1.6 behind a proxy that injects its faults. */
function config(text: string): InfluxdbSinkConfig {
  const problems = new Problems();
  return problems.result(parseInfluxdbSink(problems, 'SINKS', parseHeapsterUri(text)) as InfluxdbSinkConfig);
}

const T0 = 1_700_000_000_000;

/** `n` points of measurement m, one series each, at T0. */
function lines(n: number, field: (i: number) => string = (i) => `${i}i`): EncodedLines {
  const out: EncodedLines = { lines: [], points: [], rejected: {} };
  for (let i = 0; i < n; i++) {
    out.lines.push(`m,series=s${i} value=${field(i)} ${T0}`);
    out.points.push(1);
  }
  return out;
}

const deadline = (ms: number): AbortSignal => AbortSignal.timeout(ms);

describe('InfluxDB sink faults against InfluxDB 1.6', () => {
  let influx: InfluxServer;
  let proxy: FaultProxy;
  let db = 0;
  let name = '';
  before(async () => {
    influx = await startInfluxd();
    proxy = await startFaultProxy(influx.url);
  });
  after(async () => {
    await proxy?.close();
    await influx?.stop();
  });
  beforeEach(() => {
    name = `faults${++db}`;
    proxy.script = [];
    proxy.seen.length = 0;
  });

  const stored = async (): Promise<number> => {
    const [r] = await influx.query('SELECT count("value") FROM "m"', name);
    return (r?.series?.[0]?.values[0]?.[1] as number | undefined) ?? 0;
  };
  const connection = (options = '') =>
    influxdbConnection(config(`influxdb:${proxy.url}?db=${name}&batchlines=100${options}`), {
      log: memoryLogger(),
    });

  test('server down for a while, then back: everything is written within the deadline', async () => {
    await proxy.down();
    setTimeout(() => void proxy.up(), 1500);
    const report = await connection().write(lines(250), 'ms', deadline(20_000));
    assert.equal(report.written, 250);
    assert.deepEqual(report.rejected, {});
    assert.equal(await stored(), 250);
  });

  test('server down past the deadline: nothing written, all reported, and the next run writes it', async () => {
    await proxy.down();
    const started = Date.now();
    const c = connection('&api=v1');
    const report = await c.write(lines(250), 'ms', deadline(1500));
    assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
    assert.equal(report.written, 0);
    assert.equal(
      Object.values(report.rejected).reduce((a, b) => a + b, 0),
      250,
      JSON.stringify(report.rejected),
    );
    assert.ok(report.error !== undefined);
    await proxy.up();
    assert.equal((await c.write(lines(250), 'ms', deadline(20_000))).written, 250);
    assert.equal(await stored(), 250);
  });

  test('429 with Retry-After: 1 is honoured', async () => {
    proxy.script = [{ status: 429, headers: { 'Retry-After': '1' } }];
    const report = await connection().write(lines(50), 'ms', deadline(20_000));
    assert.equal(report.written, 50);
    assert.equal(report.retried, 1);
    const writes = proxy.seen.filter((s) => s.path.startsWith('/write'));
    assert.ok((writes[1]?.at ?? 0) - (writes[0]?.at ?? 0) >= 1000);
    assert.equal(await stored(), 50);
  });

  test('a partial write (a field type conflict): the others are written, the one reported by its reason', async () => {
    const c = connection();
    assert.equal((await c.write(lines(1), 'ms', deadline(20_000))).written, 1);
    // Series s0 already holds an integer: a float there conflicts; everything else is fine.
    const input = lines(60, (i) => (i === 0 ? '1.5' : `${i}i`));
    const report = await c.write(input, 'ms', deadline(20_000));
    assert.equal(report.written, 59);
    assert.deepEqual(report.rejected, { 'field-type-conflict': 1 });
    assert.equal(report.error, undefined);
    assert.equal(await stored(), 60);
  });

  test('lines that do not parse among good ones: the good ones written, the bad ones named', async () => {
    const log = memoryLogger();
    const c = influxdbConnection(config(`influxdb:${proxy.url}?db=${name}&batchlines=100`), { log });
    // 1.6 refuses unsigned integers: those lines do not parse.
    const input = lines(30, (i) => (i % 10 === 3 ? `${i}u` : `${i}i`));
    const bad = input.lines.filter((l) => / value=\d+u /.test(l));
    const report = await c.write(input, 'ms', deadline(20_000));
    assert.equal(report.written, input.lines.length - bad.length);
    assert.deepEqual(report.rejected, { 'bad-line': bad.length });
    assert.equal(proxy.seen.filter((s) => s.path.startsWith('/write')).length, 1);
    const warning = log.entries.find((e) => e.message === 'influxdb sink: points not written');
    assert.deepEqual(warning?.['badLines'], bad);
    assert.equal(await stored(), input.lines.length - bad.length);
  });

  test('a slow server: the request is abandoned after the timeout and sent again', async () => {
    proxy.script = [{ delayMs: 4000 }];
    const started = Date.now();
    const report = await connection('&timeout=800ms').write(lines(20), 'ms', deadline(20_000));
    assert.equal(report.written, 20);
    assert.equal(report.retried, 1);
    assert.ok(Date.now() - started < 3500, `${Date.now() - started} ms`);
    assert.equal(await stored(), 20);
  });
});
