import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CallResult, MonitoringApi, TimeSeries } from '../../../../shared/sinks/gcm/api.js';
import type { DescriptorSpec } from '../../../../shared/sinks/gcm/descriptors.js';
import { DescriptorRegistry } from '../../../../shared/sinks/gcm/registry.js';
import { RoundOrder } from '../../../../shared/sinks/gcm/round-order.js';
import { requestsOf } from '../../../../shared/sinks/gcm/series-encoder.js';
import type { EncodedRequest } from '../../../../shared/sinks/gcm/wire.js';
import { writeRequests, type WriteOptions } from '../../../../shared/sinks/gcm/write.js';
import { loadDetailTypes, statusBytes, summaryBytes } from '../../../stand-ins/gcm/protos.js';

const types = loadDetailTypes();
/** The int64 values of a request's series, read back with protobufjs. */
const valuesOf = (request: EncodedRequest): number[] =>
  (
    types.createTimeSeriesRequest.toObject(types.createTimeSeriesRequest.decode(request.bytes), {
      longs: Number,
    }) as { timeSeries: { points: { value: { int64Value: number } }[] }[] }
  ).timeSeries.map((s) => s.points[0]?.value.int64Value as number);
const writeSeries = (series: TimeSeries[], options: WriteOptions) =>
  writeRequests(requestsOf('p', series), options);

/** A scripted Monitoring API: each CreateTimeSeries call answers from the script, and is recorded. */
function scripted(
  answers: ((sent: EncodedRequest) => CallResult<void>)[],
): MonitoringApi & { sent: number[][] } {
  const sent: number[][] = [];
  return {
    sent,
    createTimeSeries: async (request) => {
      sent.push(valuesOf(request));
      const answer = answers.shift();
      return answer === undefined ? { ok: true, value: undefined } : answer(request);
    },
    listMetricDescriptors: async () => ({ ok: true, value: [] }),
    createMetricDescriptor: async (_p, d) => ({ ok: true, value: d }),
    close: async () => undefined,
  };
}

const series = (n: number): TimeSeries[] =>
  Array.from({ length: n }, (_, i) => ({
    metric: { type: 'custom.googleapis.com/x', labels: { i: String(i) } },
    resource: { type: 'k8s_cluster', labels: {} },
    metricKind: 'GAUGE',
    valueType: 'INT64',
    points: [{ interval: { endTime: { seconds: 1, nanos: 0 } }, value: { int64Value: i } }],
  }));
const fail = (code: number, message = 'x'): CallResult<void> => ({
  ok: false,
  error: { code, message, statusDetails: [] },
});
const options = (api: MonitoringApi, signal = new AbortController().signal): WriteOptions => ({
  api,
  concurrency: 1,
  timeoutMs: 1_000,
  signal,
  retry: { random: () => 0 },
});

describe('writeRequests', () => {
  test('requests of at most 200 series, every series in exactly one', async () => {
    const api = scripted([]);
    const tally = await writeSeries(series(450), options(api));
    assert.deepEqual(
      api.sent.map((r) => r.length),
      [200, 200, 50],
    );
    assert.deepEqual(
      api.sent.flat(),
      Array.from({ length: 450 }, (_, i) => i),
    );
    assert.deepEqual([tally.written, tally.requests, tally.retried, tally.rejected], [450, 3, 0, {}]);
  });

  test('UNAVAILABLE, DEADLINE_EXCEEDED and RESOURCE_EXHAUSTED are retried; other failures are not', async () => {
    const retried = scripted([() => fail(14), () => fail(4), () => fail(8)]);
    const ok = await writeSeries(series(3), options(retried));
    assert.deepEqual([ok.written, ok.retried, retried.sent.length], [3, 9, 4]);
    const denied = scripted([() => fail(7)]);
    const no = await writeSeries(series(3), options(denied));
    assert.deepEqual([no.written, no.rejected, denied.sent.length], [0, { 'permission-denied': 3 }, 1]);
  });

  test('after a partial failure only the series that may pass later are sent again', async () => {
    const unavailable = 'The service is currently unavailable.';
    const message = `One or more TimeSeries could not be written: ${unavailable}: k8s_cluster{} timeSeries[4,8]: x{}`;
    const summary = statusBytes(types, 3, message, {
      typeName: 'google.monitoring.v3.CreateTimeSeriesSummary',
      bytes: summaryBytes(types, 10, 8, [{ code: 14, message: unavailable, pointCount: 2 }]),
    });
    const api = scripted([() => ({ ok: false, error: { code: 3, message, statusDetails: [summary] } })]);
    const tally = await writeSeries(series(10), options(api));
    assert.deepEqual(api.sent, [Array.from({ length: 10 }, (_, i) => i), [4, 8]]);
    assert.deepEqual([tally.written, tally.retried, tally.requests, tally.rejected], [10, 2, 2, {}]);
  });

  test('retries end after the attempts allowed, the points counted under the last reason', async () => {
    const api = scripted(Array.from({ length: 10 }, () => () => fail(14)));
    const tally = await writeSeries(series(2), options(api));
    assert.deepEqual([tally.written, tally.rejected, api.sent.length], [0, { unavailable: 2 }, 6]);
  });

  test('the run ending stops the waits between attempts', async () => {
    const controller = new AbortController();
    const api = scripted(Array.from({ length: 10 }, () => () => fail(8)));
    setTimeout(() => controller.abort(), 50);
    const began = Date.now();
    const tally = await writeSeries(series(2), {
      ...options(api, controller.signal),
      retry: { random: () => 1, initialDelayMs: 5_000 },
    });
    assert.ok(Date.now() - began < 2_000);
    assert.deepEqual([tally.written, tally.rejected, api.sent.length], [0, { 'rate-limited': 2 }, 1]);
  });
});

