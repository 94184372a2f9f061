import { sleep } from '../runtime/retry.js';
import type { KubeEvent } from './kube-event.js';
import type { KubeConnection } from './connect.js';
import { listPages } from './discover.js';
import { WatchHttpError } from './watch-lines.js';

/**
 * Kubernetes events as one typed, endless stream: a paginated list, then a watch from the list's
 * resourceVersion that resumes where it stopped when the stream ends (routine), relists on 410 Gone, backs off
 * with jitter on other errors, and restarts a watch that went silent. resourceVersions are opaque strings.
 */
export const EVENT_APIS = ['core/v1', 'events.k8s.io/v1'] as const;
export type EventApi = (typeof EVENT_APIS)[number];

export type { KubeEvent };

export type StreamItem =
  /** A (re)list begins: what follows until `listed-end` is the current state of every event. */
  | { kind: 'list-start'; reason: 'start' | 'expired' }
  | { kind: 'listed'; events: KubeEvent[] }
  | { kind: 'list-end'; resourceVersion: string }
  | { kind: 'change'; type: 'ADDED' | 'MODIFIED' | 'DELETED'; event: KubeEvent }
  | { kind: 'bookmark'; resourceVersion: string }
  /** Something went wrong and the stream will try again after `delayMs`; for the log. */
  | { kind: 'retrying'; error: string; delayMs: number }
  /** A watch line that was not a watch event; counted and logged, never silently dropped. */
  | { kind: 'undecodable'; line: string };

export interface EventStreamOptions {
  readonly api: EventApi;
  readonly namespace?: string;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
  readonly pageSize: number;
  /** Asked of the server; well under any proxy's idle limit. */
  readonly watchTimeoutSeconds: number;
  /** A watch with neither an event nor a bookmark for this long is restarted. */
  readonly idleTimeoutMs: number;
  readonly listTimeoutMs: number;
  readonly backoff: { readonly initialMs: number; readonly maxMs: number };
  readonly random?: () => number;
}

export function eventsPath(o: Pick<EventStreamOptions, 'api' | 'namespace'>): string {
  const base = o.api === 'core/v1' ? '/api/v1' : '/apis/events.k8s.io/v1';
  return o.namespace ? `${base}/namespaces/${encodeURIComponent(o.namespace)}/events` : `${base}/events`;
}

export async function* eventStream(
  /** The connection to use for the next list or watch (a factory, so credentials that expire get renewed). */
  connection: () => Promise<KubeConnection>,
  options: EventStreamOptions,
  from: string | undefined,
  signal: AbortSignal,
): AsyncGenerator<StreamItem> {
  const path = eventsPath(options);
  const random = options.random ?? Math.random;
  const selectors = new URLSearchParams();
  if (options.fieldSelector) selectors.set('fieldSelector', options.fieldSelector);
  if (options.labelSelector) selectors.set('labelSelector', options.labelSelector);
  let resourceVersion = from;
  let listReason: 'start' | 'expired' = 'start';
  let failures = 0;
  const backoff = (): number =>
    Math.min(options.backoff.maxMs, options.backoff.initialMs * 2 ** failures++) * (0.5 + random() / 2);

  while (!signal.aborted) {
    if (resourceVersion === undefined) {
      try {
        yield { kind: 'list-start', reason: listReason };
        let listed = '';
        const limits = { timeoutMs: options.listTimeoutMs, maxBytes: 256 * 1024 * 1024, signal };
        const conn = await connection();
        for await (const page of listPages(conn, path, options.pageSize, limits, selectors)) {
          listed = page.resourceVersion;
          yield { kind: 'listed', events: page.items as KubeEvent[] };
        }
        resourceVersion = listed;
        failures = 0;
        yield { kind: 'list-end', resourceVersion: listed };
      } catch (err) {
        if (signal.aborted) return;
        const delayMs = backoff();
        yield { kind: 'retrying', error: `listing events failed: ${(err as Error).message}`, delayMs };
        await sleep(delayMs, signal).catch(() => undefined);
        continue;
      }
    }
    const query = new URLSearchParams(selectors);
    query.set('watch', 'true');
    query.set('resourceVersion', resourceVersion as string);
    query.set('allowWatchBookmarks', 'true');
    query.set('timeoutSeconds', String(options.watchTimeoutSeconds));
    const watchAbort = new AbortController();
    const onAbort = (): void => watchAbort.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    let idle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(idle);
      idle = setTimeout(
        () => watchAbort.abort(new Error(`no event or bookmark for ${options.idleTimeoutMs} ms`)),
        options.idleTimeoutMs,
      );
    };
    try {
      arm();
      const conn = await connection();
      for await (const line of conn.watch(`${path}?${query}`, watchAbort.signal)) {
        arm();
        const parsed = decode(line);
        if (parsed === undefined) {
          yield { kind: 'undecodable', line: line.slice(0, 500) };
          continue;
        }
        if (parsed.type === 'ERROR') {
          const code = (parsed.object as { code?: number }).code;
          if (code === 410) {
            resourceVersion = undefined;
            listReason = 'expired';
            break;
          }
          throw new Error(`watch error: ${JSON.stringify(parsed.object).slice(0, 300)}`);
        }
        const rv = (parsed.object as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
        if (typeof rv !== 'string') {
          yield { kind: 'undecodable', line: line.slice(0, 500) };
          continue;
        }
        resourceVersion = rv;
        failures = 0;
        if (parsed.type === 'BOOKMARK') yield { kind: 'bookmark', resourceVersion: rv };
        else yield { kind: 'change', type: parsed.type, event: parsed.object as KubeEvent };
      }
      // The server closed the stream (timeoutSeconds): routine, resume from the last resourceVersion.
    } catch (err) {
      if (signal.aborted) return;
      if (err instanceof WatchHttpError && err.status === 410) {
        resourceVersion = undefined;
        listReason = 'expired';
        continue;
      }
      const reason = watchAbort.signal.aborted
        ? (watchAbort.signal.reason as Error).message
        : (err as Error).message;
      const delayMs = watchAbort.signal.aborted ? 0 : backoff();
      yield { kind: 'retrying', error: `watching events failed: ${reason}`, delayMs };
      if (delayMs > 0) await sleep(delayMs, signal).catch(() => undefined);
    } finally {
      clearTimeout(idle);
      signal.removeEventListener('abort', onAbort);
      watchAbort.abort();
    }
  }
}

type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
const WATCH_TYPES: readonly string[] = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'];

function decode(line: string): { type: WatchType; object: Record<string, unknown> } | undefined {
  try {
    const parsed = JSON.parse(line) as { type?: unknown; object?: unknown };
    if (typeof parsed.type !== 'string' || !WATCH_TYPES.includes(parsed.type)) return undefined;
    if (typeof parsed.object !== 'object' || parsed.object === null) return undefined;
    return { type: parsed.type as WatchType, object: parsed.object as Record<string, unknown> };
  } catch {
    return undefined;
  }
}
