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
  | {
      ok: true;
      status: number;
      /** The body decoded as UTF-8 (every caller reads JSON or text). */
      text: string;
      /** The body's size in bytes, as it came over the wire. */
      bytes: number;
    }
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

/** A successful outcome with this text as its body: for stand-ins and rewritten answers. */
export function textOutcome(text: string, status = 200): Extract<FetchOutcome, { ok: true }> {
  return { ok: true, status, text, bytes: Buffer.byteLength(text, 'utf8') };
}

/**
 * Where bodies are received: buffers kept for the process, by power-of-two size, reused request after request.
 * Each chunk the socket read is copied in and let go at once; held until its body was complete, the chunks
 * (tens of KiB a summary, outside V8's heap) outlived young-generation collections, and their external memory
 * started full collections during a scrape. Buffers above POOLED_LIMIT are not kept.
 */
const POOLED_LIMIT = 8 * 1024 * 1024;
const MIN_BUFFER = 16 * 1024;
/** Free buffers per size: enough for every request of a scrape at its highest concurrency. */
const POOLED_PER_SIZE = 64;
const freeBuffers = new Map<number, Buffer[]>();

function takeBuffer(atLeast: number): Buffer {
  let size = MIN_BUFFER;
  while (size < atLeast) size *= 2;
  return freeBuffers.get(size)?.pop() ?? Buffer.allocUnsafeSlow(size);
}

function giveBuffer(buffer: Buffer): void {
  if (buffer.length > POOLED_LIMIT) return;
  const free = freeBuffers.get(buffer.length) ?? [];
  if (free.length < POOLED_PER_SIZE) free.push(buffer);
  freeBuffers.set(buffer.length, free);
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
 * directly: the body arrives as the chunks the socket read, with no stream in between, and is received into
 * a pooled buffer (see takeBuffer).
 */
export function httpGet(url: URL, options: GetOptions): Promise<FetchOutcome> {
  return new Promise((resolve) => {
    // Cleared once used, so that whatever still reaches this request's closures does not keep its outcome (a
    // summary's text) alive. Measured: left here, after a full collection every answer of the round outlived two
    // young collections and filled the old generation, which started the next full collection within a second.
    let deliver: ((outcome: FetchOutcome) => void) | undefined = resolve;
    let settled = false;
    let ended = false;
    let controller: Dispatcher.DispatchController | undefined;
    let status = 0;
    let limit = options.maxBytes;
    let retryAfter: string | undefined;
    let size = 0;
    /** The body so far, in a pooled buffer (see takeBuffer); given back when the request settles. */
    let body: Buffer | undefined;
    const bodyText = (end: number): string => (body === undefined ? '' : body.toString('utf8', 0, end));
    const finish = (outcome: FetchOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (body !== undefined) giveBuffer(body);
      body = undefined;
      // The rest of an abandoned answer is not read: the connection goes, not back to the pool.
      if (!ended) controller?.abort(new Error(outcome.ok ? 'settled' : outcome.message));
      const settle = deliver;
      deliver = undefined;
      settle?.(outcome);
    };
    const finishStatus = (): void => {
      const retryAfterMs = parseRetryAfter(retryAfter);
      finish({
        ok: false,
        reason: 'http-status',
        status,
        message: `HTTP ${status}: ${bodyText(Math.min(size, 300)).trim()}`,
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
        // Sized from the declared length when there is one: a summary then needs no second buffer.
        body = takeBuffer(Math.min(limit, declared >= 0 ? declared : MIN_BUFFER));
      },
      onResponseData(_c, chunk) {
        if (settled || body === undefined) return;
        const at = size;
        size += chunk.length;
        if (size > limit && status < 300)
          return finish({ ok: false, reason: 'too-large', message: `body is over the ${limit}-byte limit` });
        const kept = Math.min(size, limit);
        if (kept > body.length) {
          const grown = takeBuffer(kept);
          body.copy(grown, 0, 0, at);
          giveBuffer(body);
          body = grown;
        }
        chunk.copy(body, at, 0, kept - at);
        if (size > limit) finishStatus();
      },
      onResponseEnd() {
        ended = true;
        if (settled) return;
        if (status >= 200 && status < 300) finish({ ok: true, status, text: bodyText(size), bytes: size });
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
