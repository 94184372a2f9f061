import * as grpc from '@grpc/grpc-js';
import type { ClientOptions } from 'google-gax';
import { failureMessage, groupFailures, writeSeries } from './create-time-series.js';
import { loadDetailTypes, loadMetricService, retryInfoBytes, statusBytes, summaryBytes } from './protos.js';
import { checkDescriptor, LIMITS } from './rules.js';
import { parseFilter, ProjectStore, seriesKeyOf, type StoredSeries } from './store.js';
import { toMs, toTimestamp, type WireMetricDescriptor, type WireTimeSeries } from './wire.js';

/**
 * A stand-in for Cloud Monitoring's MetricService on 127.0.0.1, reached by the real client over gRPC. It
 * enforces the documented write rules (rules.ts) and answers a partial failure as the service does:
 * INVALID_ARGUMENT naming the failed series, with a CreateTimeSeriesSummary in the status details, while the
 * good points are stored. Unlike the service it never creates a descriptor on a write: a sink must create
 * the descriptors it writes to. Fault switches make calls fail or slow down.
 */
export interface GcmStandInOptions {
  readonly now?: () => number;
  readonly minSamplingPeriodMs?: number;
  readonly maxActiveSeriesPerResource?: number;
  readonly metricPrefixes?: readonly string[];
  readonly keep?: 'all' | 'last' | 'none';
}

export const FAULT_CODES = {
  UNAVAILABLE: 14,
  RESOURCE_EXHAUSTED: 8,
  DEADLINE_EXCEEDED: 4,
  INTERNAL: 13,
} as const;
export type FaultCode = keyof typeof FAULT_CODES;
export type MethodName = 'CreateTimeSeries' | 'CreateMetricDescriptor' | 'ListMetricDescriptors';

export interface Fault {
  readonly code: FaultCode;
  /** Store the request's points first, then fail (the client cannot know they were written). */
  readonly afterStore?: boolean;
  /** Sent as a google.rpc.RetryInfo detail. */
  readonly retryDelayMs?: number;
}

export interface StandInStats {
  calls: Record<string, number>;
  /** Series received in CreateTimeSeries requests, good or not. */
  seriesReceived: number;
  pointsStored: number;
  pointsRejected: Record<string, number>;
  maxSeriesPerRequest: number;
  /** Series that arrived while another request holding the same series was still being handled. */
  concurrentSameSeries: number;
  maxInFlight: number;
}

export interface GcmStandIn {
  readonly port: number;
  /** HOST:PORT for the sink's endpoint option. */
  readonly endpoint: string;
  readonly stats: StandInStats;
  /** The next `times` calls of a method fail with the fault. */
  failNext(method: MethodName, times: number, fault: Fault): void;
  /** The next `count` series written fail alone, with this code, inside a partial failure. */
  failPoints(count: number, code: FaultCode): void;
  /** Delay before CreateTimeSeries is handled. */
  setLatency(ms: number): void;
  series(project: string): StoredSeries[];
  descriptors(project: string): WireMetricDescriptor[];
  /** Client options for a MetricServiceClient of the test's own (to read back what was written). */
  clientOptions(project: string): ClientOptions;
  stop(): Promise<void>;
}

const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;

