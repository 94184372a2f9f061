import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CallError, TimeSeries } from '../../../../shared/sinks/gcm/api.js';
import { interpretFailure } from '../../../../shared/sinks/gcm/outcome.js';
import { classify, failedSeries, segments } from '../../../../shared/sinks/gcm/partial.js';
import { readDetails } from '../../../../shared/sinks/gcm/status-details.js';
import { loadDetailTypes, retryInfoBytes, statusBytes, summaryBytes } from '../../../stand-ins/gcm/protos.js';

/** Status details encoded with protobufjs from the shipped protos, read back by the sink's own reader. */
const types = loadDetailTypes();
const summaryStatus = (
  total: number,
  success: number,
  errors: { code: number; message: string; pointCount: number }[],
): Buffer =>
  statusBytes(types, 3, 'One or more TimeSeries could not be written', {
    typeName: 'google.monitoring.v3.CreateTimeSeriesSummary',
    bytes: summaryBytes(types, total, success, errors),
  });
const series = (n: number): TimeSeries[] =>
  Array.from({ length: n }, (_, i) => ({
    metric: { type: `custom.googleapis.com/x/${i}`, labels: {} },
    resource: { type: 'k8s_cluster', labels: {} },
    metricKind: 'GAUGE',
    valueType: 'INT64',
    points: [{ interval: { endTime: { seconds: 1, nanos: 0 } }, value: { int64Value: i } }],
  }));

const ORDER =
  'Points must be written in order. One or more of the points specified had an older end time than the most recent point.';
const UNAVAILABLE = 'The service is currently unavailable.';

describe('status details', () => {
  test('a CreateTimeSeriesSummary and a RetryInfo are read from grpc-status-details-bin', () => {
    const details = readDetails([
      summaryStatus(200, 190, [
        { code: 3, message: ORDER, pointCount: 7 },
        { code: 14, message: UNAVAILABLE, pointCount: 3 },
      ]),
    ]);
    assert.deepEqual(details.summary, {
      totalPointCount: 200,
      successPointCount: 190,
      errors: [
        { code: 3, message: ORDER, pointCount: 7 },
        { code: 14, message: UNAVAILABLE, pointCount: 3 },
      ],
    });
    const retry = readDetails([
      statusBytes(types, 8, 'quota', {
        typeName: 'google.rpc.RetryInfo',
        bytes: retryInfoBytes(types, 2_500),
      }),
    ]);
    assert.deepEqual(retry, { retryDelayMs: 2_500 });
    assert.deepEqual(readDetails([Buffer.from([0xff, 0xff])]), {}, 'unreadable bytes are skipped');
  });
});

describe('failure messages', () => {
  test("the service's message forms name the failed series, ranges and lists expanded", () => {
    const current =
      `One or more TimeSeries could not be written: ${ORDER}: k8s_node{node_name:a;b} timeSeries[3]: custom.googleapis.com/x{k:v}; ` +
      'One or more points were written more frequently than the maximum sampling period configured for the metric.: k8s_pod{} timeSeries[0-2,7]: custom.googleapis.com/y{}';
    assert.deepEqual(
      failedSeries(current, 10).map((f) => [f.index, classify(f.text)]),
      [
        [0, 'too-frequent'],
        [1, 'too-frequent'],
        [2, 'too-frequent'],
        [3, 'out-of-order'],
        [7, 'too-frequent'],
      ],
    );
    const older =
      'One or more TimeSeries could not be written: Field timeSeries[66] had an invalid value: Duplicate TimeSeries encountered. Only one point can be written per TimeSeries per request.; Field timeSeries[102] had an invalid value: Duplicate TimeSeries encountered. Only one point can be written per TimeSeries per request.: timeSeries[102]';
    assert.deepEqual(
      failedSeries(older, 200).map((f) => [f.index, classify(f.text)]),
      [
        [66, 'duplicate-series'],
        [102, 'duplicate-series'],
      ],
    );
    const newer =
      'One or more TimeSeries could not be written: timeSeries[0-2] (example metric.type="custom.googleapis.com/z", metric.labels={"a": "1;2"}): write for resource=k8s_node{location:x} failed with: One or more points were written more frequently than the maximum sampling period configured for the metric.';
    assert.equal(segments(newer).length, 1, 'semicolons inside braces and quotes do not split');
    assert.deepEqual(
      failedSeries(newer, 2).map((f) => f.index),
      [0, 1],
      'indexes past the request are ignored',
    );
  });

  test('reasons by wording', () => {
    assert.equal(classify('Points must be written no more than 25 hours in the past.'), 'too-old');
    assert.equal(classify('Points must be written no more than 5 minutes in the future.'), 'too-new');
    assert.equal(
      classify('The start time must be before the end time for the CUMULATIVE metric.'),
      'bad-interval',
    );
    assert.equal(
      classify('The limit of active time series per monitored resource has been exceeded.'),
      'series-limit',
    );
    assert.equal(classify('Unrecognized metric label nope for the metric type x.'), 'bad-metric');
    assert.equal(classify('The monitored resource label location is required for k8s_node.'), 'bad-resource');
    assert.equal(classify('something new'), 'invalid');
  });
});

