import { HttpError, InfluxDB, RequestTimedOutError, type Transport } from '@influxdata/influxdb-client';
import { parseRetryAfter } from '../../runtime/retry.js';
import { errorMessage } from '../../runtime/log.js';

/**
 * One request to an InfluxDB server, through @influxdata/influxdb-client's transport, answered as a value.
 *
 * Writes to the v2 API go through the client's WriteApi; it is used for one explicit flush per request, with
 * its own retries, flush timer and retry buffer turned off: its explicit flush neither retries nor takes an
 * AbortSignal, and its background flushes drop errors, so retries, deadlines and splitting are done by the
 * caller (send-lines.ts). The v1 /write and /query endpoints have no WriteApi: the same transport posts them.
 */
export const WRITE_FAILURES = [
  'bad-request',
  'too-large',
  'rate-limited',
  'server-error',
  'database-not-found',
  'not-authorized',
  'unreachable',
  'timeout',
  'deadline',
  'http-error',
] as const;
export type WriteFailure = (typeof WRITE_FAILURES)[number];

export type PostOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly failure: WriteFailure;
      readonly status?: number;
      readonly message: string;
      readonly retryAfterMs?: number;
      /** The server's whole answer, when it sent one (what it wrote of a partial write, see partial-write.ts). */
      readonly body?: string;
    };

export const RETRYABLE: ReadonlySet<WriteFailure> = new Set([
  'rate-limited',
  'server-error',
  'unreachable',
  'timeout',
]);

export type Precision = 'ms' | 'ns';

/** Where lines go: chosen once per server (see config.ts) and used for every request. */
export type WriteTarget =
  | {
      readonly api: 'v1';
      readonly db: string;
      readonly rp: string;
      readonly authorization: string | undefined;
    }
  | { readonly api: 'v2'; readonly org: string; readonly bucket: string };

export interface RequestOptions {
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Bodies larger than this are gzipped; undefined for never. */
  readonly gzipThreshold: number | undefined;
}

/** POSTs lines to the target. Never throws. */
export async function postLines(
  transport: Transport,
  url: string,
  target: WriteTarget,
  lines: readonly string[],
  precision: Precision,
  options: RequestOptions,
): Promise<PostOutcome> {
  return withDeadline(options, async (signal) => {
    if (target.api === 'v2') {
      const client = new InfluxDB({ url, transport: withSignal(transport, signal) });
      const writeApi = client.getWriteApi(target.org, target.bucket, precision, {
        batchSize: lines.length + 1,
        maxBatchBytes: Number.POSITIVE_INFINITY,
        flushInterval: 0,
        maxRetries: 0,
        gzipThreshold: options.gzipThreshold ?? Number.POSITIVE_INFINITY,
        // A rejected promise instead of the client's console logging: the caller reports.
        writeFailed: (error: Error) => Promise.reject(error),
      });
      try {
        writeApi.writeRecords(lines as string[]);
        await writeApi.flush();
      } finally {
        writeApi.dispose();
      }
      return;
    }
    const query = new URLSearchParams({ db: target.db, rp: target.rp, precision });
    await send(transport, `/write?${query}`, lines.join('\n'), {
      method: 'POST',
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        ...(target.authorization !== undefined ? { authorization: target.authorization } : {}),
      },
      ...(options.gzipThreshold !== undefined ? { gzipThreshold: options.gzipThreshold } : {}),
      signal,
    });
  });
}

/** GET /ping: the server's version header (undefined when it sends none, as VictoriaMetrics). */
export async function ping(
  transport: Transport,
  options: RequestOptions,
): Promise<{ outcome: PostOutcome; version: string | undefined }> {
  let version: string | undefined;
  const outcome = await withDeadline(options, (signal) =>
    transport
      .request('/ping', '', { method: 'GET', signal }, (headers) => {
        const v = headers['x-influxdb-version'];
        version = Array.isArray(v) ? v[0] : v;
      })
      .then(() => undefined),
  );
  return { outcome, version };
}

