import type { Problems } from './config-error.js';
import type { KubeAccess } from './source-uri.js';
import type { HeapsterUri } from './uri.js';
import { readBool, readInt, uriOption } from './values.js';

/** Options every Kubernetes source takes to reach the API server, as Heapster's kubernetes source did. */
export const KUBE_ACCESS_OPTIONS = [
  'inClusterConfig',
  'auth',
  'ca',
  'useServiceAccount',
  'insecure',
  'concurrency',
] as const;

export function parseKubeAccess(
  problems: Problems,
  variable: string,
  uri: HeapsterUri,
  example: string,
): KubeAccess {
  const o = uri.options;
  const v = (name: string) => uriOption(variable, uri, name);
  if (uri.url !== undefined) {
    try {
      const parsed = new URL(uri.url);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('scheme');
    } catch {
      problems.add(variable, `"${uri.url}" is not an http(s) URL of an API server`, example);
    }
  }
  const authText = o.get('auth');
  const auth: KubeAccess['auth'] =
    authText === null || authText === ''
      ? { kind: 'default' }
      : authText === 'google'
        ? { kind: 'google' }
        : { kind: 'kubeconfig', path: authText };
  if (auth.kind === 'google' && uri.url === undefined) {
    problems.add(
      variable,
      'auth=google needs the cluster endpoint as the URL',
      `${uri.prefix}:https://34.1.2.3?auth=google&ca=/secrets/cluster-ca.pem`,
    );
  }
  return {
    apiServer: uri.url,
    inClusterConfig: readBool(
      problems,
      v('inClusterConfig'),
      o.get('inClusterConfig'),
      uri.url === undefined,
    ),
    auth,
    caFile: o.get('ca') ?? undefined,
    useServiceAccount: readBool(problems, v('useServiceAccount'), o.get('useServiceAccount'), false),
    insecure: readBool(problems, v('insecure'), o.get('insecure'), false),
    concurrency: readInt(problems, v('concurrency'), o.get('concurrency'), 32, { min: 1, max: 1024 }),
  };
}
