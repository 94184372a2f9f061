import type { ServerResponse } from 'node:http';
import { bookmarkLine, watchLine } from './render.js';
import type { WatchObjectEncoder } from './render.js';
import type { ApiResource } from './resources.js';
import { status } from './status.js';
import type { ResourceStore, StoreEvent } from './store.js';
import type { KubeObject } from './types.js';

export interface WatchRequest {
  resource: ApiResource;
  store: ResourceStore;
  /** undefined: start with ADDED for every matching object; else replay changes after this version. */
  fromResourceVersion: number | undefined;
  matches: (object: KubeObject) => boolean;
  bookmarks: boolean;
  bookmarkIntervalMs: number;
  /** After the initial ADDED events, a BOOKMARK annotated k8s.io/initial-events-end (sendInitialEvents=true). */
  initialEventsEnd: boolean;
  timeoutMs: number;
  encode: WatchObjectEncoder;
}

/** Ends a watch stream cleanly (the chunked body is terminated, the client sees a normal close). */
export type WatchCloser = () => void;

/**
 * Streams a watch like the real server: 200 with a chunked JSON body, one event per line. A start version
 * outside the history window becomes an in-stream ERROR event (410 Expired) followed by the end of the body.
 */
export function serveWatch(res: ServerResponse, watch: WatchRequest, open: Set<WatchCloser>): void {
  const { resource } = watch;
  const send = (event: StoreEvent): void => {
    res.write(watchLine(event.type, watch.encode(event.stored)));
  };
  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'transfer-encoding': 'chunked',
  });
  res.flushHeaders();

  const started = watch.store.watch(watch.fromResourceVersion, watch.matches, send);
  if (!started.ok) {
    res.end(
      `{"type":"ERROR","object":${JSON.stringify(status(410, started.message, undefined, 'Expired'))}}\n`,
    );
    return;
  }
  const initial = started.initial;
  for (let i = 0; i < initial.length; i += 1000) {
    res.write(
      initial
        .slice(i, i + 1000)
        .map((e) => watchLine(e.type, watch.encode(e.stored)))
        .join(''),
    );
  }
  if (watch.initialEventsEnd) res.write(bookmarkLine(resource, watch.store.currentResourceVersion(), true));

  const timers: NodeJS.Timeout[] = [];
  if (watch.bookmarks && watch.bookmarkIntervalMs > 0) {
    timers.push(
      setInterval(() => {
        // Every change up to the current version has already been written: the listener runs synchronously.
        res.write(bookmarkLine(resource, watch.store.currentResourceVersion()));
      }, watch.bookmarkIntervalMs),
    );
  }
  let closed = false;
  const cleanup = (): void => {
    if (closed) return;
    closed = true;
    started.stop();
    for (const timer of timers) clearTimeout(timer);
    open.delete(close);
  };
  const close: WatchCloser = () => {
    cleanup();
    res.end();
  };
  timers.push(setTimeout(close, watch.timeoutMs));
  open.add(close);
  // The response's close (not the request's, which fires once its body is read) means the client is gone.
  res.once('close', cleanup);
}
