import type { KubeEvent } from '../../kube/event-stream.js';
import type { Logger } from '../../runtime/log.js';
import { withRetries, type Attempt } from '../../runtime/retry.js';
import type { EventSink, EventWriteReport } from '../sink.js';
import type { GclSinkConfig } from './config.js';
import { loggingWriter, type GclWriter, type WriteCall } from './gcl-client.js';
import {
  clusterResourceOf,
  ENTRY_BUDGET_BYTES,
  eventToLogEntry,
  logNameOf,
  type EntryContext,
  type EventLogEntry,
  type EventResource,
} from './event-to-log-entry.js';
import { httpMetadata, resolveTarget, type Env, type MetadataLookup, type RuntimeTarget } from './runtime.js';
import {
  codeName,
  GRPC,
  isRetryableCode,
  rejectReason,
  type EntryError,
  type RejectReason,
} from './write-errors.js';

/**
 * The `gcl` event sink: every occurrence one Cloud Logging entry, written with the real client. Requests stay
 * under the API's 10 MB, with partial_success so one bad entry does not sink its batch. Entries the service
 * refuses for good are counted by reason and never retried; when the service is away, slow or overloaded
 * (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, INTERNAL) the sink retries briefly, then reports an
 * error so the watcher retries the batch: entries are idempotent per occurrence, so nothing is stored twice.
 */
export interface GclSinkLimits {
  /** Per entry, encoded; see ENTRY_BUDGET_BYTES. */
  readonly maxEntryBytes: number;
  /** Per WriteLogEntries request, estimated from the entries; the API takes 10 MB. */
  readonly maxRequestBytes: number;
  readonly maxEntriesPerRequest: number;
  readonly retry: {
    readonly maxAttempts: number;
    readonly initialDelayMs: number;
    readonly maxDelayMs: number;
  };
  /** No new attempt starts this long after a write began. */
  readonly retryWithinMs: number;
}

export const DEFAULT_GCL_LIMITS: GclSinkLimits = {
  maxEntryBytes: ENTRY_BUDGET_BYTES,
  maxRequestBytes: 9 * 1024 * 1024,
  // The client library's own batching stopped at 1000 entries; requests this size stay quick to retry.
  maxEntriesPerRequest: 1000,
  retry: { maxAttempts: 3, initialDelayMs: 250, maxDelayMs: 2_000 },
  retryWithinMs: 5_000,
};

export interface GclSinkDeps {
  readonly clusterName: string;
  readonly env: Env;
  readonly log: Logger;
  readonly now?: () => number;
  /** Where project and location come from when neither the URI nor the environment gives them. */
  readonly metadata?: MetadataLookup;
  /** Makes the WriteLogEntries caller; the real client by default. */
  readonly writer?: (target: RuntimeTarget) => GclWriter;
  readonly limits?: Partial<GclSinkLimits>;
}

interface Item {
  readonly entry: EventLogEntry;
  readonly bytes: number;
}

interface Ready {
  readonly writer: GclWriter;
  readonly ctx: EntryContext;
  readonly clusterResource: EventResource;
}

class Tally {
  written = 0;
  retried = 0;
  unwritten = 0;
  error: string | undefined;
  readonly rejected: Record<string, number> = {};
  readonly examples: { insertId: string; reason: RejectReason; message: string }[] = [];

  reject(reason: RejectReason, insertId: string, message: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1;
    if (this.examples.length < 3) this.examples.push({ insertId, reason, message: message.slice(0, 300) });
  }

  fail(count: number, error: string): void {
    this.unwritten += count;
    this.error ??= error;
  }
}

