import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Problems } from '../../../../shared/config/config-error.js';
import { SecretError } from '../../../../shared/config/secret.js';
import { parseHeapsterUri } from '../../../../shared/config/uri.js';
import { memoryLogger } from '../../../../shared/runtime/log.js';
import { parseInfluxdbSink, type InfluxdbSinkConfig } from '../../../../shared/sinks/influxdb/config.js';
import { influxdbConnection, type InfluxdbDeps } from '../../../../shared/sinks/influxdb/connection.js';
import type { EncodedLines } from '../../../../shared/sinks/influxdb/encode-metrics.js';
import { startFakeInfluxdb, type FakeInfluxdb } from './fake-influxdb.js';

function config(text: string): InfluxdbSinkConfig {
  const problems = new Problems();
  const parsed = parseInfluxdbSink(problems, 'SINKS', parseHeapsterUri(text));
  return problems.result(parsed as InfluxdbSinkConfig);
}

const deps = (extra: Partial<InfluxdbDeps> = {}): InfluxdbDeps => ({
  log: memoryLogger(),
  backoff: { initialDelayMs: 10, maxDelayMs: 50 },
  secrets: { env: {}, readFile: () => undefined },
  ...extra,
});

function lines(n: number, bad: number[] = []): EncodedLines {
  const out: EncodedLines = { lines: [], points: [], rejected: {} };
  for (let i = 0; i < n; i++) {
    out.lines.push(`m,k=v${i} value=${bad.includes(i) ? 'BAD' : `${i}i`} ${1_700_000_000_000 + i}`);
    out.points.push(1);
  }
  return out;
}

const signal = (): AbortSignal => new AbortController().signal;