describe('RoundOrder', () => {
  const signal = new AbortController().signal;
  test('rounds are admitted one at a time, in the order they asked', async () => {
    const order = new RoundOrder(10_000);
    const events: string[] = [];
    const first = await order.admit(60_000, signal);
    assert.ok(first.admitted);
    const second = order.admit(120_000, signal).then((a) => {
      events.push('second admitted');
      return a;
    });
    await new Promise((r) => setTimeout(r, 20));
    events.push('first released');
    first.release();
    const a = await second;
    assert.deepEqual(events, ['first released', 'second admitted']);
    assert.ok(a.admitted && !a.repeat);
    a.release();
  });

  test('older rounds, rounds too close to the last and a deadline reached while waiting are refused', async () => {
    const order = new RoundOrder(10_000);
    const r = await order.admit(100_000, signal);
    assert.ok(r.admitted);
    r.release();
    assert.deepEqual(await order.admit(40_000, signal), { admitted: false, reason: 'round-out-of-order' });
    assert.deepEqual(await order.admit(105_000, signal), { admitted: false, reason: 'too-frequent' });
    const again = await order.admit(100_000, signal);
    assert.ok(again.admitted && again.repeat);
    const controller = new AbortController();
    const waiting = order.admit(200_000, controller.signal);
    controller.abort();
    assert.deepEqual(await waiting, { admitted: false, reason: 'deadline' });
    again.release();
    const later = await order.admit(300_000, signal);
    assert.ok(later.admitted, 'the line moves on past the one that gave up');
  });
});

describe('DescriptorRegistry', () => {
  const spec = (type: string, labels: string[] = []): DescriptorSpec => ({
    type,
    metricKind: 'GAUGE',
    valueType: 'INT64',
    unit: '1',
    description: '',
    displayName: type,
    labels: labels.map((key) => ({ key, valueType: 'STRING', description: '' })),
  });
  function api(given: DescriptorSpec[]): MonitoringApi & { calls: string[] } {
    let existing = given;
    const calls: string[] = [];
    return {
      calls,
      createTimeSeries: async () => ({ ok: true, value: undefined }),
      listMetricDescriptors: async () => {
        calls.push('list');
        return { ok: true, value: existing };
      },
      createMetricDescriptor: async (_p, d) => {
        calls.push(`create ${d.type} ${d.labels.map((l) => l.key).join(',')}`);
        existing = [...existing.filter((e) => e.type !== d.type), d];
        return { ok: true, value: d };
      },
      close: async () => undefined,
    };
  }

  test('creates what is missing, adds missing labels, leaves a conflicting descriptor alone', async () => {
    const now = 0;
    const conflicting = { ...spec('c/conflict'), metricKind: 'CUMULATIVE' as const };
    const fake = api([spec('c/have', ['a']), spec('c/labels', ['a']), conflicting]);
    const registry = new DescriptorRegistry({
      api: fake,
      project: 'p',
      prefix: 'c',
      wanted: [spec('c/have', ['a']), spec('c/labels', ['b']), spec('c/new'), spec('c/conflict')],
      now: () => now,
      recheckMs: 60_000,
      timeoutMs: 1_000,
    });
    const signal = new AbortController().signal;
    const first = await registry.ensure(signal);
    assert.deepEqual(fake.calls, ['list', 'create c/labels a,b', 'create c/new ']);
    assert.deepEqual([...first.unavailable], [['c/conflict', 'descriptor-conflict']]);
    fake.calls.length = 0;
    // A conflict keeps the check open: every run looks again (one list), creating nothing.
    await registry.ensure(signal);
    assert.deepEqual(fake.calls, ['list']);
  });

  test('a warm instance does not call at all until the recheck is due', async () => {
    let now = 0;
    const fake = api([spec('c/a')]);
    const registry = new DescriptorRegistry({
      api: fake,
      project: 'p',
      prefix: 'c',
      wanted: [spec('c/a')],
      now: () => now,
      recheckMs: 60_000,
      timeoutMs: 1_000,
    });
    const signal = new AbortController().signal;
    await registry.ensure(signal);
    now += 59_000;
    assert.equal((await registry.ensure(signal)).calls, 0);
    now += 2_000;
    assert.equal((await registry.ensure(signal)).calls, 1);
    assert.deepEqual(fake.calls, ['list', 'list']);
  });
});
