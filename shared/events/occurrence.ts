import { createHash } from 'node:crypto';
import type { KubeEvent } from '../kube/kube-event.js';

/**
 * An event occurrence: one state of one event (a new event, or a repeat that bumped its count) is identified
 * by the event's uid and the resourceVersion of that state. Sinks derive their idempotency keys from it, so
 * writing the same occurrence twice (after a crash or a relist) stores it once.
 */
export function occurrenceKey(event: KubeEvent): string {
  return `${event.metadata.uid}/${event.metadata.resourceVersion}`;
}

/** A 52-bit number for the occurrence, for compact journals (collisions: about 1 in 10^6 at 100,000 entries). */
export function occurrenceId(event: KubeEvent): number {
  const digest = createHash('sha1').update(occurrenceKey(event)).digest();
  return digest.readUIntBE(0, 6) * 16 + ((digest[6] as number) >> 4);
}

/**
 * When the occurrence happened, deterministically from the event itself: series.lastObservedTime, else
 * lastTimestamp (deprecatedLastTimestamp in events.k8s.io/v1), else eventTime, else firstTimestamp, else the
 * event's creationTimestamp. Every sink stamps the occurrence with it, so a rewrite lands on the same time.
 */
export function occurrenceTime(event: KubeEvent): string | undefined {
  return (
    event.series?.lastObservedTime ||
    event.lastTimestamp ||
    event.deprecatedLastTimestamp ||
    event.eventTime ||
    event.firstTimestamp ||
    event.deprecatedFirstTimestamp ||
    event.metadata.creationTimestamp ||
    undefined
  );
}
