import { readFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeAccess } from '../config/source-uri.js';
import type { ApiAccess } from './api-access.js';

/**
 * Access from a kubeconfig file (auth=PATH, or the current kubeconfig) through @kubernetes/client-node, which
 * handles exec plugins, auth providers, contexts and client certificates. Loaded only for these sources.
 */
export async function kubeconfigAccess(source: KubeAccess): Promise<ApiAccess> {
  const kc = loadKubeConfig(source);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const options: RequestOptions = {};
  await kc.applyToHTTPSOptions(options);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.headers ?? {})) if (typeof v === 'string') headers[k] = v;
  if (typeof options.auth === 'string')
    headers['authorization'] = `Basic ${Buffer.from(options.auth).toString('base64')}`;
  return {
    server: new URL(cluster.server),
    headers,
    tls: {
      ...(options.ca !== undefined ? { ca: options.ca } : {}),
      ...(options.cert !== undefined ? { cert: options.cert } : {}),
      ...(options.key !== undefined ? { key: options.key } : {}),
      rejectUnauthorized: !cluster.skipTLSVerify,
    },
  };
}

/** The kubeconfig the source names (or the current one), with the source's URL and TLS options winning. */
export function loadKubeConfig(source: KubeAccess): KubeConfig {
  const kc = new KubeConfig();
  if (source.auth.kind === 'kubeconfig') kc.loadFromFile(source.auth.path);
  else kc.loadFromDefault();
  const current = kc.getCurrentCluster();
  if (current === null) throw new Error('the kubeconfig has no current cluster');
  const caData = source.caFile === undefined ? undefined : readFileSync(source.caFile).toString('base64');
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
