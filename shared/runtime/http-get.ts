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
          const body = Buffer.concat(chunks);
          if (ok) return finish({ ok: true, status, body });
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
