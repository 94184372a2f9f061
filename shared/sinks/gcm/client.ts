import { MetricServiceClient, protos } from '@google-cloud/monitoring';
import { grpc, type CallOptions as GaxCallOptions, type ClientOptions } from 'google-gax';
import type { CallError, CallOptions, CallResult, MonitoringApi } from './api.js';
import { GRPC } from './api.js';
import type { DescriptorSpec, MetricKindName, ValueTypeName } from './descriptors.js';
import { isLoopbackHost, splitEndpoint } from '../../config/endpoint.js';

/**
 * The Monitoring API through the real @google-cloud/monitoring client (gRPC). An `endpoint` on this machine
 * gets a plain-text channel and no credentials (a local stand-in); any other endpoint, and the default one,
 * gets TLS and the runtime's credentials.
 */
export function monitoringClientOptions(endpoint: string | undefined, project: string): ClientOptions {
  if (endpoint === undefined) return { projectId: project };
  const parts = splitEndpoint(endpoint);
  if (parts === undefined) throw new Error(`gcm endpoint "${endpoint}" is not HOST:PORT`);
  if (!isLoopbackHost(parts.host)) return { projectId: project, apiEndpoint: parts.host, port: parts.port };
  return {
    projectId: project,
    apiEndpoint: parts.host,
    port: parts.port,
    sslCreds: grpc.credentials.createInsecure(),
    // Never used (plain-text channels are not signed), but they keep the library from looking for any.
    credentials: { client_email: 'stand-in@localhost.invalid', private_key: 'unused' },
  };
}

/**
 * The client's gRPC stub (a @grpc/grpc-js Client on the client's channel and credentials). CreateTimeSeries
 * goes through it with the request already in wire format (wire.ts); everything else through the client.
 */
interface UnaryStub {
  makeUnaryRequest(
    method: string,
    serialize: (value: Buffer) => Buffer,
    deserialize: (value: Buffer) => Buffer,
    argument: Buffer,
    metadata: grpc.Metadata,
    options: { deadline: number },
    callback: (error: unknown, value?: Buffer) => void,
  ): { cancel(): void };
}

const CREATE_TIME_SERIES = '/google.monitoring.v3.MetricService/CreateTimeSeries';
const identity = (b: Buffer): Buffer => b;

export function monitoringApi(endpoint: string | undefined, project: string): MonitoringApi {
  const client = new MetricServiceClient(monitoringClientOptions(endpoint, project));
  // What the library sends with every call: the routing header and who is calling.
  const metadata = new grpc.Metadata();
  metadata.set('x-goog-request-params', `name=${encodeURIComponent(`projects/${project}`)}`);
  metadata.set('x-goog-api-client', `gl-node/${process.versions.node} gccl/heapster-serverless`);
  const stub = client.initialize() as unknown as Promise<Partial<UnaryStub>>;
  stub.catch(() => undefined); // reported by the first call
  return {
    createTimeSeries: async (request, options) => {
      if (options.signal.aborted) return { ok: false, error: aborted() };
      let grpcStub: Partial<UnaryStub>;
      try {
        grpcStub = await stub;
      } catch (err) {
        return { ok: false, error: toCallError(err) };
      }
      if (typeof grpcStub.makeUnaryRequest !== 'function') {
        // Not a gRPC channel (the library's HTTP fallback): the library encodes the request its own way.
        const decoded = protos.google.monitoring.v3.CreateTimeSeriesRequest.decode(request.bytes);
        const r = await call(options, () => client.createTimeSeries(decoded, gax(options)));
        return r.ok ? { ok: true, value: undefined } : r;
      }
      return new Promise<CallResult<void>>((resolve) => {
        const onAbort = (): void => {
          pending.cancel();
          resolve({ ok: false, error: aborted() });
        };
        const pending = (grpcStub as UnaryStub).makeUnaryRequest(
          CREATE_TIME_SERIES,
          identity,
          identity,
          request.bytes,
          metadata.clone(),
          { deadline: Date.now() + options.timeoutMs },
          (error) => {
            options.signal.removeEventListener('abort', onAbort);
            resolve(error ? { ok: false, error: toCallError(error) } : { ok: true, value: undefined });
          },
        );
        options.signal.addEventListener('abort', onAbort, { once: true });
      });
    },
    listMetricDescriptors: async (p, typePrefix, options) => {
      const r = await call(options, () =>
        client.listMetricDescriptors(
          { name: `projects/${p}`, filter: `metric.type = starts_with("${typePrefix}")` },
          gax(options),
        ),
      );
      return r.ok ? { ok: true, value: r.value[0].map(toSpec) } : r;
    },
    createMetricDescriptor: async (p, descriptor, options) => {
      const r = await call(options, () =>
        client.createMetricDescriptor(
          {
            name: `projects/${p}`,
            metricDescriptor: {
              ...descriptor,
              labels: [...descriptor.labels],
              name: `projects/${p}/metricDescriptors/${descriptor.type}`,
            },
          },
          gax(options),
        ),
      );
      return r.ok ? { ok: true, value: toSpec(r.value[0]) } : r;
    },
    close: () => client.close(),
  };
}

