import { isRetryable, outcomeUnknown, type CallError } from './api.js';
import { classify, failedSeries, reasonOfCode } from './partial.js';
import { readDetails } from './status-details.js';

/**
 * What one failed CreateTimeSeries means for its points: how many were written after all, which were refused
 * and why, and which to send again. Only points the service failed for a passing reason (unavailable, slow,
 * rate limited) are sent again; the ones it stored are never resent.
 */
export interface CallOutcome<S> {
  readonly written: number;
  readonly rejected: Readonly<Record<string, number>>;
  /** The series to send again, a subset of the request's. */
  readonly retry: readonly S[];
  /** Why they failed, for the report if they never get through. */
  readonly retryReason: string;
  /** The service may have stored some of `retry` already (the call timed out or the connection dropped). */
  readonly maybeStored: boolean;
  /** Points the service refused as not newer than what it holds, right after an attempt that may have stored them. */
  readonly confirmed: number;
  readonly retryDelayMs?: number;
}

/**
 * @param maybeStoredBefore the previous attempt for these series ended in a way that may have stored them; a
 *   series it did store is now refused as out of order, which confirms it was written.
 */
export function interpretFailure<S>(
  error: CallError,
  sent: readonly S[],
  maybeStoredBefore: boolean,
): CallOutcome<S> {
  const details = readDetails(error.statusDetails);
  const retryDelayMs = details.retryDelayMs ?? error.retryDelayMs;
  const delay = retryDelayMs === undefined ? {} : { retryDelayMs };
  const summary = details.summary;
  if (summary === undefined) {
    const reason = reasonOfCode(error.code, error.message);
    if (isRetryable(error.code))
      return {
        written: 0,
        rejected: {},
        retry: sent,
        retryReason: reason,
        maybeStored: outcomeUnknown(error.code),
        confirmed: 0,
        ...delay,
      };
    if (maybeStoredBefore && reason === 'out-of-order')
      return {
        written: sent.length,
        rejected: {},
        retry: [],
        retryReason: reason,
        maybeStored: false,
        confirmed: sent.length,
      };
    return {
      written: 0,
      rejected: { [reason]: sent.length },
      retry: [],
      retryReason: reason,
      maybeStored: false,
      confirmed: 0,
    };
  }

  const failed = failedSeries(error.message, sent.length);
  const rejected: Record<string, number> = {};
  const retry: S[] = [];
  const taken = new Set<number>();
  let written = summary.successPointCount;
  let confirmed = 0;
  let retryReason = 'unavailable';
  let maybeStored = false;
  for (const e of summary.errors) {
    const reason = e.code === 3 ? classify(e.message) : reasonOfCode(e.code, e.message);
    if (isRetryable(e.code)) {
      // The summary counts; the message says which: its segments quote the error's own text.
      const mine = failed.filter((f) => !taken.has(f.index) && segmentMatches(f.text, e.message, reason));
      const resend = mine.slice(0, e.pointCount);
      for (const f of resend) {
        taken.add(f.index);
        retry.push(sent[f.index] as S);
      }
      retryReason = reason;
      maybeStored ||= outcomeUnknown(e.code);
      if (resend.length < e.pointCount) add(rejected, reason, e.pointCount - resend.length);
    } else if (maybeStoredBefore && reason === 'out-of-order') {
      written += e.pointCount;
      confirmed += e.pointCount;
    } else {
      add(rejected, reason, e.pointCount);
    }
  }
  return { written, rejected, retry, retryReason, maybeStored, confirmed, ...delay };
}

function segmentMatches(segment: string, message: string, reason: string): boolean {
  const head = message.trim().slice(0, 60);
  return (head !== '' && segment.includes(head)) || classify(segment) === reason;
}

function add(into: Record<string, number>, reason: string, n: number): void {
  if (n > 0) into[reason] = (into[reason] ?? 0) + n;
}
