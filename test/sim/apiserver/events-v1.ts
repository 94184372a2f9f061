import type { KubeObject } from './types.js';

/**
 * The events.k8s.io/v1 view of a stored core/v1 Event, by the upstream conversion (pkg/apis/events/v1):
 * involvedObject -> regarding, message -> note, source -> deprecatedSource, firstTimestamp/lastTimestamp/count
 * -> deprecated*, reportingComponent -> reportingController; metadata (uid, resourceVersion) is shared.
 * Fields appear in the order and with the emptiness rules of the Go struct: eventTime, regarding and
 * deprecatedSource are always present, the timestamps are null when unset, the rest is left out when empty.
 */
export function toEventsV1(core: KubeObject): KubeObject {
  const out: KubeObject = { kind: 'Event', apiVersion: 'events.k8s.io/v1', metadata: core.metadata };
  out.eventTime = core.eventTime ?? null;
  if (isObject(core.series)) {
    const series: Record<string, unknown> = { count: core.series.count ?? 0 };
    series.lastObservedTime = core.series.lastObservedTime ?? null;
    out.series = series;
  }
  setIfNotEmpty(out, 'reportingController', core.reportingComponent);
  setIfNotEmpty(out, 'reportingInstance', core.reportingInstance);
  setIfNotEmpty(out, 'action', core.action);
  setIfNotEmpty(out, 'reason', core.reason);
  out.regarding = isObject(core.involvedObject) ? core.involvedObject : {};
  if (isObject(core.related)) out.related = core.related;
  setIfNotEmpty(out, 'note', core.message);
  setIfNotEmpty(out, 'type', core.type);
  out.deprecatedSource = isObject(core.source) ? core.source : {};
  out.deprecatedFirstTimestamp = core.firstTimestamp ?? null;
  out.deprecatedLastTimestamp = core.lastTimestamp ?? null;
  if (typeof core.count === 'number' && core.count !== 0) out.deprecatedCount = core.count;
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function setIfNotEmpty(target: KubeObject, field: string, value: unknown): void {
  if (value !== undefined && value !== null && value !== '') target[field] = value;
}