/** Our own retries only: the library's are off, so a failure comes back at once with its details. */
function gax(options: CallOptions): GaxCallOptions {
  return { timeout: options.timeoutMs, retry: { retryCodes: [] } };
}

async function call<T>(options: CallOptions, run: () => Promise<T>): Promise<CallResult<T>> {
  if (options.signal.aborted) return { ok: false, error: aborted() };
  const pending = run() as Promise<T> & { cancel?: () => void };
  // The client's promises cannot always be cancelled: the run stops waiting, the call ends by its timeout.
  pending.catch(() => undefined);
  let onAbort = (): void => undefined;
  const abandoned = new Promise<CallResult<T>>((resolve) => {
    onAbort = () => {
      pending.cancel?.();
      resolve({ ok: false, error: aborted() });
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      pending.then(
        (value): CallResult<T> => ({ ok: true, value }),
        (err: unknown): CallResult<T> => ({ ok: false, error: toCallError(err) }),
      ),
      abandoned,
    ]);
  } finally {
    options.signal.removeEventListener('abort', onAbort);
  }
}

const aborted = (): CallError => ({
  code: GRPC.CANCELLED,
  message: 'run deadline reached',
  statusDetails: [],
});

interface GrpcLikeError {
  code?: unknown;
  details?: unknown;
  message?: unknown;
  metadata?: { get(key: string): unknown[] };
  statusDetails?: unknown[];
}

export function toCallError(err: unknown): CallError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as GrpcLikeError;
  const code = typeof e.code === 'number' ? e.code : GRPC.UNKNOWN;
  const message =
    typeof e.details === 'string' && e.details !== ''
      ? e.details
      : String(e.message ?? err).replace(/^\d+ [A-Z_]+: /, '');
  const raw = e.metadata?.get('grpc-status-details-bin') ?? [];
  const statusDetails = raw.filter((b): b is Uint8Array => b instanceof Uint8Array);
  const retryDelayMs = retryDelayOf(e.statusDetails);
  return { code, message, statusDetails, ...(retryDelayMs !== undefined ? { retryDelayMs } : {}) };
}

/** The library decodes google.rpc.RetryInfo itself; its delay is a Duration of seconds (a string) and nanos. */
function retryDelayOf(details: unknown[] | undefined): number | undefined {
  for (const d of details ?? []) {
    const delay = (d as { retryDelay?: { seconds?: unknown; nanos?: unknown } }).retryDelay;
    if (delay !== undefined) return Number(delay.seconds ?? 0) * 1000 + Number(delay.nanos ?? 0) / 1e6;
  }
  return undefined;
}

interface ApiDescriptor {
  type?: string | null;
  metricKind?: unknown;
  valueType?: unknown;
  unit?: string | null;
  description?: string | null;
  displayName?: string | null;
  labels?: { key?: string | null; description?: string | null }[] | null;
}

function toSpec(d: ApiDescriptor): DescriptorSpec {
  return {
    type: d.type ?? '',
    metricKind: String(d.metricKind) as MetricKindName,
    valueType: String(d.valueType) as ValueTypeName,
    unit: d.unit ?? '',
    description: d.description ?? '',
    displayName: d.displayName ?? '',
    labels: (d.labels ?? []).map((l) => ({
      key: l.key ?? '',
      valueType: 'STRING',
      description: l.description ?? '',
    })),
  };
}
