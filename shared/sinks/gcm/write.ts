import { withRetries, type Attempt, type RetryPolicy } from '../../runtime/retry.js';
import type { MonitoringApi } from './api.js';
import { interpretFailure } from './outcome.js';
import { subsetRequest, type EncodedRequest } from './wire.js';

/**
 * Sends a round's requests (at most 200 series each, one point each, every series in one request only, so no
 * two requests in flight share a series), a few at a time. A failed request is retried for what may pass
 * later, within the run (its AbortSignal), sending again only the series not yet stored.
 */

export interface WriteOptions {
  readonly api: MonitoringApi;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** The round was written before in this process: points refused as already there were stored then. */
  readonly repeat?: boolean;
  /** Overrides of the retry policy (tests: sleep, random). */
  readonly retry?: Partial<Omit<RetryPolicy, 'deadline' | 'signal'>>;
}

export interface WriteTally {
  written: number;
  rejected: Record<string, number>;
  /** Points sent again after a failure that may pass later. */
  retried: number;
  requests: number;
  /** Points refused as already there right after an attempt that may have stored them: counted as written. */
  confirmed: number;
  /** A few failure messages for the log. */
  samples: string[];
}

export const emptyTally = (): WriteTally => ({
  written: 0,
  rejected: {},
  retried: 0,
  requests: 0,
  confirmed: 0,
  samples: [],
});

/**
 * Writes requests as they come: they are pulled as workers are free, so only the requests in flight and the
 * one being cut are held at once.
 */
export async function writeRequests(
  requests: Iterable<EncodedRequest>,
  options: WriteOptions,
): Promise<WriteTally> {
  const tally = emptyTally();
  const pending = requests[Symbol.iterator]();
  const worker = async (): Promise<void> => {
    for (let next = pending.next(); next.done !== true; next = pending.next())
      await writeRequest(next.value, options, tally);
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return tally;
}

async function writeRequest(
  request: EncodedRequest,
  options: WriteOptions,
  tally: WriteTally,
): Promise<void> {
  let pending = request;
  let maybeStored = options.repeat ?? false;
  let reason = 'deadline';
  const attemptOnce = async (attempt: number): Promise<Attempt<void>> => {
    if (options.signal.aborted) return { outcome: 'failure', error: new Error('run deadline reached') };
    if (attempt > 1) tally.retried += pending.count;
    tally.requests++;
    const result = await options.api.createTimeSeries(pending, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    if (result.ok) {
      tally.written += pending.count;
      pending = NOTHING;
      return { outcome: 'success', value: undefined };
    }
    if (options.signal.aborted) {
      // Cut off by the run's deadline: whether the service stored the points is not known.
      reason = 'deadline';
      return { outcome: 'failure', error: new Error(result.error.message) };
    }
    const sent = Array.from({ length: pending.count }, (_, i) => i);
    const outcome = interpretFailure(result.error, sent, maybeStored);
    tally.written += outcome.written;
    tally.confirmed += outcome.confirmed;
    for (const [r, n] of Object.entries(outcome.rejected)) tally.rejected[r] = (tally.rejected[r] ?? 0) + n;
    if (tally.samples.length < 5) tally.samples.push(result.error.message.slice(0, 500));
    pending = outcome.retry.length === 0 ? NOTHING : subsetRequest(pending, outcome.retry);
    maybeStored = outcome.maybeStored;
    reason = outcome.retryReason;
    if (pending.count === 0) return { outcome: 'success', value: undefined };
    return {
      outcome: 'retryable',
      error: new Error(result.error.message),
      ...(outcome.retryDelayMs !== undefined ? { retryAfterMs: outcome.retryDelayMs } : {}),
    };
  };
  try {
    await withRetries(
      {
        maxAttempts: 6,
        initialDelayMs: 250,
        maxDelayMs: 8_000,
        ...options.retry,
        deadline: Number.POSITIVE_INFINITY,
        signal: options.signal,
      },
      attemptOnce,
    );
  } catch {
    // The run's deadline ended a wait between attempts: what is pending keeps the last failure's reason.
  }
  if (pending.count > 0) tally.rejected[reason] = (tally.rejected[reason] ?? 0) + pending.count;
}

const NOTHING: EncodedRequest = { bytes: Buffer.alloc(0), starts: new Uint32Array(1), count: 0 };