export function gclEventSink(config: GclSinkConfig, deps: GclSinkDeps): EventSink {
  const limits: GclSinkLimits = { ...DEFAULT_GCL_LIMITS, ...deps.limits };
  const now = deps.now ?? Date.now;
  const name = `gcl?project=${config.project ?? '(runtime)'}&log=${config.logId}`;
  let ready: Promise<Ready> | undefined;

  const setup = async (): Promise<Ready> => {
    const target = await resolveTarget(config, deps.env, deps.metadata ?? httpMetadata(deps.env));
    const ctx: EntryContext = {
      ...target,
      clusterName: deps.clusterName,
      logName: logNameOf(target.project, config.logId),
      maxEntryBytes: limits.maxEntryBytes,
    };
    const makeWriter = deps.writer ?? ((t: RuntimeTarget) => loggingWriter(config, t));
    const clusterResource = clusterResourceOf(ctx);
    deps.log.info('gcl sink: writing events', { logName: ctx.logName, location: target.location });
    return { writer: makeWriter(target), ctx, clusterResource };
  };

  async function deliver(
    items: readonly Item[],
    r: Ready,
    tally: Tally,
    deadline: number,
    signal: AbortSignal,
  ): Promise<void> {
    let remaining = items;
    let bisect = false;
    const { attempt, attempts } = await withRetries(
      { ...limits.retry, deadline, now, signal },
      async (): Promise<Attempt<void>> => {
        const call = await untilAborted(
          r.writer.write(
            remaining.map((i) => i.entry),
            r.clusterResource,
            config.timeoutMs,
          ),
          signal,
        );
        if (call.ok) {
          tally.written += remaining.length;
          remaining = [];
          return { outcome: 'success', value: undefined };
        }
        const failure = new Error(`${codeName(call.code)}: ${call.message}`);
        if (call.entryErrors.size > 0) {
          const again: Item[] = [];
          remaining.forEach((item, i) => {
            const e = call.entryErrors.get(i);
            if (e === undefined) tally.written++;
            else if (isRetryableCode(e.code)) again.push(item);
            else tally.reject(rejectReason(e), item.entry.insertId, e.message);
          });
          remaining = again;
          return again.length === 0
            ? { outcome: 'success', value: undefined }
            : { outcome: 'retryable', error: failure };
        }
        // Without per-entry errors nothing was written: a lone bad entry is refused, a batch is halved to find it.
        if (call.code === GRPC.INVALID_ARGUMENT) {
          if (remaining.length === 1) {
            const only = remaining[0] as Item;
            tally.reject(rejectReason(call), only.entry.insertId, call.message);
            remaining = [];
          } else bisect = true;
          return { outcome: 'success', value: undefined };
        }
        return isRetryableCode(call.code)
          ? { outcome: 'retryable', error: failure }
          : { outcome: 'failure', error: failure };
      },
    );
    tally.retried += attempts - 1;
    if (bisect) {
      const half = Math.ceil(remaining.length / 2);
      await deliver(remaining.slice(0, half), r, tally, deadline, signal);
      await deliver(remaining.slice(half), r, tally, deadline, signal);
    } else if (remaining.length > 0) {
      tally.fail(remaining.length, attempt.outcome === 'success' ? 'not written' : attempt.error.message);
    }
  }

  return {
    name,
    async write(events: readonly KubeEvent[], signal: AbortSignal): Promise<EventWriteReport> {
      if (events.length === 0) return { sink: name, written: 0, rejected: {}, retried: 0 };
      let r: Ready;
      try {
        ready ??= setup();
        r = await ready;
      } catch (err) {
        ready = undefined;
        return { sink: name, written: 0, rejected: {}, retried: 0, error: (err as Error).message };
      }
      const tally = new Tally();
      const items: Item[] = [];
      let truncated = 0;
      for (const event of events) {
        const converted = eventToLogEntry(event, r.ctx);
        if (converted.kind === 'too-large') {
          tally.reject(
            'entry-too-large',
            `${event.metadata.uid}/${event.metadata.resourceVersion}`,
            `${converted.bytes} bytes`,
          );
        } else {
          if (converted.truncated) truncated++;
          items.push({ entry: converted.entry, bytes: converted.bytes });
        }
      }
      const deadline = now() + limits.retryWithinMs;
      for (const chunk of requestChunks(items, limits)) {
        if (signal.aborted) tally.fail(chunk.length, 'aborted before writing');
        else await deliver(chunk, r, tally, deadline, signal);
      }
      if (truncated > 0)
        deps.log.info('gcl sink: long event messages truncated to fit an entry', { truncated });
      if (tally.examples.length > 0)
        deps.log.warn('gcl sink: Cloud Logging refused entries for good', {
          rejected: tally.rejected,
          examples: tally.examples,
        });
      return {
        sink: name,
        written: tally.written,
        rejected: tally.rejected,
        retried: tally.retried,
        ...(tally.error === undefined
          ? {}
          : { error: `${tally.unwritten} of ${events.length} occurrences not written: ${tally.error}` }),
      };
    },
    async close() {
      const r = await ready?.catch(() => undefined);
      await r?.writer.close();
    },
  };
}

/** Consecutive runs of entries under the request size and count limits (an entry's tag and length included). */
export function requestChunks<T extends { readonly bytes: number }>(
  items: readonly T[],
  limits: Pick<GclSinkLimits, 'maxRequestBytes' | 'maxEntriesPerRequest'>,
): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = item.bytes + 5;
    if (
      current.length > 0 &&
      (bytes + size > limits.maxRequestBytes || current.length >= limits.maxEntriesPerRequest)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** The call's answer, or CANCELLED as soon as the signal aborts (the call itself runs on to its deadline). */
function untilAborted(call: Promise<WriteCall>, signal: AbortSignal): Promise<WriteCall> {
  const cancelled = (): WriteCall => ({
    ok: false,
    code: GRPC.CANCELLED,
    message: 'write aborted',
    entryErrors: new Map<number, EntryError>(),
  });
  if (signal.aborted) return Promise.resolve(cancelled());
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    call.then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        resolve({ ok: false, code: GRPC.UNKNOWN, message: String(err), entryErrors: new Map() });
      },
    );
  });
}
