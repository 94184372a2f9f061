import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { METRICS } from '../../../../shared/metrics/catalogue.js';
import type { TimeSeries } from '../../../../shared/sinks/gcm/api.js';
import type { EncodeOptions } from '../../../../shared/sinks/gcm/encode.js';
import { encodeRound } from '../../../../shared/sinks/gcm/round-series.js';
import { requestsOf, SeriesEncoder } from '../../../../shared/sinks/gcm/series-encoder.js';
import { subsetRequest, type EncodedRequest } from '../../../../shared/sinks/gcm/wire.js';
import { loadDetailTypes } from '../../../stand-ins/gcm/protos.js';
import { batch, block, type SetSpec } from './batch-builder.js';

/** The sink's own protobuf writer, read back with protobufjs and the .proto files the client ships. */
const types = loadDetailTypes();
const decode = (bytes: Uint8Array): Record<string, unknown> =>
  JSON.parse(
    JSON.stringify(
      types.createTimeSeriesRequest.toObject(types.createTimeSeriesRequest.decode(bytes), {
        longs: String,
        enums: String,
        defaults: false,
        oneofs: true,
      }),
    ),
  ) as Record<string, unknown>;
const seriesOf = (requests: readonly EncodedRequest[]): unknown[] =>
  requests.flatMap((r) => decode(r.bytes)['timeSeries'] as unknown[]);

describe('requestsOf', () => {
  test('writes CreateTimeSeriesRequest as the shipped protos read it, shared parts included', () => {
    const resource = {
      type: 'k8s_container' as const,
      labels: {
        project_id: 'p',
        location: 'europe-west4',
        cluster_name: 'c',
        namespace_name: 'ns',
        pod_name: 'web-0',
        container_name: 'app',
      },
    };
    const gauge = { endTime: { seconds: 1_900_000_000, nanos: 0 } };
    const cumulative = { startTime: { seconds: 1_899_990_000, nanos: 1_000_000 }, endTime: gauge.endTime };
    const shared = {};
    const series: TimeSeries[] = [
      {
        metric: { type: 'custom.googleapis.com/h/cpu/usage', labels: shared },
        resource,
        metricKind: 'CUMULATIVE',
        valueType: 'INT64',
        points: [{ interval: cumulative, value: { int64Value: 2 ** 52 + 3 } }],
      },
      {
        metric: { type: 'custom.googleapis.com/h/memory/usage', labels: shared },
        resource,
        metricKind: 'GAUGE',
        valueType: 'INT64',
        points: [{ interval: gauge, value: { int64Value: -5 } }],
      },
      {
        metric: {
          type: 'custom.googleapis.com/h/filesystem/usage',
          labels: { resource_id: 'Volume:données' },
        },
        resource,
        metricKind: 'GAUGE',
        valueType: 'DOUBLE',
        points: [{ interval: gauge, value: { doubleValue: 0.1 } }],
      },
      {
        metric: { type: 'custom.googleapis.com/h/x', labels: shared },
        resource: { type: 'k8s_cluster', labels: {} },
        metricKind: 'GAUGE',
        valueType: 'INT64',
        points: [{ interval: gauge, value: { int64Value: 0 } }],
      },
    ];
    const requests = requestsOf('my-project', series);
    assert.equal(requests.length, 1);
    const request = requests[0] as EncodedRequest;
    assert.equal(request.count, 4);
    {
      assert.deepEqual(decode(request.bytes), {
        name: 'projects/my-project',
        timeSeries: [
          {
            metric: { type: 'custom.googleapis.com/h/cpu/usage' },
            resource,
            metricKind: 'CUMULATIVE',
            valueType: 'INT64',
            points: [
              {
                interval: {
                  startTime: { seconds: '1899990000', nanos: 1_000_000 },
                  endTime: { seconds: '1900000000' },
                },
                value: { int64Value: String(2 ** 52 + 3), value: 'int64Value' },
              },
            ],
          },
          {
            metric: { type: 'custom.googleapis.com/h/memory/usage' },
            resource,
            metricKind: 'GAUGE',
            valueType: 'INT64',
            points: [
              {
                interval: { endTime: { seconds: '1900000000' } },
                value: { int64Value: '-5', value: 'int64Value' },
              },
            ],
          },
          {
            metric: {
              type: 'custom.googleapis.com/h/filesystem/usage',
              labels: { resource_id: 'Volume:données' },
            },
            resource,
            metricKind: 'GAUGE',
            valueType: 'DOUBLE',
            points: [
              {
                interval: { endTime: { seconds: '1900000000' } },
                value: { doubleValue: 0.1, value: 'doubleValue' },
              },
            ],
          },
          {
            metric: { type: 'custom.googleapis.com/h/x' },
            resource: { type: 'k8s_cluster' },
            metricKind: 'GAUGE',
            valueType: 'INT64',
            points: [
              {
                interval: { endTime: { seconds: '1900000000' } },
                value: { int64Value: '0', value: 'int64Value' },
              },
            ],
          },
        ],
      });
    }
  });
});

