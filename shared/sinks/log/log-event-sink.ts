import type { KubeEvent } from '../../kube/event-stream.js';
import { occurrenceKey, occurrenceTime } from '../../events/occurrence.js';
import type { EventSink, EventWriteReport } from '../sink.js';

/** Heapster's debugging sink for events: one JSON line per occurrence on standard output. */
export function logEventSink(write: (text: string) => void = (t) => process.stdout.write(t)): EventSink {
  return {
    name: 'log',
    async write(events: readonly KubeEvent[]): Promise<EventWriteReport> {
      const lines = events.map((e) => {
        const x = e as KubeEvent & {
          type?: string;
          reason?: string;
          message?: string;
          note?: string;
          involvedObject?: unknown;
          regarding?: unknown;
        };
        return JSON.stringify({
          occurrence: occurrenceKey(e),
          time: occurrenceTime(e),
          namespace: e.metadata.namespace,
          type: x.type,
          reason: x.reason,
          object: x.involvedObject ?? x.regarding,
          message: x.message ?? x.note,
        });
      });
      if (lines.length > 0) write(lines.join('\n') + '\n');
      return { sink: 'log', written: events.length, rejected: {}, retried: 0 };
    },
    close: async () => undefined,
  };
}
