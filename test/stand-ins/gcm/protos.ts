import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protobuf } from 'google-gax';

/**
 * The Monitoring API as the client package ships it: its .proto files (and google-gax's for the common
 * google/api, google/rpc and google/protobuf ones), loaded for the gRPC service and for the status details.
 */
const require = createRequire(import.meta.url);
const monitoringEntry = require.resolve('@google-cloud/monitoring');
// google-gax exports no package.json; its protos sit next to its build/src.
const gaxEntry = createRequire(monitoringEntry).resolve('google-gax');

export const INCLUDE_DIRS = [
  join(dirname(monitoringEntry), '..', 'protos'),
  join(dirname(gaxEntry), '..', 'protos'),
];
const SERVICE_PROTO = 'google/monitoring/v3/metric_service.proto';

export function loadMetricService(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(SERVICE_PROTO, {
    includeDirs: INCLUDE_DIRS,
    longs: String,
    enums: String,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    google: { monitoring: { v3: { MetricService: { service: grpc.ServiceDefinition } } } };
  };
  return loaded.google.monitoring.v3.MetricService.service;
}

export interface DetailTypes {
  readonly status: protobuf.Type;
  readonly any: protobuf.Type;
  readonly summary: protobuf.Type;
  readonly retryInfo: protobuf.Type;
  /** For checking a request's bytes outside gRPC. */
  readonly createTimeSeriesRequest: protobuf.Type;
}

/** Message types for grpc-status-details-bin (google.rpc.Status with Any details) and for requests. */
export function loadDetailTypes(): DetailTypes {
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string =>
    INCLUDE_DIRS.map((dir) => join(dir, target)).find((path) => existsSync(path)) ?? target;
  root.loadSync([SERVICE_PROTO, 'google/rpc/error_details.proto']);
  return {
    status: root.lookupType('google.rpc.Status'),
    any: root.lookupType('google.protobuf.Any'),
    summary: root.lookupType('google.monitoring.v3.CreateTimeSeriesSummary'),
    retryInfo: root.lookupType('google.rpc.RetryInfo'),
    createTimeSeriesRequest: root.lookupType('google.monitoring.v3.CreateTimeSeriesRequest'),
  };
}

export interface DetailError {
  readonly code: number;
  readonly message: string;
  readonly pointCount: number;
}

/** A google.rpc.Status carrying one Any detail, as the grpc-status-details-bin trailer holds it. */
export function statusBytes(
  types: DetailTypes,
  code: number,
  message: string,
  detail: { typeName: string; bytes: Uint8Array } | undefined,
): Buffer {
  const details =
    detail === undefined
      ? []
      : [types.any.create({ type_url: `type.googleapis.com/${detail.typeName}`, value: detail.bytes })];
  return Buffer.from(types.status.encode(types.status.create({ code, message, details })).finish());
}

export function summaryBytes(
  types: DetailTypes,
  total: number,
  success: number,
  errors: readonly DetailError[],
): Uint8Array {
  const message = types.summary.create({
    totalPointCount: total,
    successPointCount: success,
    errors: errors.map((e) => ({
      status: types.status.create({ code: e.code, message: e.message }),
      pointCount: e.pointCount,
    })),
  });
  return types.summary.encode(message).finish();
}

export function retryInfoBytes(types: DetailTypes, delayMs: number): Uint8Array {
  const seconds = Math.floor(delayMs / 1000);
  return types.retryInfo
    .encode(types.retryInfo.create({ retryDelay: { seconds, nanos: (delayMs % 1000) * 1e6 } }))
    .finish();
}
