import { mapLimit } from '../../runtime/limit.js';
import { withRetries, type Attempt } from '../../runtime/retry.js';
import { RETRYABLE, type PostOutcome } from './http.js';
import { parsePartialWrite, REFUSALS } from './partial-write.js';
import { errorMessage } from '../../runtime/log.js';

/**
 * Sends encoded lines in requests of at most `batchLines` lines and `batchBytes` bytes, `concurrency` at a
 * time, and awaits them all. Each request is retried on 429, 5xx, network errors and timeouts with backoff
 * (never sooner than a Retry-After asks), up to `attempts` tries and never past the run's signal. A partial
 * write (partial-write.ts) is final: the lines the server kept count as written, the others as refused by
 * reason. Any other 400 (or 413) splits the request in halves, recursively, so that the bad lines are found
 * and reported while every good line is written; a budget of splits bounds the requests a batch full of bad
 * lines can cost.
 */
export interface SendOptions {
  readonly batchLines: number;
  readonly batchBytes: number;
  readonly concurrency: number;
  readonly attempts: number;
  readonly signal: AbortSignal;
  /** One request with these lines. */
  readonly post: (lines: readonly string[]) => Promise<PostOutcome>;
  /** Called once per request when the server says the database is missing; true when it was created. */
  readonly createDatabase?: () => Promise<boolean>;
  readonly backoff?: Backoff;
}

export interface Backoff {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF: Backoff = { initialDelayMs: 250, maxDelayMs: 5_000 };
/** Splits of 400 answers per send: about 7 bad lines isolated in a batch of 5000. */
export const SPLIT_BUDGET = 100;
const SAMPLES = 5;

/** Reasons for points that sending again cannot write: the server refused them, not the moment. */
export const PERMANENT: ReadonlySet<string> = new Set<string>([...REFUSALS, 'bad-request', 'too-large']);

export interface SendResult {
  /** Points written (a line carries one or more). */
  written: number;
  /**
   * Points not written, by reason: a request failure, a refusal (partial-write.ts), or `bad-line` for lines
   * the server refused alone.
   */
  rejected: Record<string, number>;
  /** Of those, points not written for a reason that may pass (not in PERMANENT): a later send may write them. */
  unsent: number;
  /** Requests sent again after a retryable failure. */
  retried: number;
  /** Requests sent in all. */
  requests: number;
  /** A few failure messages and refused lines, for the log. */
  messages: string[];
  badLines: string[];
}

/** [start, end) ranges of lines within the limits; a line larger than batchBytes goes alone. */
export function planBatches(
  lines: readonly string[],
  batchLines: number,
  batchBytes: number,
): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < lines.length; i++) {
    const size = Buffer.byteLength(lines[i] as string) + 1;
    if (i > start && (i - start >= batchLines || bytes + size > batchBytes)) {
      ranges.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (start < lines.length) ranges.push([start, lines.length]);
  return ranges;
}

export async function sendLines(
  lines: readonly string[],
  points: readonly number[],
  options: SendOptions,
): Promise<SendResult> {
  const result: SendResult = {
    written: 0,
    rejected: {},
    unsent: 0,
    retried: 0,
    requests: 0,
    messages: [],
    badLines: [],
  };
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  let splits = 0;
  const count = (start: number, end: number): number => {
    let n = 0;
    for (let i = start; i < end; i++) n += points[i] as number;
    return n;
  };
  const reject = (reason: string, n: number, message: string): void => {
    result.rejected[reason] = (result.rejected[reason] ?? 0) + n;
    if (!PERMANENT.has(reason)) result.unsent += n;
    if (result.messages.length < SAMPLES) result.messages.push(message);
  };
  const sample = (line: string): void => {
    if (result.badLines.length < SAMPLES) result.badLines.push(line.slice(0, 300));
  };

  const sendOnce = async (start: number, end: number): Promise<PostOutcome> => {
    const batch = lines.slice(start, end);
    let last: PostOutcome = { ok: false, failure: 'deadline', message: 'not sent' };
    let createTried = false;
    let tries = 0;
    try {
      await withRetries<PostOutcome>(
        {
          maxAttempts: options.attempts,
          initialDelayMs: backoff.initialDelayMs,
          maxDelayMs: backoff.maxDelayMs,
          deadline: Number.POSITIVE_INFINITY,
          signal: options.signal,
          ...(backoff.sleep ? { sleep: backoff.sleep } : {}),
          ...(backoff.random ? { random: backoff.random } : {}),
        },
        async (): Promise<Attempt<PostOutcome>> => {
          result.requests++;
          tries++;
          last = await options.post(batch);
          if (last.ok) return { outcome: 'success', value: last };
          const error = new Error(last.message);
          if (last.failure === 'database-not-found' && !createTried && options.createDatabase) {
            createTried = true;
            if (await options.createDatabase()) return { outcome: 'retryable', error, retryAfterMs: 0 };
          }
          if (RETRYABLE.has(last.failure))
            return {
              outcome: 'retryable',
              error,
              ...(last.retryAfterMs !== undefined ? { retryAfterMs: last.retryAfterMs } : {}),
            };
          return { outcome: 'failure', error };
        },
      );
    } catch {
      // The wait before a retry was cut by the run's signal: what is left is past the deadline.
      last = {
        ok: false,
        failure: 'deadline',
        message: `stopped waiting to retry: ${errorMessage(options.signal.reason)}`,
      };
    }
    result.retried += Math.max(0, tries - 1);
    return last;
  };

  const sendRange = async (start: number, end: number): Promise<void> => {
    const outcome = await sendOnce(start, end);
    if (outcome.ok) {
      result.written += count(start, end);
      return;
    }
    const partial =
      (outcome.status === 400 || outcome.status === 422) && outcome.body !== undefined
        ? parsePartialWrite(outcome.body, end - start)
        : undefined;
    if (partial !== undefined) {
      const points = count(start, end);
      // `dropped` counts lines; a line of several fields (withfields) carries several points.
      const refused =
        partial.refused === end - start ? points : Math.round((partial.refused * points) / (end - start));
      result.written += points - refused;
      reject(partial.reason, refused, outcome.message);
      partial.badLines.forEach(sample);
      return;
    }
    const splittable = outcome.failure === 'bad-request' || outcome.failure === 'too-large';
    if (splittable && end - start > 1 && splits < SPLIT_BUDGET) {
      splits++;
      const middle = start + ((end - start) >> 1);
      await sendRange(start, middle);
      await sendRange(middle, end);
      return;
    }
    if (outcome.failure === 'bad-request' && end - start === 1) {
      reject('bad-line', count(start, end), outcome.message);
      sample(lines[start] as string);
      return;
    }
    reject(outcome.failure, count(start, end), outcome.message);
  };

  const ranges = planBatches(lines, options.batchLines, options.batchBytes);
  await mapLimit(ranges, options.concurrency, ([start, end]) => sendRange(start, end));
  return result;
}
