import type { Batch } from '../metrics/model.js';
import type { KubeEvent } from '../kube/event-stream.js';
import { errorMessage } from '../runtime/log.js';

/**
 * What every metric sink answers for a round: points accepted, points rejected by reason, retries, and an
 * error when the sink failed as a whole. A sink never throws for a write: failures are values in the report.
 */
export interface WriteReport {
  readonly sink: string;
  readonly written: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly retried: number;
  readonly error?: string;
}

export interface MetricSink {
  /** The sink as configured, for reports (its URI without secrets). */
  readonly name: string;
  /**
   * The batch's arrays are valid until the returned promise settles (the next round reuses them): a sink that
   * keeps points for later keeps a copy.
   */
  write(batch: Batch, signal: AbortSignal): Promise<WriteReport>;
  close(): Promise<void>;
}

export function failedReport(sink: string, error: unknown, rejected = 0): WriteReport {
  return {
    sink,
    written: 0,
    rejected: rejected > 0 ? { 'sink-failed': rejected } : {},
    retried: 0,
    error: errorMessage(error),
  };
}

/**
 * What an event sink answers for a batch: occurrences stored, occurrences the service refused for good (by
 * reason, never retried), and `error` when some could not be written now (the caller retries the batch:
 * sinks are idempotent per occurrence, so a retry stores nothing twice).
 */
export interface EventWriteReport {
  readonly sink: string;
  readonly written: number;
  readonly rejected: Readonly<Record<string, number>>;
  readonly retried: number;
  readonly error?: string;
}

export interface EventSink {
  readonly name: string;
  write(events: readonly KubeEvent[], signal: AbortSignal): Promise<EventWriteReport>;
  close(): Promise<void>;
}
