/**
 * The one retry policy: bounded attempts, exponential backoff with full jitter, a cap per wait, honouring a
 * server's Retry-After, and never past a deadline (the run's own, derived from the function timeout).
 */
export type Attempt<T> =
  | { outcome: 'success'; value: T }
  | { outcome: 'retryable'; error: Error; retryAfterMs?: number }
  | { outcome: 'failure'; error: Error };

export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Epoch milliseconds after which no new attempt starts. */
  deadline: number;
  /** Injected for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
  signal?: AbortSignal;
}

export interface RetryResult<T> {
  attempt: Attempt<T>;
  attempts: number;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves after `ms`, or as soon as the signal aborts: a pause that a stop cuts short, never an error. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function withRetries<T>(
  policy: RetryPolicy,
  attemptOnce: (attempt: number) => Promise<Attempt<T>>,
): Promise<RetryResult<T>> {
  const wait = policy.sleep ?? sleep;
  const random = policy.random ?? Math.random;
  const now = policy.now ?? Date.now;
  let attempts = 0;
  for (;;) {
    attempts++;
    const attempt = await attemptOnce(attempts);
    if (attempt.outcome !== 'retryable' || attempts >= policy.maxAttempts) return { attempt, attempts };
    const backoff = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempts - 1)) * random();
    const delay = Math.max(backoff, attempt.retryAfterMs ?? 0);
    if (now() + delay >= policy.deadline || policy.signal?.aborted) return { attempt, attempts };
    await wait(delay, policy.signal);
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