export async function startGcmStandIn(options: GcmStandInOptions = {}): Promise<GcmStandIn> {
  const now = options.now ?? Date.now;
  const prefixes = options.metricPrefixes ?? ['custom.googleapis.com/'];
  const types = loadDetailTypes();
  const projects = new Map<string, ProjectStore>();
  const storeOf = (project: string): ProjectStore => {
    let s = projects.get(project);
    if (s === undefined) projects.set(project, (s = new ProjectStore(options.keep ?? 'all')));
    return s;
  };
  const stats: StandInStats = {
    calls: {},
    seriesReceived: 0,
    pointsStored: 0,
    pointsRejected: {},
    maxSeriesPerRequest: 0,
    concurrentSameSeries: 0,
    maxInFlight: 0,
  };
  const faults = new Map<MethodName, { times: number; fault: Fault }>();
  let pointFaults = { count: 0, code: FAULT_CODES.UNAVAILABLE as number };
  let latencyMs = 0;
  const inFlight = new Map<string, number>();
  let requestsInFlight = 0;

  const takeFault = (method: MethodName): Fault | undefined => {
    const armed = faults.get(method);
    if (armed === undefined || armed.times <= 0) return undefined;
    armed.times--;
    return armed.fault;
  };
  const faultError = (fault: Fault): Partial<grpc.StatusObject> => {
    const code = FAULT_CODES[fault.code];
    const message =
      fault.code === 'RESOURCE_EXHAUSTED'
        ? 'Quota exceeded for quota metric time series ingestion requests.'
        : 'The service is currently unavailable.';
    const metadata = new grpc.Metadata();
    if (fault.retryDelayMs !== undefined)
      metadata.add(
        'grpc-status-details-bin',
        statusBytes(types, code, message, {
          typeName: 'google.rpc.RetryInfo',
          bytes: retryInfoBytes(types, fault.retryDelayMs),
        }),
      );
    return { code, details: message, metadata };
  };
  const count = (method: string): void => {
    stats.calls[method] = (stats.calls[method] ?? 0) + 1;
  };
  const invalid = (details: string): Partial<grpc.StatusObject> => ({ code: INVALID_ARGUMENT, details });
  const projectOf = (name: unknown): string | undefined =>
    /^projects\/([^/]+)$/.exec(String(name ?? ''))?.[1];

  type Call<Req> = grpc.ServerUnaryCall<Req, unknown>;
  type Callback = grpc.sendUnaryData<unknown>;

  const handlers: grpc.UntypedServiceImplementation = {
    createTimeSeries: async (call: Call<{ name?: string; timeSeries?: WireTimeSeries[] }>, cb: Callback) => {
      count('CreateTimeSeries');
      const project = projectOf(call.request.name);
      if (project === undefined) return cb(invalid(`Invalid project name "${call.request.name}".`));
      const series = call.request.timeSeries ?? [];
      stats.maxSeriesPerRequest = Math.max(stats.maxSeriesPerRequest, series.length);
      stats.seriesReceived += series.length;
      const fault = takeFault('CreateTimeSeries');
      if (fault !== undefined && fault.afterStore !== true) return cb(faultError(fault));
      if (series.length === 0) return cb(invalid('Request must contain at least one TimeSeries.'));
      if (series.length > LIMITS.seriesPerRequest)
        return cb(
          invalid(
            `The request contains ${series.length} TimeSeries; at most ${LIMITS.seriesPerRequest} are allowed.`,
          ),
        );
      const keys = series.map(seriesKeyOf);
      requestsInFlight++;
      stats.maxInFlight = Math.max(stats.maxInFlight, requestsInFlight);
      for (const k of new Set(keys)) {
        if ((inFlight.get(k) ?? 0) > 0) stats.concurrentSameSeries++;
        inFlight.set(k, (inFlight.get(k) ?? 0) + 1);
      }
      try {
        if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
        const store = storeOf(project);
        const outcome = writeSeries(store, series, keys, {
          now: now(),
          minSamplingPeriodMs: options.minSamplingPeriodMs ?? 10_000,
          prefixes,
          descriptor: (type) => store.descriptors.get(type),
          maxActiveSeriesPerResource: options.maxActiveSeriesPerResource ?? 200_000,
          pointFault: () => {
            if (pointFaults.count <= 0) return undefined;
            pointFaults.count--;
            return {
              code: pointFaults.code,
              message: 'The service is currently unavailable for this point.',
            };
          },
        });
        stats.pointsStored += outcome.stored;
        if (fault !== undefined) return cb(faultError(fault));
        if (outcome.failures.length === 0) return cb(null, {});
        const groups = groupFailures(outcome.failures);
        for (const g of groups)
          stats.pointsRejected[g.message] = (stats.pointsRejected[g.message] ?? 0) + g.indexes.length;
        const message = failureMessage(groups, series);
        const code = groups.some((g) => g.code === INVALID_ARGUMENT)
          ? INVALID_ARGUMENT
          : (groups[0]?.code ?? 2);
        const summary = summaryBytes(
          types,
          series.length,
          outcome.stored,
          groups.map((g) => ({ code: g.code, message: g.message, pointCount: g.indexes.length })),
        );
        const metadata = new grpc.Metadata();
        metadata.add(
          'grpc-status-details-bin',
          statusBytes(types, code, message, {
            typeName: 'google.monitoring.v3.CreateTimeSeriesSummary',
            bytes: summary,
          }),
        );
        return cb({ code, details: message, metadata });
      } finally {
        requestsInFlight--;
        for (const k of new Set(keys)) inFlight.set(k, (inFlight.get(k) ?? 1) - 1);
      }
    },

    createMetricDescriptor: (
      call: Call<{ name?: string; metricDescriptor?: WireMetricDescriptor }>,
      cb: Callback,
    ) => {
      count('CreateMetricDescriptor');
      const project = projectOf(call.request.name);
      if (project === undefined) return cb(invalid(`Invalid project name "${call.request.name}".`));
      const fault = takeFault('CreateMetricDescriptor');
      if (fault !== undefined) return cb(faultError(fault));
      const d = call.request.metricDescriptor ?? {};
      const problem = checkDescriptor(d, prefixes);
      if (problem !== undefined) return cb(invalid(problem));
      const store = storeOf(project);
      const type = d.type as string;
      const have = store.descriptors.get(type);
      if (have !== undefined && (have.metricKind !== d.metricKind || have.valueType !== d.valueType))
        return cb(
          invalid(
            `The metric descriptor ${type} exists as ${have.metricKind} ${have.valueType}; it cannot change kind or value type.`,
          ),
        );
      // Creating an existing descriptor again adds the labels it lacked; none are ever removed.
      const labels = [...(have?.labels ?? [])];
      for (const l of d.labels ?? []) if (!labels.some((x) => x.key === l.key)) labels.push(l);
      const merged = { ...d, labels };
      const mergedProblem = checkDescriptor(merged, prefixes);
      if (mergedProblem !== undefined) return cb(invalid(mergedProblem));
      const stored = { ...merged, name: `projects/${project}/metricDescriptors/${type}` };
      store.descriptors.set(type, stored);
      return cb(null, stored);
    },

    getMetricDescriptor: (call: Call<{ name?: string }>, cb: Callback) => {
      count('GetMetricDescriptor');
      const m = /^projects\/([^/]+)\/metricDescriptors\/(.+)$/.exec(call.request.name ?? '');
      const d = m === null ? undefined : projects.get(m[1] as string)?.descriptors.get(m[2] as string);
      if (d === undefined)
        return cb({ code: NOT_FOUND, details: `Could not find descriptor ${call.request.name}` });
      return cb(null, d);
    },

    listMetricDescriptors: (
      call: Call<{ name?: string; filter?: string; pageSize?: number; pageToken?: string }>,
      cb: Callback,
    ) => {
      count('ListMetricDescriptors');
      const project = projectOf(call.request.name);
      if (project === undefined) return cb(invalid(`Invalid project name "${call.request.name}".`));
      const fault = takeFault('ListMetricDescriptors');
      if (fault !== undefined) return cb(faultError(fault));
      let filter;
      try {
        filter = parseFilter(call.request.filter ?? '');
      } catch (err) {
        return cb(invalid((err as Error).message));
      }
      const all = [...storeOf(project).descriptors.values()].filter((d) =>
        filter({ metric: { type: d.type ?? '' } }),
      );
      const { page, next } = paginate(all, call.request.pageSize, call.request.pageToken);
      return cb(null, { metricDescriptors: page, nextPageToken: next });
    },

    listTimeSeries: (
      call: Call<{
        name?: string;
        filter?: string;
        interval?: {
          startTime?: { seconds?: string; nanos?: number };
          endTime?: { seconds?: string; nanos?: number };
        };
        view?: string;
        pageSize?: number;
        pageToken?: string;
      }>,
      cb: Callback,
    ) => {
      count('ListTimeSeries');
      const project = projectOf(call.request.name);
      if (project === undefined) return cb(invalid(`Invalid project name "${call.request.name}".`));
      const r = call.request;
      if (!/metric\.type\s*=/.test(r.filter ?? '')) return cb(invalid('The filter must name a metric.type.'));
      const end = toMs(r.interval?.endTime);
      if (end === undefined) return cb(invalid('Field interval.endTime is required.'));
      const start = toMs(r.interval?.startTime) ?? end;
      let filter;
      try {
        filter = parseFilter(r.filter ?? '');
      } catch (err) {
        return cb(invalid((err as Error).message));
      }
      const store = storeOf(project);
      const type = /metric\.type\s*=\s*"([^"]+)"/.exec(r.filter ?? '')?.[1];
      const candidates = type === undefined ? [...store.series.values()] : (store.byType.get(type) ?? []);
      const matching = candidates
        .filter((s) => filter(s))
        .map((s) => ({ s, points: s.points.filter((p) => p.end >= start && p.end <= end) }))
        .filter((x) => x.points.length > 0);
      const { page, next } = paginate(matching, r.pageSize, r.pageToken);
      const timeSeries = page.map(({ s, points }) => ({
        metric: s.metric,
        resource: s.resource,
        metricKind: s.metricKind,
        valueType: s.valueType,
        points:
          r.view === 'HEADERS'
            ? []
            : [...points].reverse().map((p) => ({
                interval: {
                  ...(p.start !== undefined ? { startTime: toTimestamp(p.start) } : {}),
                  endTime: toTimestamp(p.end),
                },
                value: s.valueType === 'INT64' ? { int64Value: String(p.value) } : { doubleValue: p.value },
              })),
      }));
      return cb(null, { timeSeries, nextPageToken: next });
    },
  };

  const server = new grpc.Server();
  server.addService(loadMetricService(), handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );

  return {
    port,
    endpoint: `127.0.0.1:${port}`,
    stats,
    failNext: (method, times, fault) => faults.set(method, { times, fault }),
    failPoints: (n, code) => {
      pointFaults = { count: n, code: FAULT_CODES[code] };
    },
    setLatency: (ms) => {
      latencyMs = ms;
    },
    series: (project) => [...(projects.get(project)?.series.values() ?? [])],
    descriptors: (project) => [...(projects.get(project)?.descriptors.values() ?? [])],
    clientOptions: (project) => ({
      projectId: project,
      apiEndpoint: '127.0.0.1',
      port,
      sslCreds: grpc.credentials.createInsecure(),
      credentials: { client_email: `test@${project}.iam.gserviceaccount.com`, private_key: 'unused' },
    }),
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

function paginate<T>(
  items: readonly T[],
  pageSize: number | undefined,
  token: string | undefined,
): { page: T[]; next: string } {
  const size = pageSize !== undefined && pageSize > 0 ? pageSize : 10_000;
  const from = token !== undefined && token !== '' ? Number(token) : 0;
  const page = items.slice(from, from + size);
  return { page, next: from + size < items.length ? String(from + size) : '' };
}