/** POST /query with InfluxQL; answers each statement's error (undefined when it succeeded). */
export async function influxQuery(
  transport: Transport,
  q: string,
  authorization: string | undefined,
  options: RequestOptions,
): Promise<{ outcome: PostOutcome; errors: (string | undefined)[] }> {
  let errors: (string | undefined)[] = [];
  const outcome = await withDeadline(options, async (signal) => {
    const body = (await transport.request('/query', new URLSearchParams({ q }).toString(), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...(authorization !== undefined ? { authorization } : {}),
      },
      signal,
    })) as { results?: { error?: string }[] } | undefined;
    errors = (body?.results ?? []).map((r) => r.error);
  });
  return { outcome, errors };
}

/** A transport that passes `signal` with every request (the WriteApi takes none of its own). */
function withSignal(transport: Transport, signal: AbortSignal): Transport {
  return {
    send: (path, body, options, callbacks) => transport.send(path, body, { ...options, signal }, callbacks),
    request: (path, body, options, started) =>
      transport.request(path, body, { ...options, signal }, started) as Promise<unknown>,
    iterate: (path, body, options) => transport.iterate(path, body, { ...options, signal }),
    chunkCombiner: transport.chunkCombiner,
  };
}

/** transport.send as a promise that settles when the response ends. */
function send(
  transport: Transport,
  path: string,
  body: string,
  options: Parameters<Transport['send']>[2],
): Promise<void> {
  return new Promise((resolve, reject) => {
    transport.send(path, body, options, {
      error: reject,
      complete: () => resolve(),
    });
  });
}

/**
 * Runs one request with its own timeout, aborted too when the run's signal aborts; the timer is cleared
 * before this resolves, so nothing is left running.
 */
async function withDeadline(
  options: RequestOptions,
  request: (signal: AbortSignal) => Promise<void>,
): Promise<PostOutcome> {
  if (options.signal.aborted) return { ok: false, failure: 'deadline', message: reasonText(options.signal) };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no answer within ${options.timeoutMs} ms`));
  }, options.timeoutMs);
  const onAbort = (): void => controller.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await request(controller.signal);
    return { ok: true };
  } catch (err) {
    if (timedOut)
      return { ok: false, failure: 'timeout', message: `no answer within ${options.timeoutMs} ms` };
    if (options.signal.aborted)
      return { ok: false, failure: 'deadline', message: reasonText(options.signal) };
    return classify(err);
  } finally {
    clearTimeout(timer);
    options.signal.removeEventListener('abort', onAbort);
  }
}

function reasonText(signal: AbortSignal): string {
  return `aborted: ${errorMessage(signal.reason)}`;
}

/** What a failed request means for the lines it carried. */
export function classify(err: unknown): PostOutcome & { ok: false } {
  if (err instanceof HttpError) {
    const status = err.statusCode;
    const message = `HTTP ${status}: ${(err.body ?? err.message).slice(0, 500)}`;
    const header = err.headers?.['retry-after'];
    const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header);
    const base = {
      ok: false as const,
      status,
      message,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      ...(err.body !== undefined ? { body: err.body } : {}),
    };
    if (status === 400) return { ...base, failure: 'bad-request' };
    if (status === 413) return { ...base, failure: 'too-large' };
    if (status === 429) return { ...base, failure: 'rate-limited' };
    if (status === 401 || status === 403) return { ...base, failure: 'not-authorized' };
    // 1.x: 404 "database not found"; 500 "retention policy not found": creating them helps.
    if ((status === 404 || status === 500) && /(database|retention policy) not found/.test(message))
      return { ...base, failure: 'database-not-found' };
    if (status === 408 || status >= 500) return { ...base, failure: 'server-error' };
    return { ...base, failure: 'http-error' };
  }
  const message = errorMessage(err);
  if (err instanceof RequestTimedOutError) return { ok: false, failure: 'timeout', message };
  const code = (err as { code?: unknown } | undefined)?.code;
  return {
    ok: false,
    failure: 'unreachable',
    message: typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message,
  };
}
