import { readFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeAccess } from '../config/source-uri.js';
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

export interface ConnectDeps {
  env: Readonly<Record<string, string | undefined>>;
  /** An OAuth access token for the function's own Google identity (GKE's auth=google). */
  googleAccessToken?: () => Promise<string>;
}

/** Builds the KubeConfig the source describes, as Heapster's kubernetes source options did. */
export async function loadKubeConfig(source: KubeAccess, deps: ConnectDeps): Promise<KubeConfig> {
  const kc = new KubeConfig();
  const caData = source.caFile === undefined ? undefined : readFileSync(source.caFile).toString('base64');
  const cluster = (server: string) => ({
    name: 'cluster',
    server,
    skipTLSVerify: source.insecure,
    ...(caData ? { caData } : {}),
  });
  if (source.auth.kind === 'google') {
    if (deps.googleAccessToken === undefined)
      throw new Error('auth=google needs Google credentials, and none are available');
    const token = await deps.googleAccessToken();
    kc.loadFromClusterAndUser(cluster(source.apiServer as string), { name: 'google', token });
  } else if (source.auth.kind === 'kubeconfig') {
    kc.loadFromFile(source.auth.path);
  } else if (source.apiServer === undefined) {
    if (source.inClusterConfig && deps.env['KUBERNETES_SERVICE_HOST'] !== undefined) kc.loadFromCluster();
    else kc.loadFromDefault();
  } else if (source.useServiceAccount) {
    kc.loadFromCluster();
  } else {
    kc.loadFromClusterAndUser(cluster(source.apiServer), { name: 'anonymous' });
  }
  const current = kc.getCurrentCluster();
  if (current === null) throw new Error('the kubeconfig has no current cluster');
  if (source.apiServer !== undefined || source.insecure || caData !== undefined) {
    // The URL and TLS options of the source win over the kubeconfig's, as Heapster's did.
    const replaced = {
      ...current,
      server: source.apiServer ?? current.server,
      skipTLSVerify: source.insecure || current.skipTLSVerify,
      ...(caData ? { caData, caFile: undefined } : {}),
    };
    kc.clusters = kc.clusters.map((c) => (c.name === current.name ? replaced : c));
  }
  return kc;
}

export async function connect(source: KubeAccess, deps: ConnectDeps): Promise<KubeConnection> {
  const kc = await loadKubeConfig(source, deps);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const server = new URL(cluster.server);
  const tls: RequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(tls.headers ?? {})) if (typeof v === 'string') headers[k] = v;
  if (typeof tls.auth === 'string')
    headers['authorization'] = `Basic ${Buffer.from(tls.auth).toString('base64')}`;
  const agentOptions = { keepAlive: true, maxSockets: source.concurrency, scheduling: 'lifo' as const };
  const httpsAgent = new HttpsAgent({
    ...agentOptions,
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    rejectUnauthorized: !cluster.skipTLSVerify,
  });
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