describe('SeriesEncoder', () => {
  const ROUND = Date.UTC(2030, 0, 1, 12, 0, 0);
  const options = (now: number): EncodeOptions => ({
    project: 'my-project',
    location: 'europe-west4',
    prefix: 'custom.googleapis.com/h',
    metrics: METRICS.map((_, i) => i),
    levels: ['pod_container', 'pod', 'node', 'sys_container', 'ns', 'cluster'],
    labels: [{ kind: 'heapster', key: 'pod_id' }],
    now,
  });
  const fs = (id: string, value: number) =>
    (['filesystem/usage', 'filesystem/limit'] as const).map((metric, i) => ({
      metric,
      labels: { resource_id: id },
      value: value + i,
    }));
  /** A node's block; `restarted` moves the container's start (a new cumulative start). */
  const nodeBlock = (node: string, pods: number, value: number, restarted = false) => {
    const specs: SetSpec[] = [
      {
        type: 'node',
        node,
        startTime: ROUND - 86_400_000,
        values: { 'cpu/usage': value * 1e9, 'memory/usage': value },
      },
      {
        type: 'sys_container',
        node,
        container: 'kubelet',
        startTime: ROUND - 86_400_000,
        values: { 'cpu/usage': value },
      },
    ];
    for (let p = 0; p < pods; p++) {
      const pod = `${node}-pod-${p}`;
      const started = ROUND - (restarted ? 30_000 : 3_600_000);
      specs.push({
        type: 'pod',
        node,
        namespace: 'shop',
        pod,
        startTime: started,
        labels: { pod_id: `uid-${pod}` },
        values: { 'network/rx': value * 7, 'cpu/usage_rate': value / 3 },
        points: fs(`Volume:data-${p}`, value),
      });
      specs.push({
        type: 'pod_container',
        node,
        namespace: 'shop',
        pod,
        container: 'app',
        startTime: started,
        labels: { pod_id: `uid-${pod}` },
        values: { 'cpu/usage': value * 1e6, 'memory/usage': -value, uptime: 2 ** 40 + value },
        points: [...fs('/', value), ...fs('logs', value)],
      });
    }
    return block(specs, 'c1');
  };
  const roundOf = (t: number, value: number, restarted = false) =>
    batch(
      t,
      nodeBlock('n1', 60, value, restarted),
      nodeBlock('n2', 3, value),
      block([{ type: 'cluster', values: { 'memory/usage': value } }], 'c1'),
    );

  test('writes every round exactly as the series objects would be written, whatever it kept from earlier rounds', () => {
    const encoder = new SeriesEncoder();
    const rounds = [roundOf(ROUND, 1), roundOf(ROUND + 60_000, 2), roundOf(ROUND + 120_000, 3, true)];
    for (const b of rounds) {
      const dropped: Record<string, number> = {};
      const requests = [...encoder.requests(b, options(b.timestamp), dropped)];
      const expected = encodeRound(b, options(b.timestamp));
      assert.ok(expected.series.length > 400, 'several requests per round');
      assert.deepEqual(dropped, expected.dropped);
      assert.deepEqual(
        requests.map((r) => r.count),
        [...Array(Math.floor(expected.series.length / 200)).fill(200), expected.series.length % 200],
      );
      for (const r of requests) assert.equal(r.starts[r.count], r.bytes.length);
      assert.deepEqual(seriesOf(requests), seriesOf(requestsOf('my-project', expected.series)));
      assert.deepEqual(decode((requests[0] as EncodedRequest).bytes)['name'], 'projects/my-project');
    }
  });

  test('a subset of a request holds just the series asked for, in that order', () => {
    const [request] = [...new SeriesEncoder().requests(roundOf(ROUND, 1), options(ROUND), {})];
    const all = seriesOf([request as EncodedRequest]);
    const subset = subsetRequest(request as EncodedRequest, [7, 3, 199]);
    assert.equal(subset.count, 3);
    assert.deepEqual(seriesOf([subset]), [all[7], all[3], all[199]]);
    assert.equal(decode(subset.bytes)['name'], 'projects/my-project');
  });

  test('forgets the entities the last two rounds did not write', () => {
    const encoder = new SeriesEncoder();
    const write = (b: ReturnType<typeof batch>) => [...encoder.requests(b, options(b.timestamp), {})];
    const big = batch(ROUND, nodeBlock('n1', 30, 1));
    const small = (t: number) => batch(t, nodeBlock('n9', 1, 1));
    write(big);
    // A node, its system container, 30 pods and 30 containers.
    assert.equal(encoder.remembered, 62);
    write(small(ROUND + 60_000));
    assert.equal(encoder.remembered, 62 + 4, 'still within two rounds');
    write(small(ROUND + 120_000));
    assert.equal(encoder.remembered, 4);
  });
});
