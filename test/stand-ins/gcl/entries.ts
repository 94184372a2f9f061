import { readFields, varintSize } from '../../../shared/sinks/gcl/wire.js';
import {
  checkLabels,
  checkLogName,
  checkResource,
  checkSize,
  checkTimestamp,
  INVALID_ARGUMENT,
  isRefusal,
  type Refusal,
} from './rules.js';
import { structToJson, type WireStruct } from './struct.js';

/** The entries of a WriteLogEntries request as the stand-in receives, checks and keeps them. */
export interface StoredEntry {
  readonly project: string;
  readonly logName: string;
  readonly resource: { readonly type: string; readonly labels: Readonly<Record<string, string>> };
  /** RFC 3339 with nanoseconds. */
  readonly timestamp: string;
  readonly timestampMs: number;
  readonly insertId: string;
  readonly severity: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The entry's encoded size as the service measures it (log name and resource filled in). */
  readonly bytes: number;
  /** The client library's one-per-process instrumentation entry. */
  readonly diagnostic: boolean;
  /** Older than the retention period: accepted, never returned by a query. */
  readonly expired: boolean;
  /** As received (defaults filled in), for ListLogEntries. */
  readonly wire: WireEntry;
}

export interface WireEntry {
  logName: string;
  resource: { type: string; labels: Record<string, string> } | null;
  timestamp: { seconds: string; nanos: number } | null;
  severity: string;
  insertId: string;
  labels: Record<string, string>;
  jsonPayload?: WireStruct;
  textPayload?: string;
  [key: string]: unknown;
}

export interface WireRequest {
  logName: string;
  resource: WireEntry['resource'];
  labels: Record<string, string>;
  entries: WireEntry[];
  partialSuccess: boolean;
}

const DIAGNOSTIC_KEY = 'logging.googleapis.com/diagnostic';

export interface AdmitContext {
  readonly now: number;
  readonly retentionMs: number;
  /** Entries about objects of this kind are refused (a fault switch). */
  readonly rejectKind?: { readonly kind: string; readonly code?: number } | undefined;
  /** An insertId for entries that came without one. */
  readonly nextId: () => string;
}

/** Each entry either kept (defaults from the request filled in) or refused with its status, by index. */
export function admitEntries(
  request: WireRequest,
  raw: Buffer,
  ctx: AdmitContext,
): { accepted: StoredEntry[]; errors: Map<number, Refusal>; labelsCut: number } {
  const sizes = entrySizes(raw, request);
  const accepted: StoredEntry[] = [];
  const errors = new Map<number, Refusal>();
  let labelsCut = 0;
  request.entries.forEach((entry, i) => {
    const result = admit(entry, sizes[i] as number);
    if (isRefusal(result)) errors.set(i, result);
    else accepted.push(result);
  });
  return { accepted, errors, labelsCut };

  function admit(entry: WireEntry, bytes: number): StoredEntry | Refusal {
    const logName = entry.logName || request.logName;
    const named = checkLogName(logName);
    if (isRefusal(named)) return named;
    const resource = entry.resource ?? request.resource;
    const badResource = checkResource(resource);
    if (badResource !== undefined) return badResource;
    const tooLarge = checkSize(bytes);
    if (tooLarge !== undefined) return tooLarge;
    const ts = entry.timestamp ?? {
      seconds: String(Math.floor(ctx.now / 1000)),
      nanos: (ctx.now % 1000) * 1e6,
    };
    const timestampMs = Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
    const future = checkTimestamp(timestampMs, ctx.now);
    if (future !== undefined) return future;
    const labels = checkLabels({ ...request.labels, ...entry.labels });
    if (isRefusal(labels)) return labels;
    const payload = structToJson(entry.jsonPayload);
    const kind = kindOf(payload);
    if (ctx.rejectKind !== undefined && kind === ctx.rejectKind.kind)
      return {
        code: ctx.rejectKind.code ?? INVALID_ARGUMENT,
        message: `the stand-in refuses entries about a ${kind}`,
      };
    labelsCut += labels.cut;
    const insertId = entry.insertId || ctx.nextId();
    const wire: WireEntry = { ...entry, logName, resource, timestamp: ts, labels: labels.labels, insertId };
    return {
      project: named.project,
      logName,
      resource: resource as NonNullable<typeof resource>,
      timestamp: rfc3339(Number(ts.seconds), ts.nanos),
      timestampMs,
      insertId,
      severity: entry.severity,
      labels: labels.labels,
      payload,
      bytes,
      diagnostic: DIAGNOSTIC_KEY in payload,
      expired: timestampMs < ctx.now - ctx.retentionMs,
      wire,
    };
  }
}

/**
 * Each entry's encoded size as stored: its bytes in the request (WriteLogEntriesRequest.entries = 4) plus the
 * request's log name (1) and resource (2) where the entry relies on them.
 */
function entrySizes(raw: Buffer, request: WireRequest): number[] {
  const fields = readFields(raw);
  const field = (n: number): number => {
    const f = fields.find((x) => x.field === n);
    if (f === undefined || !(f.value instanceof Uint8Array)) return 0;
    return 1 + varintSize(f.value.length) + f.value.length;
  };
  const entryBytes = fields.filter((f) => f.field === 4).map((f) => (f.value as Uint8Array).length);
  return request.entries.map(
    (e, i) => (entryBytes[i] ?? 0) + (e.logName ? 0 : field(1)) + (e.resource === null ? field(2) : 0),
  );
}

/** The kind of object an event entry is about, from either event API's payload. */
function kindOf(payload: Record<string, unknown>): string | undefined {
  const ref = (payload['involvedObject'] ?? payload['regarding']) as { kind?: unknown } | undefined;
  return typeof ref?.kind === 'string' ? ref.kind : undefined;
}

export function rfc3339(seconds: number, nanos: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(nanos).padStart(9, '0')}Z`;
}
