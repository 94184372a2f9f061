import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Problems } from '../../../../shared/config/config-error.js';
import { parseHeapsterUri } from '../../../../shared/config/uri.js';
import type { KubeEvent } from '../../../../shared/kube/kube-event.js';
import { memoryLogger } from '../../../../shared/runtime/log.js';
import { parseInfluxdbSink, type InfluxdbSinkConfig } from '../../../../shared/sinks/influxdb/config.js';
import { influxdbConnection } from '../../../../shared/sinks/influxdb/connection.js';
import { eventSinkOn } from '../../../../shared/sinks/influxdb/influxdb-sink.js';
import { parsePartialWrite } from '../../../../shared/sinks/influxdb/partial-write.js';
import { startFakeInfluxdb, type FakeInfluxdb } from './fake-influxdb.js';

/** InfluxDB's own answers: the error text of its JSON body, as influxd 1.6 sends it. */
const answer = (error: string): string => `${JSON.stringify({ error })}\n`;

describe('parsePartialWrite', () => {
  test('max-values-per-tag: the dropped lines, by reason', () => {
    const body = answer(
      'partial write: max-values-per-tag limit exceeded (100000/100000): measurement="log/events" tag="uid" value="0b1c" dropped=7',
    );
    assert.deepEqual(parsePartialWrite(body, 500), {
      reason: 'max-values-per-tag',
      refused: 7,
      badLines: [],
    });
  });

  test('field type conflict, new series past the limit, points outside the retention policy', () => {
    const conflict = answer(
      'partial write: field type conflict: input field "value" on measurement "m" is type float, already exists as type integer dropped=2',
    );
    assert.equal(parsePartialWrite(conflict, 10)?.reason, 'field-type-conflict');
    assert.equal(parsePartialWrite(conflict, 10)?.refused, 2);
    const series = answer('partial write: max-series-per-database limit exceeded: (1000) dropped=3');
    assert.equal(parsePartialWrite(series, 10)?.reason, 'max-series-per-database');
    const old = answer('partial write: points beyond retention policy dropped=4');
    assert.deepEqual(parsePartialWrite(old, 10), { reason: 'beyond-retention', refused: 4, badLines: [] });
    // 2.x says it in a 422 with a message instead of an error.
    const v2 = JSON.stringify({
      code: 'unprocessable entity',
      message: 'failure writing points to database: partial write: points beyond retention policy dropped=1',
    });
    assert.equal(parsePartialWrite(v2, 3)?.refused, 1);
  });

  test('lines that do not parse are named one per line (dropped=0), quotes and all', () => {
    const body = answer(
      "partial write: unable to parse 'm,k=a value=1u 9': invalid number\nunable to parse 'ev message=\"can't pull\" 5': bad timestamp dropped=0",
    );
    assert.deepEqual(parsePartialWrite(body, 5), {
      reason: 'bad-line',
      refused: 2,
      badLines: ['m,k=a value=1u 9', 'ev message="can\'t pull" 5'],
    });
  });

  test('a whole refusal is not partial, unless every line of the request is named', () => {
    const one = answer("unable to parse 'garbage': missing fields");
    assert.equal(parsePartialWrite(one, 3), undefined);
    assert.deepEqual(parsePartialWrite(one, 1), { reason: 'bad-line', refused: 1, badLines: ['garbage'] });
    assert.equal(parsePartialWrite('{"error":"database not found: \\"x\\""}', 3), undefined);
    assert.equal(parsePartialWrite('not json at all', 3), undefined);
  });
});

describe('InfluxDB sinks on refusals and on failures', () => {
  let fake: FakeInfluxdb;
  before(async () => {
    fake = await startFakeInfluxdb();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.script = [];
  });

  const config = (options = ''): InfluxdbSinkConfig => {
    const problems = new Problems();
    const text = `influxdb:${fake.url}?api=v1&attempts=2${options}`;
    return problems.result(
      parseInfluxdbSink(problems, 'SINKS', parseHeapsterUri(text)) as InfluxdbSinkConfig,
    );
  };
  const deps = { log: memoryLogger(), backoff: { initialDelayMs: 5, maxDelayMs: 10 } };
  const events = (n: number): KubeEvent[] =>
    Array.from({ length: n }, (_, i) => ({
      metadata: { name: `e${i}`, namespace: 'default', uid: `uid-${i}`, resourceVersion: String(i + 1) },
      involvedObject: { kind: 'Pod', name: `p${i}`, namespace: 'default' },
      message: 'm',
      lastTimestamp: '2026-03-01T10:00:00Z',
      count: 1,
    }));

  test('events: every event refused for good is a rejection, not a failure to retry', async () => {
    const dropped =
      'partial write: max-values-per-tag limit exceeded (10/10): tag="uid" value="uid-0" dropped=6';
    fake.script = [{ status: 400, body: answer(dropped) }];
    const sink = eventSinkOn(influxdbConnection(config(), deps), config());
    const report = await sink.write(events(6), AbortSignal.timeout(5_000));
    assert.deepEqual(
      [report.written, report.rejected, report.error],
      [0, { 'max-values-per-tag': 6 }, undefined],
    );
    assert.equal(fake.requests.length, 1);
  });

  test('events: a server failing past the attempts is an error, and nothing is called refused', async () => {
    fake.script = [{ status: 503 }, { status: 503 }];
    const sink = eventSinkOn(influxdbConnection(config(), deps), config());
    const report = await sink.write(events(3), AbortSignal.timeout(5_000));
    assert.equal(report.written, 0);
    assert.deepEqual(report.rejected, {});
    assert.match(report.error ?? '', /503/);
  });

  test('events: one request of two failing is an error for the batch, though the other was written', async () => {
    fake.script = [undefined, { status: 503 }, { status: 503 }];
    const sink = eventSinkOn(influxdbConnection(config('&batchlines=2&concurrency=1'), deps), config());
    const report = await sink.write(events(4), AbortSignal.timeout(5_000));
    assert.equal(report.written, 2);
    assert.ok(report.error !== undefined, 'the batch is to be written again');
  });

  test('metrics: points all refused are rejections with no error; points not sent are unsent, with one', async () => {
    const dropped = 'partial write: field type conflict: input field "value" on measurement "m" dropped=2';
    fake.script = [{ status: 400, body: answer(dropped) }, { status: 503 }, { status: 503 }];
    const connection = influxdbConnection(config(), deps);
    const encoded = () => ({ lines: ['m value=1 1', 'm value=2 2'], points: [1, 1], rejected: {} });
    const refused = await connection.write(encoded(), 'ms', AbortSignal.timeout(5_000));
    assert.deepEqual([refused.written, refused.unsent, refused.error], [0, 0, undefined]);
    assert.deepEqual(refused.rejected, { 'field-type-conflict': 2 });
    const failed = await connection.write(encoded(), 'ms', AbortSignal.timeout(5_000));
    assert.deepEqual([failed.written, failed.unsent], [0, 2]);
    assert.match(failed.error ?? '', /503/);
  });
});
