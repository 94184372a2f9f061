import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { KubeAccess } from '../config/source-uri.js';
import { apiAccess, type ConnectDeps } from './api-access.js';
import { httpGet, type FetchOutcome } from '../runtime/http-get.js';
import { watchLines } from './watch-lines.js';

/**
 * An authenticated way to the API server (and, for direct kubelet scrapes, to the kubelets) for one run:
 * credentials are read once per run (tokens from exec plugins and Google expire), and every request of the
 * run reuses one keep-alive agent instead of a TLS handshake per call.
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

/** Resolves the source's access once (see api-access.ts) and opens the run's agents. */
export async function connect(source: KubeAccess, deps: ConnectDeps): Promise<KubeConnection> {
  const { server, headers, tls } = await apiAccess(source, deps);
  const agentOptions = { keepAlive: true, maxSockets: source.concurrency, scheduling: 'lifo' as const };
  const httpsAgent = new HttpsAgent({ ...agentOptions, ...tls });
  const httpAgent = new HttpAgent(agentOptions);
  const getUrl = (url: URL, limits: RequestLimits): Promise<FetchOutcome> =>
    httpGet(url, { agent: url.protocol === 'https:' ? httpsAgent : httpAgent, headers, ...limits });
  return {
    server,
    getUrl,
    get: (path, limits) => getUrl(new URL(path, server), limits),
    watch: (path, signal) => {
      const url = new URL(path, server);
      return watchLines({
        url,
        agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
        headers,
        signal,
        maxLineBytes: 8 * 1024 * 1024,
      });
    },
    close: () => {
      httpsAgent.destroy();
      httpAgent.destroy();
    },
  };
}
