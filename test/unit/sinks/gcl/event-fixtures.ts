import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadAllYaml } from '@kubernetes/client-node';
import type { KubeEvent } from '../../../../shared/kube/event-stream.js';

/** The real event fixtures (test/fixtures/events), parsed afresh on every call so tests may change them. */
const DIR = fileURLToPath(new URL('../../../fixtures/events/', import.meta.url));

/** The 19 core/v1 events of a GKE cluster's EventList. */
export function gkeEventList(): KubeEvent[] {
  return (JSON.parse(readFileSync(DIR + 'dd-agent-core-v1-eventlist.json', 'utf8')) as { items: KubeEvent[] })
    .items;
}

/** A core/v1 event with every field set (fuzzer values). */
export function everyFieldCoreEvent(): KubeEvent {
  return JSON.parse(readFileSync(DIR + 'k8s-testdata-core.v1.Event.json', 'utf8')) as KubeEvent;
}

/** An events.k8s.io/v1 event with every field set (placeholder values). */
export function everyFieldEventsV1(): KubeEvent {
  return loadAllYaml(readFileSync(DIR + 'k8s-testdata-events.k8s.io.v1.Event.yaml', 'utf8'))[0] as KubeEvent;
}

/**
 * events.k8s.io/v1 manifests as tests apply them: the API server adds uid and resourceVersion, so these get
 * made-up ones (`<name>-uid`, "1").
 */
export function appliedEventsV1(
  file: 'otel-k8sevents-event.yaml' | 'otel-k8sobjects-event.yaml',
): KubeEvent[] {
  return loadAllYaml(readFileSync(DIR + file, 'utf8')).map((doc: KubeEvent) => ({
    ...doc,
    metadata: { ...doc.metadata, uid: `${doc.metadata.name}-uid`, resourceVersion: '1' },
  }));
}

/**
 * The GKE events as if they had just happened: first and last timestamps moved to `nowMs` minus one second
 * per position (whole seconds, as core/v1 writes them), uid suffixed with `copy` when several copies are needed.
 */
export function recentGkeEvents(nowMs: number, copy?: number): KubeEvent[] {
  return gkeEventList().map((e, i) => {
    const at = new Date(Math.floor(nowMs / 1000) * 1000 - i * 1000).toISOString().replace('.000Z', 'Z');
    const uid = copy === undefined ? e.metadata.uid : `${e.metadata.uid}-${copy}`;
    return { ...e, metadata: { ...e.metadata, uid }, firstTimestamp: at, lastTimestamp: at };
  });
}
