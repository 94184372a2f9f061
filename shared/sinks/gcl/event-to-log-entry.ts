import { occurrenceKey, occurrenceTime } from '../../events/occurrence.js';
import type { KubeEvent } from '../../kube/event-stream.js';
import { logEntrySize, utf8Bytes } from './entry-size.js';

/**
 * One Kubernetes event occurrence as one Cloud Logging entry, for core/v1 and events.k8s.io/v1 events alike.
 * The entry's identity is the occurrence's: insertId from the event's uid and resourceVersion, timestamp from
 * the event's own times, so writing the same occurrence again (a retry, a relist) is a duplicate that Cloud
 * Logging drops from query results rather than a second entry.
 */
export const EVENT_RESOURCE_TYPES = ['k8s_pod', 'k8s_node', 'k8s_cluster'] as const;
export type EventResourceType = (typeof EVENT_RESOURCE_TYPES)[number];

export const EVENT_SEVERITIES = ['INFO', 'WARNING'] as const;
export type EventSeverity = (typeof EVENT_SEVERITIES)[number];
/** google.logging.type.LogSeverity numbers. */
export const SEVERITY_NUMBER: Readonly<Record<EventSeverity, number>> = { INFO: 200, WARNING: 400 };

export interface EventResource {
  readonly type: EventResourceType;
  readonly labels: Readonly<Record<string, string>>;
}

export interface EventTimestamp {
  readonly seconds: number;
  readonly nanos: number;
}

export interface EventLogEntry {
  readonly logName: string;
  readonly resource: EventResource;
  readonly timestamp: EventTimestamp;
  readonly severity: EventSeverity;
  readonly insertId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly jsonPayload: Record<string, unknown>;
}

export interface EntryContext {
  readonly project: string;
  /** The cluster's region or zone, the resources' `location` label. */
  readonly location: string;
  readonly clusterName: string;
  /** `projects/P/logs/<URL-encoded log ID>`, see logNameOf. */
  readonly logName: string;
  /** Entries are kept at or under this many encoded bytes; ENTRY_BUDGET_BYTES by default. */
  readonly maxEntryBytes?: number;
}

/** Cloud Logging's limit on one entry. */
export const MAX_ENTRY_BYTES = 256 * 1024;
/** The limit is approximate (measured on the service's internal sizes), so entries stay clear of it. */
export const ENTRY_BUDGET_BYTES = 250_000;
/** Longer label values are cut by the service; the sink cuts them itself, on a character boundary. */
export const MAX_LABEL_VALUE_BYTES = 64 * 1024;
/** Kubelets and the node controller write Node events into these namespaces (as Google's event-exporter trusts). */
export const NODE_EVENT_NAMESPACES: ReadonlySet<string> = new Set([
  'default',
  'kube-system',
  'kube-node-lease',
]);

export type ConvertedEvent =
  | {
      readonly kind: 'entry';
      readonly entry: EventLogEntry;
      readonly bytes: number;
      readonly truncated: boolean;
    }
  /** Too large even with its message cut down: the sink reports it rejected. */
  | { readonly kind: 'too-large'; readonly bytes: number };

/** `projects/P/logs/kubernetes.io%2Fevents`: the log ID URL-encoded, as the API requires. */
export function logNameOf(project: string, logId: string): string {
  return `projects/${project}/logs/${encodeURIComponent(logId)}`;
}

export function eventToLogEntry(event: KubeEvent, ctx: EntryContext): ConvertedEvent {
  const budget = ctx.maxEntryBytes ?? ENTRY_BUDGET_BYTES;
  const payload = payloadOf(event);
  const entry: EventLogEntry = {
    logName: ctx.logName,
    resource: resourceOf(event, ctx),
    timestamp: parseTimestamp(occurrenceTime(event) ?? ''),
    severity: event['type'] === 'Warning' ? 'WARNING' : 'INFO',
    insertId: occurrenceKey(event),
    labels: entryLabels(event),
    jsonPayload: payload,
  };
  const bytes = sizeOf(entry);
  if (bytes <= budget) return { kind: 'entry', entry, bytes, truncated: false };

  const field = longestText(payload);
  if (field === undefined) return { kind: 'too-large', bytes };
  const text = payload[field] as string;
  const textBytes = utf8Bytes(text);
  const marker = (kept: number): string => ` … [${field} truncated: ${kept} of ${textBytes} bytes kept]`;
  // Cutting n bytes of text shrinks the entry by at least n; the slack covers length prefixes getting shorter.
  const keep = textBytes - (bytes - budget) - utf8Bytes(marker(textBytes)) - 8;
  if (keep <= 0) return { kind: 'too-large', bytes };
  const cut = truncateUtf8(text, keep);
  const truncated: EventLogEntry = {
    ...entry,
    jsonPayload: { ...payload, [field]: cut + marker(utf8Bytes(cut)) },
  };
  const truncatedBytes = sizeOf(truncated);
  if (truncatedBytes > budget) return { kind: 'too-large', bytes };
  return { kind: 'entry', entry: truncated, bytes: truncatedBytes, truncated: true };
}

