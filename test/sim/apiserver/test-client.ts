import { request as httpRequest } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { ApiServer } from './server.js';

/** Client-side helpers for the API server's tests: a KubeConfig for the server, a recording watch. */

export interface ClientOptions {
  /** Trust the server's CA (default true). */
  withCa?: boolean;
  /** Bearer token to send; defaults to the server's. */
  token?: string;
}

export function kubeConfigFor(server: ApiServer, options: ClientOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  const cluster: { name: string; server: string; caData?: string; skipTLSVerify: boolean } = {
    name: 'sim',
    server: server.httpsUrl,
    skipTLSVerify: false,
  };
  if (options.withCa !== false) cluster.caData = Buffer.from(server.caPem).toString('base64');
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'tester', token: options.token ?? server.token }],
    contexts: [{ name: 'sim', cluster: 'sim', user: 'tester' }],
    currentContext: 'sim',
  });
  return kc;
}

export interface RecordedEvent {
  type: string;
  object: {
    kind?: string;
    metadata?: { name?: string; resourceVersion?: string };
    [field: string]: unknown;
  };
}

export interface RecordedWatch {
  readonly events: RecordedEvent[];
  /** Settles with the error given to `done` (null for a clean end of the stream). */
  readonly done: Promise<unknown>;
  /** Resolves once `count` events arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<RecordedEvent[]>;
  abort(): void;
}

export async function recordWatch(
  kc: KubeConfig,
  path: string,
  params: Record<string, string | number | boolean>,
): Promise<RecordedWatch> {
  const events: RecordedEvent[] = [];
  const waiters: (() => void)[] = [];
  let settle!: (err: unknown) => void;
  const done = new Promise<unknown>((resolve) => (settle = resolve));
  const controller = await new Watch(kc).watch(
    path,
    params,
    (type, object: RecordedEvent['object']) => {
      events.push({ type, object });
      for (const wake of waiters.splice(0)) wake();
    },
    (err: unknown) => {
      settle(err);
      for (const wake of waiters.splice(0)) wake();
    },
  );
  let finished = false;
  void done.then(() => (finished = true));
  return {
    events,
    done,
    abort: () => controller.abort(),
    waitFor: (count, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`only ${events.length} of ${count} watch events after ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = (): void => {
          if (events.length >= count) {
            clearTimeout(timer);
            resolve(events.slice(0, count));
          } else if (finished) {
            clearTimeout(timer);
            reject(new Error(`watch ended after ${events.length} of ${count} events`));
          } else {
            waiters.push(check);
          }
        };
        check();
      }),
  };
}

/** The Status body of a failed typed call (client-node keeps it as text or as parsed JSON). */
export function statusOf(err: unknown): { code?: number; reason?: string; message?: string } {
  const body = (err as { body?: unknown }).body;
  if (typeof body === 'string')
    return JSON.parse(body) as { code?: number; reason?: string; message?: string };
  return (body ?? {}) as { code?: number; reason?: string; message?: string };
}

/** A plain request, for what the typed client does not show (headers, raw bodies, unauthenticated calls). */
export function fetchRaw(
  url: string,
  options: { ca?: string; headers?: Record<string, string>; method?: string } = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(
      url,
      { ca: options.ca, headers: options.headers, method: options.method ?? 'GET' },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
