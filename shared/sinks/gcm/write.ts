import { withRetries, type Attempt, type RetryPolicy } from '../../runtime/retry.js';
import type { MonitoringApi, TimeSeries } from './api.js';
import { interpretFailure } from './outcome.js';

/**
 * Sends a round's series: at most 200 per request (one point each, every series in one request only, so no
 * two requests in flight share a series), a few requests at a time. A failed request is retried for what may
 * pass later, within the run (its AbortSignal), sending again only the series not yet stored.
 */
export const MAX_SERIES_PER_REQUEST = 200;

export interface WriteOptions {
  readonly api: MonitoringApi;
  readonly project: string;
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

export async function writeSeries(series: readonly TimeSeries[], options: WriteOptions): Promise<WriteTally> {
  return writeBlocks([series], options);
}

/**
 * Writes series as they come, block after block: requests are cut from the blocks as workers are free, so only
 * the requests in flight and the block being cut are held at once.
 */
export async function writeBlocks(
  blocks: Iterable<readonly TimeSeries[]>,
  options: WriteOptions,
): Promise<WriteTally> {
  const tally = emptyTally();
  const requests = requestsOf(blocks);
  const worker = async (): Promise<void> => {
    for (let next = requests.next(); next.done !== true; next = requests.next())
      await writeRequest(next.value, options, tally);
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return tally;
}

/** Requests of at most 200 series, filled across blocks. */
function* requestsOf(blocks: Iterable<readonly TimeSeries[]>): Generator<TimeSeries[], void, undefined> {
  let request: TimeSeries[] = [];
  for (const block of blocks)
    for (const s of block) {
      request.push(s);
      if (request.length === MAX_SERIES_PER_REQUEST) {
        yield request;
        request = [];
      }
    }
  if (request.length > 0) yield request;
}

async function writeRequest(request: TimeSeries[], options: WriteOptions, tally: WriteTally): Promise<void> {
  let pending: readonly TimeSeries[] = request;
  let maybeStored = options.repeat ?? false;
  let reason = 'deadline';
  const attemptOnce = async (attempt: number): Promise<Attempt<void>> => {
    if (options.signal.aborted) return { outcome: 'failure', error: new Error('run deadline reached') };
    if (attempt > 1) tally.retried += pending.length;
    tally.requests++;
    const result = await options.api.createTimeSeries(options.project, pending, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    });
    if (result.ok) {
      tally.written += pending.length;
      pending = [];
      return { outcome: 'success', value: undefined };
    }
    if (options.signal.aborted) {
      // Cut off by the run's deadline: whether the service stored the points is not known.
      reason = 'deadline';
      return { outcome: 'failure', error: new Error(result.error.message) };
    }
    const outcome = interpretFailure(result.error, pending, maybeStored);
    tally.written += outcome.written;
    tally.confirmed += outcome.confirmed;
    for (const [r, n] of Object.entries(outcome.rejected)) tally.rejected[r] = (tally.rejected[r] ?? 0) + n;
    if (tally.samples.length < 5) tally.samples.push(result.error.message.slice(0, 500));
    pending = outcome.retry;
    maybeStored = outcome.maybeStored;
    reason = outcome.retryReason;
    if (pending.length === 0) return { outcome: 'success', value: undefined };
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
  if (pending.length > 0) tally.rejected[reason] = (tally.rejected[reason] ?? 0) + pending.length;
}
