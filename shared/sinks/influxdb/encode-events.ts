import { occurrenceTime } from '../../events/occurrence.js';
import type { EventObjectRef, KubeEvent } from '../../kube/kube-event.js';
import { parseRfc3339 } from '../../metrics/rfc3339.js';
import { quoteString, tagSet } from './line-protocol.js';
import { DEFAULT_CLUSTER_NAME, type EncodedLines } from './encode-metrics.js';

export interface EventEncodeOptions {
  readonly withFields: boolean;
  readonly clusterName: string | undefined;
}

export const EVENTS_MEASUREMENT = 'log/events';
export const EVENTS_WITH_FIELDS_MEASUREMENT = 'events';

/** Why an occurrence gets no point: an event with no time at all. */
export const ENCODING_REFUSALS: ReadonlySet<string> = new Set(['no-time']);

/**
 * Events as line protocol with nanosecond timestamps, Heapster's two forms:
 *   default:     `log/events` with field `value` = the event as JSON, tags uid, pod_id and pod_name (for pod
 *                events), hostname, object_name, kind, namespace_name, reason, type, cluster_name;
 *   withfields:  `events` with field `message`, tags uid, pod_id, object_name, type, kind, component, reason,
 *                namespace_name, hostname, cluster_name (what Heapster's events dashboard queries).
 *
 * Each occurrence of an event gets one timestamp that depends only on the occurrence, so writing it again
 * (a replayed watch, a retried run) overwrites the same point instead of adding one: the time it was
 * observed (series.lastObservedTime, else lastTimestamp, else eventTime, else firstTimestamp, else the
 * object's creation) to the microsecond, plus `count mod 1000` nanoseconds. The count, not the
 * resourceVersion, tells occurrences apart: every repeat raises it, while an update that is not a new
 * occurrence changes the resourceVersion only. Series are per event uid, so two occurrences of one event
 * would only collide when observed in the same microsecond with counts 1000 apart.
 */
export function encodeEvents(events: readonly KubeEvent[], options: EventEncodeOptions): EncodedLines {
  const out: EncodedLines = { lines: [], points: [], rejected: {} };
  for (const event of events) {
    const ts = occurrenceTimestamp(event);
    if (ts === undefined) {
      out.rejected['no-time'] = (out.rejected['no-time'] ?? 0) + 1;
      continue;
    }
    out.lines.push(options.withFields ? withFieldsLine(event, options, ts) : defaultLine(event, options, ts));
    out.points.push(1);
  }
  return out;
}

interface EventFacts {
  readonly object: EventObjectRef;
  readonly isPod: boolean;
  readonly hostname: string | undefined;
  readonly component: string | undefined;
  readonly cluster: string;
}

function facts(event: KubeEvent, options: EventEncodeOptions): EventFacts {
  const object = event.involvedObject ?? event.regarding ?? {};
  const source = event.source ?? event.deprecatedSource;
  const controller = event.reportingController ?? event.reportingComponent;
  return {
    object,
    isPod: object.kind === 'Pod',
    hostname: source?.host || (controller === 'kubelet' ? event.reportingInstance : undefined),
    component: source?.component || controller,
    cluster: options.clusterName ?? DEFAULT_CLUSTER_NAME,
  };
}

function defaultLine(event: KubeEvent, options: EventEncodeOptions, ts: string): string {
  const f = facts(event, options);
  const tags = tagSet([
    ['cluster_name', f.cluster],
    ['hostname', f.hostname],
    ['kind', f.object.kind],
    ['namespace_name', event.metadata.namespace],
    ['object_name', f.object.name],
    ['pod_id', f.isPod ? f.object.uid : undefined],
    ['pod_name', f.isPod ? f.object.name : undefined],
    ['reason', event.reason],
    ['type', event.type],
    ['uid', event.metadata.uid],
  ]);
  return `log/events${tags} value=${quoteString(JSON.stringify(event))} ${ts}`;
}

function withFieldsLine(event: KubeEvent, options: EventEncodeOptions, ts: string): string {
  const f = facts(event, options);
  const tags = tagSet([
    ['cluster_name', f.cluster],
    ['component', f.component],
    ['hostname', f.hostname],
    ['kind', f.object.kind],
    ['namespace_name', event.metadata.namespace],
    ['object_name', f.object.name],
    ['pod_id', f.isPod ? f.object.uid : undefined],
    ['reason', event.reason],
    ['type', event.type],
    ['uid', event.metadata.uid],
  ]);
  const message = event.message ?? event.note ?? '';
  return `events${tags} message=${quoteString(message)} ${ts}`;
}

/** The occurrence's timestamp in nanoseconds since the epoch, as decimal text; undefined without a time. */
export function occurrenceTimestamp(event: KubeEvent): string | undefined {
  const observed = occurrenceTime(event);
  if (observed === undefined) return undefined;
  const micros = rfc3339Micros(observed);
  if (micros === undefined) return undefined;
  const count = event.series?.count ?? event.count ?? event.deprecatedCount ?? 1;
  const offset = BigInt(Math.abs(Math.trunc(count)) % 1000);
  return String(micros * 1000n + offset);
}

/** RFC 3339 to microseconds since the epoch (metav1.MicroTime keeps six fraction digits). */
export function rfc3339Micros(text: string): bigint | undefined {
  const ms = parseRfc3339(text);
  if (Number.isNaN(ms)) return undefined;
  let micros = 0;
  if (text.charCodeAt(19) === 46) {
    // Fraction digits 4 to 6 (parseRfc3339 kept the first three), within the run of digits only.
    for (let i = 20, digit = 0, scale = 100; ; i++, digit++) {
      const c = text.charCodeAt(i) - 48;
      if (!(c >= 0 && c <= 9)) break;
      if (digit >= 3 && digit < 6) {
        micros += c * scale;
        scale /= 10;
      }
    }
  }
  return BigInt(ms) * 1000n + BigInt(micros);
}
