import { Agent } from 'undici';
import type { KubeAccess } from '../config/source-uri.js';
import { apiAccess, type ConnectDeps } from './api-access.js';
import { httpGet, type FetchOutcome } from '../runtime/http-get.js';
import { watchLines } from './watch-lines.js';

/**
 * An authenticated way to the API server (and, for direct kubelet scrapes, to the kubelets) for one run:
 * credentials are read once per run (tokens from exec plugins and Google expire), and every request of the
 * run (gets and watches, to the API server and to kubelets) goes through one undici Agent, which keeps up to
 * `concurrency` connections alive per origin instead of a TLS handshake per call.
 */
export interface KubeConnection {
  readonly server: URL;
  /** GET a path of the API server. */
  get(path: string, limits: RequestLimits): Promise<FetchOutcome>;
  /** GET a full URL (a kubelet's) with the same credentials and TLS settings. */
  getUrl(url: URL, limits: RequestLimits): Promise<FetchOutcome>;
  /** The lines of a watch on a path of the API server (see watchLines). */
  watch(path: string, signal: AbortSignal): AsyncGenerator<string>;
  close(): void;
}

export interface RequestLimits {
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
}

export type { ApiAccess, ConnectDeps } from './api-access.js';

/** How long an idle socket is kept: under the 90 s after which the API server and kubelets close them. */
const KEEP_ALIVE_MS = 80_000;

/** Resolves the source's access once (see api-access.ts) and opens the run's client. */
export async function connect(source: KubeAccess, deps: ConnectDeps): Promise<KubeConnection> {
  const { server, headers, tls } = await apiAccess(source, deps);
  const dispatcher = new Agent({
    connections: source.concurrency,
    // A warm instance reuses the run's connection for later rounds (kept-connections.ts, up to 75 s idle):
    // its sockets stay open that long rather than undici's default of 4 s.
    keepAliveTimeout: KEEP_ALIVE_MS,
    // Applied to https origins; verification stays on unless the source turned it off.
    connect: { ...tls },
  });
  const getUrl = (url: URL, limits: RequestLimits): Promise<FetchOutcome> =>
    httpGet(url, { dispatcher, headers, ...limits });
  return {
    server,
    getUrl,
    get: (path, limits) => getUrl(new URL(path, server), limits),
    watch: (path, signal) =>
      watchLines({ url: new URL(path, server), dispatcher, headers, signal, maxLineBytes: 8 * 1024 * 1024 }),
    close: () => {
      // Requests still open fail as connection errors; nothing waits on the promise.
      dispatcher.destroy().catch(() => undefined);
    },
  };
}
