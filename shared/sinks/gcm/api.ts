import type { DescriptorSpec, MetricKindName, ValueTypeName } from './descriptors.js';
import type { MonitoredResource } from './resources.js';
import type { EncodedRequest } from './wire.js';

/**
 * The part of the Monitoring API the sink calls, as plain data: the client adapter (client.ts) maps it onto
 * @google-cloud/monitoring, tests may map it onto anything.
 */
export interface Timestamp {
  readonly seconds: number;
  readonly nanos: number;
}

export interface TimeInterval {
  readonly startTime?: Timestamp;
  readonly endTime: Timestamp;
}

export type TypedValue = { readonly int64Value: number } | { readonly doubleValue: number };

export interface Point {
  readonly interval: TimeInterval;
  readonly value: TypedValue;
}

export interface TimeSeries {
  readonly metric: { readonly type: string; readonly labels: Readonly<Record<string, string>> };
  readonly resource: MonitoredResource;
  readonly metricKind: MetricKindName;
  readonly valueType: ValueTypeName;
  readonly points: readonly [Point];
}

/** What a failed call carries: its gRPC code, message and the raw status details, when any. */
export interface CallError {
  readonly code: number;
  readonly message: string;
  /** google.rpc.Status bytes from the grpc-status-details-bin trailer. */
  readonly statusDetails: readonly Uint8Array[];
  /** From a google.rpc.RetryInfo detail, when the server said when to come back. */
  readonly retryDelayMs?: number;
}

export type CallResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: CallError };

export interface CallOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

export interface MonitoringApi {
  /** The request names its project itself. */
  createTimeSeries(request: EncodedRequest, options: CallOptions): Promise<CallResult<void>>;
  /** Every descriptor whose type starts with the prefix, all pages. */
  listMetricDescriptors(
    project: string,
    typePrefix: string,
    options: CallOptions,
  ): Promise<CallResult<DescriptorSpec[]>>;
  createMetricDescriptor(
    project: string,
    descriptor: DescriptorSpec,
    options: CallOptions,
  ): Promise<CallResult<DescriptorSpec>>;
  close(): Promise<void>;
}

/** gRPC status codes the sink tells apart. */
export const GRPC = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** Codes worth another attempt later in the same run: the service was away, slow, or rate limiting. */
export function isRetryable(code: number): boolean {
  return code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED || code === GRPC.RESOURCE_EXHAUSTED;
}

/** Codes after which the server may have stored the points even though the call failed. */
export function outcomeUnknown(code: number): boolean {
  return code === GRPC.DEADLINE_EXCEEDED || code === GRPC.CANCELLED || code === GRPC.UNAVAILABLE;
}