export function sizeOf(entry: EventLogEntry): number {
  return logEntrySize({ ...entry, severityNumber: SEVERITY_NUMBER[entry.severity] });
}

/**
 * The event as the entry's jsonPayload, without metadata.managedFields: the API server's bookkeeping of
 * which client set which field says nothing about the occurrence, and every byte is paid for in Cloud Logging.
 */
function payloadOf(event: KubeEvent): Record<string, unknown> {
  const metadata: Record<string, unknown> = { ...event.metadata };
  delete metadata['managedFields'];
  return { ...event, metadata };
}

/** The free-text field: `message` in core/v1, `note` in events.k8s.io/v1. */
function longestText(payload: Record<string, unknown>): 'message' | 'note' | undefined {
  const message = payload['message'];
  const note = payload['note'];
  const m = typeof message === 'string' ? message.length : -1;
  const n = typeof note === 'string' ? note.length : -1;
  if (m < 0 && n < 0) return undefined;
  return m >= n ? 'message' : 'note';
}

export interface ObjectReference {
  readonly kind?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly apiVersion?: string;
}

/** What the event is about: involvedObject (core/v1) or regarding (events.k8s.io/v1). */
export function involvedObject(event: KubeEvent): ObjectReference | undefined {
  const ref = event['involvedObject'] ?? event['regarding'];
  return typeof ref === 'object' && ref !== null ? (ref as ObjectReference) : undefined;
}

/**
 * The most specific monitored resource the event can be trusted to be about. An event's own namespace is
 * what RBAC allowed its writer, so a Pod event becomes a k8s_pod only when the Pod is in that namespace, and a
 * Node event a k8s_node only from the namespaces node components write to; anything else is the cluster's.
 */
export function resourceOf(event: KubeEvent, ctx: ResourceContext): EventResource {
  const base = clusterResourceOf(ctx).labels;
  const ref = involvedObject(event);
  const ns = event.metadata.namespace;
  const core = ref?.apiVersion === undefined || ref.apiVersion === '' || ref.apiVersion === 'v1';
  if (ref !== undefined && core && nonEmpty(ref.name) !== undefined) {
    if (ref.kind === 'Pod' && nonEmpty(ns) !== undefined && ref.namespace === ns)
      return {
        type: 'k8s_pod',
        labels: { ...base, namespace_name: ns as string, pod_name: ref.name as string },
      };
    if (ref.kind === 'Node' && ns !== undefined && NODE_EVENT_NAMESPACES.has(ns))
      return { type: 'k8s_node', labels: { ...base, node_name: ref.name as string } };
  }
  return { type: 'k8s_cluster', labels: base };
}

export type ResourceContext = Pick<EntryContext, 'project' | 'location' | 'clusterName'>;

export function clusterResourceOf(ctx: ResourceContext): EventResource {
  return {
    type: 'k8s_cluster',
    labels: { project_id: ctx.project, location: ctx.location, cluster_name: ctx.clusterName },
  };
}

/** reason, kind, name, namespace (of the object the event is about) and component, each only when present. */
export function entryLabels(event: KubeEvent): Record<string, string> {
  const ref = involvedObject(event);
  const labels: Record<string, string> = {};
  const put = (key: string, value: unknown): void => {
    const text = nonEmpty(value);
    if (text !== undefined) labels[key] = truncateUtf8(text, MAX_LABEL_VALUE_BYTES);
  };
  put('reason', event['reason']);
  put('kind', ref?.kind);
  put('name', ref?.name);
  put('namespace', ref?.namespace);
  put('component', componentOf(event));
  return labels;
}

/** Who reported the event, in either API's words. */
export function componentOf(event: KubeEvent): string | undefined {
  const source = event['source'] as { component?: unknown } | undefined;
  const deprecated = event['deprecatedSource'] as { component?: unknown } | undefined;
  return (
    nonEmpty(source?.component) ??
    nonEmpty(event['reportingComponent']) ??
    nonEmpty(event['reportingController']) ??
    nonEmpty(deprecated?.component)
  );
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/i;

/** An RFC 3339 time as a protobuf Timestamp, to the nanosecond; the epoch when unreadable. */
export function parseTimestamp(text: string): EventTimestamp {
  const match = RFC3339.exec(text.trim());
  if (match === null) return { seconds: 0, nanos: 0 };
  const ms = Date.parse(`${match[1]}${(match[3] as string).toUpperCase()}`);
  if (Number.isNaN(ms)) return { seconds: 0, nanos: 0 };
  return { seconds: Math.floor(ms / 1000), nanos: Number((match[2] ?? '').padEnd(9, '0')) };
}

/** At most `maxBytes` of UTF-8, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes) return text;
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  // Step back over continuation bytes (10xxxxxx) to the start of the character the cut falls in.
  while (end > 0 && ((buf[end] as number) & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
