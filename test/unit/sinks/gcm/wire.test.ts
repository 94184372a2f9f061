import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TimeSeries } from '../../../../shared/sinks/gcm/api.js';
import { RequestEncoder } from '../../../../shared/sinks/gcm/wire.js';
import { loadDetailTypes } from '../../../stand-ins/gcm/protos.js';

/** The sink's own protobuf writer, read back with protobufjs and the .proto files the client ships. */
const types = loadDetailTypes();

describe('RequestEncoder', () => {
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
    const encoder = new RequestEncoder();
    for (let round = 0; round < 2; round++) {
      const bytes = encoder.encode('my-project', series);
      const decoded = types.createTimeSeriesRequest.toObject(types.createTimeSeriesRequest.decode(bytes), {
        longs: String,
        enums: String,
        defaults: false,
        oneofs: true,
      }) as Record<string, unknown>;
      assert.deepEqual(JSON.parse(JSON.stringify(decoded)), {
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
