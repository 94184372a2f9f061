import { readFileSync } from 'node:fs';
import type { AgentOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import type { KubeAccess } from '../config/source-uri.js';

/** What every request of a run to the API server carries: where it goes, its headers and TLS settings. */
export interface ApiAccess {
  readonly server: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls: Pick<AgentOptions, 'ca' | 'cert' | 'key'> & { readonly rejectUnauthorized: boolean };
}

export interface ConnectDeps {
  env: Readonly<Record<string, string | undefined>>;
  /** An OAuth access token for the function's own Google identity (GKE's auth=google). */
  googleAccessToken?: () => Promise<string>;
  /** Where a pod's service-account token and CA are mounted (a folder, for tests). */
  serviceAccountDir?: string;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * Only a kubeconfig file (named by auth=, or the current one) needs @kubernetes/client-node: it handles exec
 * plugins, contexts and the rest. Every other way (GKE's auth=google, a pod's service account, anonymous) is
 * an endpoint, a CA and at most a bearer token, built here without the library, which costs the long-running
 * events service about 50 MiB of memory just by being loaded.
 */
export function readsKubeconfig(source: KubeAccess, env: ConnectDeps['env']): boolean {
  if (source.auth.kind === 'kubeconfig') return true;
  if (source.auth.kind === 'google') return false;
  return source.apiServer === undefined && !inCluster(source, env);
}

/**
 * Loads what the source's access needs ahead of the first connection: a long-running process pays for
 * loading the client library at start, not on its first watch.
 */
export async function preloadAccess(source: KubeAccess, env: ConnectDeps['env']): Promise<void> {
  if (readsKubeconfig(source, env)) await import('./kubeconfig-access.js');
}

export async function apiAccess(source: KubeAccess, deps: ConnectDeps): Promise<ApiAccess> {
  if (readsKubeconfig(source, deps.env)) {
    const { kubeconfigAccess } = await import('./kubeconfig-access.js');
    return kubeconfigAccess(source);
  }
  const ca = source.caFile === undefined ? undefined : readFileSync(source.caFile);
  const tls = (fallbackCa?: Buffer): ApiAccess['tls'] => ({
    ...((ca ?? fallbackCa) !== undefined ? { ca: ca ?? fallbackCa } : {}),
    rejectUnauthorized: !source.insecure,
  });
  if (source.auth.kind === 'google') {
    if (deps.googleAccessToken === undefined)
      throw new Error('auth=google needs Google credentials, and none are available');
    const token = await deps.googleAccessToken();
    return { server: new URL(source.apiServer as string), headers: bearer(token), tls: tls() };
  }
  if (source.apiServer === undefined || source.useServiceAccount) {
    // The pod's own service account, as client-node's loadFromCluster reads it; the source's URL wins.
    const dir = deps.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
    const token = readFileSync(`${dir}/token`, 'utf8').trim();
    const server = source.apiServer ?? inClusterServer(deps.env);
    return { server: new URL(server), headers: bearer(token), tls: tls(readFileSync(`${dir}/ca.crt`)) };
  }
  return { server: new URL(source.apiServer), headers: {}, tls: tls() };
}

function inCluster(source: KubeAccess, env: ConnectDeps['env']): boolean {
  return source.inClusterConfig && env['KUBERNETES_SERVICE_HOST'] !== undefined;
}

/** The API server's in-cluster address from the service environment Kubernetes gives every pod. */
function inClusterServer(env: ConnectDeps['env']): string {
  const host = env['KUBERNETES_SERVICE_HOST'] as string;
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  return `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