describe('interpretFailure', () => {
  const sent = series(10);
  const error = (code: number, message: string, details: Buffer[] = []): CallError => ({
    code,
    message,
    statusDetails: details,
  });

  test('a partial failure: successes written, refusals counted, only the points that may pass later resent', () => {
    const message = `One or more TimeSeries could not be written: ${ORDER}: k8s_node{} timeSeries[1]: x{}; ${UNAVAILABLE}: k8s_node{} timeSeries[4,8]: x{}`;
    const outcome = interpretFailure(
      error(3, message, [
        summaryStatus(10, 7, [
          { code: 3, message: ORDER, pointCount: 1 },
          { code: 14, message: UNAVAILABLE, pointCount: 2 },
        ]),
      ]),
      sent,
      false,
    );
    assert.equal(outcome.written, 7);
    assert.deepEqual(outcome.rejected, { 'out-of-order': 1 });
    assert.deepEqual(outcome.retry, [sent[4], sent[8]]);
    assert.equal(outcome.maybeStored, true);
  });

  test('right after an attempt that may have stored them, "older than the most recent point" confirms they were written', () => {
    const message = `One or more TimeSeries could not be written: ${ORDER}: k8s_node{} timeSeries[0-9]: x{}`;
    const details = [summaryStatus(10, 0, [{ code: 3, message: ORDER, pointCount: 10 }])];
    assert.deepEqual(interpretFailure(error(3, message, details), sent, true), {
      written: 10,
      rejected: {},
      retry: [],
      retryReason: 'unavailable',
      maybeStored: false,
      confirmed: 10,
    });
    assert.deepEqual(interpretFailure(error(3, message, details), sent, false).rejected, {
      'out-of-order': 10,
    });
  });

  test('whole-call failures: retried when they may pass, counted when they cannot', () => {
    const unavailable = interpretFailure(error(14, 'down'), sent, false);
    assert.deepEqual(
      [unavailable.retry.length, unavailable.retryReason, unavailable.maybeStored],
      [10, 'unavailable', true],
    );
    const limited = interpretFailure(
      error(8, 'quota', [
        statusBytes(types, 8, 'quota', {
          typeName: 'google.rpc.RetryInfo',
          bytes: retryInfoBytes(types, 1_000),
        }),
      ]),
      sent,
      false,
    );
    assert.deepEqual(
      [limited.retry.length, limited.retryReason, limited.maybeStored, limited.retryDelayMs],
      [10, 'rate-limited', false, 1_000],
    );
    assert.deepEqual(interpretFailure(error(7, 'no'), sent, false).rejected, { 'permission-denied': 10 });
    assert.deepEqual(
      interpretFailure(error(3, 'The request contains 201 TimeSeries'), sent, false).rejected,
      { invalid: 10 },
    );
  });
});