describe('InfluxDB connection against a loopback stand-in', () => {
  let fake: FakeInfluxdb;
  before(async () => {
    fake = await startFakeInfluxdb();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.stored.length = 0;
    fake.queries.length = 0;
    fake.script = [];
    fake.version = '1.6.7';
    fake.maxInFlight = 0;
  });

  test('1.0-1.7: v1 /write with rp=default, the database created first, batches within limits, gzip', async () => {
    const c = influxdbConnection(config(`influxdb:${fake.url}?db=k8s&batchlines=40`), deps());
    const input = lines(100);
    const report = await c.write(input, 'ms', signal());
    assert.deepEqual(report, {
      sink: `influxdb:${fake.url}?db=k8s&batchlines=40`,
      written: 100,
      rejected: {},
      retried: 0,
      unsent: 0,
    });
    assert.deepEqual(fake.queries, [
      'CREATE DATABASE "k8s"; CREATE RETENTION POLICY "default" ON "k8s" DURATION INF REPLICATION 1 DEFAULT',
    ]);
    // Bodies over 1000 bytes are gzipped.
    const gzipped = (from: number, to: number): boolean =>
      Buffer.byteLength(input.lines.slice(from, to).join('\n')) > 1000;
    assert.deepEqual(
      fake.requests.map((r) => [r.path, r.lines.length, r.gzip]),
      [
        ['/write?db=k8s&rp=default&precision=ms', 40, gzipped(0, 40)],
        ['/write?db=k8s&rp=default&precision=ms', 40, gzipped(40, 80)],
        ['/write?db=k8s&rp=default&precision=ms', 20, gzipped(80, 100)],
      ],
    );
    assert.ok(gzipped(0, 40) && !gzipped(80, 100), 'both cases are covered');
    assert.deepEqual(fake.stored, input.lines);
  });

  test('1.8+: the v2 write API with bucket db/default and token user:password from a secret', async () => {
    fake.version = '1.8.10';
    const c = influxdbConnection(
      config(`influxdb:${fake.url}?db=k8s&user=heapster&pw=secret:INFLUX_PW&gzip=false`),
      deps({ secrets: { env: { INFLUX_PW: 's3cr3t' }, readFile: () => undefined } }),
    );
    assert.equal(c.name, `influxdb:${fake.url}?db=k8s&user=heapster&pw=secret:INFLUX_PW&gzip=false`);
    const report = await c.write(lines(3), 'ms', signal());
    assert.equal(report.written, 3);
    const [req] = fake.requests;
    assert.equal(req?.path, '/api/v2/write?org=&bucket=k8s%2Fdefault&precision=ms');
    assert.equal(req?.authorization, 'Token heapster:s3cr3t');
    assert.equal(req?.gzip, false);
  });

  test('a server without a version header (VictoriaMetrics) gets the v2 API and no database statements', async () => {
    fake.version = undefined;
    const c = influxdbConnection(config(`influxdb:${fake.url}`), deps());
    assert.equal((await c.write(lines(2), 'ns', signal())).written, 2);
    assert.equal(fake.requests[0]?.path, '/api/v2/write?org=&bucket=k8s%2Fdefault&precision=ns');
    assert.deepEqual(fake.queries, []);
  });

  test('429 with Retry-After: waits as long as asked, then writes', async () => {
    fake.script = [{ status: 429, headers: { 'Retry-After': '1' } }];
    const c = influxdbConnection(config(`influxdb:${fake.url}?api=v1`), deps());
    const report = await c.write(lines(5), 'ms', signal());
    assert.equal(report.written, 5);
    assert.equal(report.retried, 1);
    const [first, second] = fake.requests;
    assert.ok((second?.at ?? 0) - (first?.at ?? 0) >= 1000, 'the retry came before Retry-After');
  });

  test('a 400 for one bad line: the other lines are written, the bad one reported with its reason', async () => {
    const input = lines(100, [37]);
    const log = memoryLogger();
    const c = influxdbConnection(config(`influxdb:${fake.url}?api=v1`), deps({ log }));
    const report = await c.write(input, 'ms', signal());
    assert.equal(report.written, 99);
    assert.deepEqual(report.rejected, { 'bad-line': 1 });
    assert.equal(report.error, undefined);
    assert.deepEqual(fake.stored.sort(), input.lines.filter((_, i) => i !== 37).sort());
    const warning = log.entries.find((e) => e.message === 'influxdb sink: points not written');
    assert.deepEqual(warning?.['badLines'], [input.lines[37]]);
  });

  test('a slow server: the request times out and is sent again', async () => {
    fake.script = [{ delayMs: 3000 }];
    const c = influxdbConnection(config(`influxdb:${fake.url}?api=v1&timeout=300ms`), deps());
    const started = Date.now();
    const report = await c.write(lines(4), 'ms', signal());
    assert.equal(report.written, 4);
    assert.equal(report.retried, 1);
    assert.ok(Date.now() - started < 2500, `${Date.now() - started} ms`);
  });

  test('5xx until the run deadline: the rest is reported as past the deadline and no timer is left', async () => {
    fake.script = Array.from({ length: 50 }, () => ({ status: 503, headers: { 'Retry-After': '5' } }));
    const c = influxdbConnection(config(`influxdb:${fake.url}?api=v1&attempts=50`), deps());
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('run deadline reached')), 300);
    const started = Date.now();
    const report = await c.write(lines(10), 'ms', controller.signal);
    assert.ok(Date.now() - started < 1500);
    assert.equal(report.written, 0);
    assert.deepEqual(report.rejected, { deadline: 10 });
    assert.match(report.error ?? '', /run deadline reached/);
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    assert.ok(timersAfter <= timersBefore, `${timersAfter} timers now, ${timersBefore} before`);
  });

  test('database not found: created, then the request is sent again', async () => {
    fake.script = [{ status: 404, body: '{"error":"database not found: \\"k8s\\""}' }];
    const c = influxdbConnection(config(`influxdb:${fake.url}?api=v1`), deps());
    const report = await c.write(lines(3), 'ms', signal());
    assert.equal(report.written, 3);
    assert.equal(fake.queries.length, 2, 'created on first use and again after the 404');
  });

  test('requests run at most `concurrency` at a time', async () => {
    fake.script = Array.from({ length: 12 }, () => ({ delayMs: 50 }));
    const c = influxdbConnection(config(`influxdb:${fake.url}?api=v1&batchlines=1&concurrency=3`), deps());
    const report = await c.write(lines(12), 'ms', signal());
    assert.equal(report.written, 12);
    assert.equal(fake.maxInFlight, 3);
  });

  test('a missing secret fails at start, naming where it looked and not leaking anything', () => {
    assert.throws(
      () => influxdbConnection(config(`influxdb:${fake.url}?token=secret:NOPE`), deps()),
      (err: unknown) =>
        err instanceof SecretError && /NOPE/.test(err.message) && /\/etc\/secrets\/NOPE/.test(err.message),
    );
  });
});
