import type { Dispatcher } from 'undici';
import { parseRetryAfter } from './retry.js';

/** Why a GET did not produce a usable body: the reasons a scrape report names. */
export const FETCH_FAILURES = [
  'timeout',
  'unreachable',
  'connection',
  'http-status',
  'too-large',
  'aborted',
] as const;
export type FetchFailure = (typeof FETCH_FAILURES)[number];

export type FetchOutcome =
  | { ok: true; status: number; body: Buffer }
  | { ok: false; reason: FetchFailure; message: string; status?: number; retryAfterMs?: number };

export interface GetOptions {
  /** An undici Agent (it pools connections per origin), reused across the requests of a run. */
  dispatcher: Dispatcher;
  headers?: Record<string, string>;
  /** Whole request, connect to last byte. */
  timeoutMs: number;
  /** A body larger than this is abandoned as too-large, without reading the rest. */
  maxBytes: number;
  /** The run's own signal: aborting it abandons the request as aborted. */
  signal?: AbortSignal;
}

/** The body of a successful GET, still in the chunks it arrived in, by the outcome it belongs to. */
const unjoined = new WeakMap<object, { readonly chunks: readonly Buffer[]; readonly size: number }>();

/**
 * A successful outcome whose body Buffer is joined from the chunks only when it is first read: a caller that
 * wants the text (bodyText) never makes that copy. Joining allocates outside the JS heap, and at tens of KiB
 * per summary that allocation is what made V8 run full collections during a scrape.
 */
function okOutcome(status: number, chunks: Buffer[], size: number): Extract<FetchOutcome, { ok: true }> {
  let joined: Buffer | undefined;
  const outcome = {
    ok: true as const,
    status,
    get body(): Buffer {
      if (joined === undefined) {
        joined = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
        unjoined.delete(outcome);
      }
      return joined;
    },
  };
  unjoined.set(outcome, { chunks, size });
  return outcome;
}

/** Bodies up to this size are decoded through one buffer kept for the process; larger ones get their own. */
const REUSED_BUFFER_LIMIT = 4 * 1024 * 1024;
let reused = Buffer.allocUnsafeSlow(0);

/**
 * The body as UTF-8 text. For an outcome as httpGet returned it, decoded from its chunks through one reused
 * buffer (UTF-8 sequences may straddle chunks, so they are not decoded one by one); for any other outcome
 * (a copy, a stand-in), from its body.
 */
export function bodyText(outcome: Extract<FetchOutcome, { ok: true }>): string {
  const parts = unjoined.get(outcome);
  if (parts === undefined) return outcome.body.toString('utf8');
  const { chunks, size } = parts;
  if (chunks.length === 1) return (chunks[0] as Buffer).toString('utf8');
  if (size > REUSED_BUFFER_LIMIT) return Buffer.concat(chunks, size).toString('utf8');
  if (reused.length < size) reused = Buffer.allocUnsafeSlow(Math.min(REUSED_BUFFER_LIMIT, size * 2));
  let at = 0;
  for (const chunk of chunks) {
    reused.set(chunk, at);
    at += chunk.length;
  }
  return reused.toString('utf8', 0, size);
}

/** Node's codes for a peer that could not be reached at all: refused, no route, no such name. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

type Failure = Extract<FetchOutcome, { ok: false }>;

/**
 * The reason for an error undici reported: its own errors (UND_ERR_SOCKET for a socket closed under the
 * request, ...) and Node's socket, DNS and TLS errors, which it passes on as they are.
 */
function failureOf(err: Error, bodyBytes: number | undefined): Failure {
  const code = (err as NodeJS.ErrnoException).code;
  // Connecting to every address of a name (Node's autoSelectFamily) fails with all their errors in one.
  const text =
    err.message !== '' || !(err instanceof AggregateError)
      ? err.message
      : err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).join('; ');
  const message = code ? `${code}: ${text}` : text;
  if (code !== undefined && UNREACHABLE.has(code)) return { ok: false, reason: 'unreachable', message };
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return { ok: false, reason: 'timeout', message };
  return {
    ok: false,
    reason: 'connection',
    message:
      bodyBytes === undefined
        ? message
        : `connection closed after ${bodyBytes} bytes of the body: ${message}`,
  };
}

/** Bytes of a non-2xx body kept for its message. */
const STATUS_BODY_LIMIT = 4096;

/**
 * One GET with a deadline and a size cap, never throwing: every way it can go wrong comes back as a reason.
 * Bodies of non-2xx answers are read (capped at 4 KiB) for the message. Uses undici's dispatch handler
 * directly: the body arrives as the chunks the socket read, with no stream in between.
 */
export function httpGet(url: URL, options: GetOptions): Promise<FetchOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let ended = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let limit = options.maxBytes;
    let retryAfter: string | undefined;
    let size = 0;
    const chunks: Buffer[] = [];
    const finish = (outcome: FetchOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // The rest of an abandoned answer is not read: the connection goes, not back to the pool.
      if (!ended) controller?.abort(new Error(outcome.ok ? 'settled' : outcome.message));
      resolve(outcome);
    };
    const finishStatus = (): void => {
      const retryAfterMs = parseRetryAfter(retryAfter);
      finish({
        ok: false,
        reason: 'http-status',
        status,
        message: `HTTP ${status}: ${Buffer.concat(chunks).toString('utf8', 0, 300).trim()}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      });
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        // Settled while waiting for a connection (deadline, abort): give the connection back unused.
        if (settled) c.abort(new Error('abandoned before it was sent'));
      },
      onResponseStart(_c, statusCode, headers) {
        if (statusCode < 200) return; // informational answers come before the real one
        status = statusCode;
        const ok = status < 300;
        limit = ok ? options.maxBytes : STATUS_BODY_LIMIT;
        const declared = Number(headers['content-length']);
        if (ok && declared > limit)
          return finish({
            ok: false,
            reason: 'too-large',
            message: `body of ${declared} bytes is over the ${limit}-byte limit`,
          });
        const after = headers['retry-after'];
        retryAfter = Array.isArray(after) ? after[0] : after;
      },
      onResponseData(_c, chunk) {
        if (settled) return;
        size += chunk.length;
        if (size <= limit) chunks.push(chunk);
        else if (status < 300)
          finish({ ok: false, reason: 'too-large', message: `body is over the ${limit}-byte limit` });
        else {
          chunks.push(chunk.subarray(0, chunk.length - (size - limit)));
          finishStatus();
        }
      },
      onResponseEnd() {
        ended = true;
        if (status >= 200 && status < 300) finish(okOutcome(status, chunks, size));
        else finishStatus();
      },
      onResponseError(_c, err) {
        finish(failureOf(err, status === 0 ? undefined : size));
      },
    };
    const timer = setTimeout(
      () =>
        finish({
          ok: false,
          reason: 'timeout',
          message: `no complete answer within ${options.timeoutMs} ms`,
        }),
      options.timeoutMs,
    );
    const onAbort = (): void => finish({ ok: false, reason: 'aborted', message: 'the run was cancelled' });
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      options.dispatcher.dispatch(
        {
          origin: url.origin,
          path: url.pathname + url.search,
          method: 'GET',
          headers: { accept: 'application/json', ...options.headers },
          // The deadline above covers the whole request; undici's own timers would only cut it shorter.
          headersTimeout: 0,
          bodyTimeout: 0,
        },
        handler,
      );
    } catch (err) {
      finish(failureOf(err as Error, undefined));
    }
  });
}
