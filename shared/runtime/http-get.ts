import { request as httpRequest, type Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, type Agent as HttpsAgent } from 'node:https';
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
  agent: HttpAgent | HttpsAgent;
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

/**
 * One GET with a deadline and a size cap, never throwing: every way it can go wrong comes back as a reason.
 * Bodies of non-2xx answers are read (capped at 4 KiB) for the message.
 */
export function httpGet(url: URL, options: GetOptions): Promise<FetchOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: FetchOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (!outcome.ok) req.destroy();
      resolve(outcome);
    };
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      url,
      { method: 'GET', agent: options.agent, headers: { accept: 'application/json', ...options.headers } },
      (res) => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const limit = ok ? options.maxBytes : 4096;
        const declared = Number(res.headers['content-length']);
        if (ok && Number.isFinite(declared) && declared > limit) {
          return finish({
            ok: false,
            reason: 'too-large',
            message: `body of ${declared} bytes is over the ${limit}-byte limit`,
          });
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limit) {
            if (ok)
              finish({ ok: false, reason: 'too-large', message: `body is over the ${limit}-byte limit` });
            else res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          if (ok) return finish(okOutcome(status, chunks, size));
          const body = Buffer.concat(chunks);
          const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
          finish({
            ok: false,
            reason: 'http-status',
            status,
            message: `HTTP ${status}: ${body.toString('utf8', 0, 300).trim()}`,
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          });
        });
        res.on('aborted', () =>
          finish({
            ok: false,
            reason: 'connection',
            message: `connection closed after ${size} bytes of the body`,
          }),
        );
        res.on('error', (err) =>
          finish({
            ok: false,
            reason: 'connection',
            message: `body cut off after ${size} bytes: ${err.message}`,
          }),
        );
        res.on('close', () => {
          if (!res.complete)
            finish({
              ok: false,
              reason: 'connection',
              message: `connection closed after ${size} bytes of the body`,
            });
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      const unreachable = ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(
        err.code ?? '',
      );
      finish({
        ok: false,
        reason: unreachable ? 'unreachable' : 'connection',
        message: err.code ? `${err.code}: ${err.message}` : err.message,
      });
    });
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
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}
