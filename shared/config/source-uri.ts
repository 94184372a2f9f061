import type { Problems } from './config-error.js';
import { parseHeapsterUri, type HeapsterUri } from './uri.js';
import { readBool, readDuration, readInt, rejectUnknownOptions, uriOption } from './values.js';

/** How to reach and authenticate to a Kubernetes API server (Heapster's kubernetes source options). */
export interface KubeAccess {
  /** The API server; undefined for the in-cluster config or the current kubeconfig. */
  readonly apiServer: string | undefined;
  readonly inClusterConfig: boolean;
  /** How to authenticate: a kubeconfig file, the function's Google credentials (GKE), or the in-cluster/default. */
  readonly auth: { kind: 'default' } | { kind: 'kubeconfig'; path: string } | { kind: 'google' };
  /** PEM CA file for the API server when `apiServer` is given (GKE's cluster CA); undefined for the system CAs. */
  readonly caFile: string | undefined;
  readonly useServiceAccount: boolean;
  /** Turns TLS verification off. Only when the user explicitly asks. */
  readonly insecure: boolean;
  /** Requests in flight at once (the size of the connection pool). */
  readonly concurrency: number;
}

/**
 * Where metrics come from. `kubernetes.summary_api` (also spelled `kubernetes`, as in Heapster) reads every
 * node's kubelet Summary API, through the API server's node proxy by default.
 */
export interface SummaryApiSource extends KubeAccess {
  readonly kind: 'kubernetes.summary_api';
  /** Fetch summaries through /api/v1/nodes/NAME/proxy (default) or straight from each kubelet. */
  readonly nodeProxy: boolean;
  readonly kubeletPort: number;
  readonly kubeletHttps: boolean;
  /** Per-node request deadline. */
  readonly timeoutMs: number;
  /** A summary larger than this is refused (a 30-pod node answers about 60 KiB). */
  readonly maxBodyBytes: number;
}

export type SourceConfig = SummaryApiSource;

const SUMMARY_OPTIONS = [
  'inClusterConfig',
  'auth',
  'ca',
  'useServiceAccount',
  'insecure',
  'nodeProxy',
  'kubeletPort',
  'kubeletHttps',
  'timeout',
  'concurrency',
  'maxBodyBytes',
] as const;

export const SOURCE_EXAMPLE =
  'kubernetes.summary_api:https://kubernetes.default?kubeletHttps=true&kubeletPort=10250';

export function parseSource(problems: Problems, variable: string, text: string): SourceConfig | undefined {
  const uri = parseHeapsterUri(text);
  switch (uri.prefix) {
    case 'kubernetes':
    case 'kubernetes.summary_api':
      return parseSummaryApi(problems, variable, uri);
    default:
      problems.add(
        variable,
        `unknown source "${uri.prefix}" in "${text}"; known sources: kubernetes.summary_api`,
        SOURCE_EXAMPLE,
      );
      return undefined;
  }
}

function parseSummaryApi(problems: Problems, variable: string, uri: HeapsterUri): SummaryApiSource {
  const o = uri.options;
  const v = (name: string) => uriOption(variable, uri, name);
  rejectUnknownOptions(problems, variable, uri.text, o, SUMMARY_OPTIONS);
  if (uri.url !== undefined) {
    try {
      const parsed = new URL(uri.url);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('scheme');
    } catch {
      problems.add(variable, `"${uri.url}" is not an http(s) URL of an API server`, SOURCE_EXAMPLE);
    }
  }
  const authText = o.get('auth');
  const auth: SummaryApiSource['auth'] =
    authText === null || authText === ''
      ? { kind: 'default' }
      : authText === 'google'
        ? { kind: 'google' }
        : { kind: 'kubeconfig', path: authText };
  if (auth.kind === 'google' && uri.url === undefined) {
    problems.add(
      variable,
      'auth=google needs the cluster endpoint as the URL',
      'kubernetes.summary_api:https://34.1.2.3?auth=google&ca=/secrets/cluster-ca.pem',
    );
  }
  const kubeletHttps = readBool(problems, v('kubeletHttps'), o.get('kubeletHttps'), false);
  return {
    kind: 'kubernetes.summary_api',
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
    nodeProxy: readBool(problems, v('nodeProxy'), o.get('nodeProxy'), true),
    kubeletPort: readInt(problems, v('kubeletPort'), o.get('kubeletPort'), kubeletHttps ? 10250 : 10255, {
      min: 1,
      max: 65535,
    }),
    kubeletHttps,
    timeoutMs: readDuration(problems, v('timeout'), o.get('timeout'), 10_000, { minMs: 100, maxMs: 600_000 }),
    concurrency: readInt(problems, v('concurrency'), o.get('concurrency'), 32, { min: 1, max: 1024 }),
    maxBodyBytes: readInt(problems, v('maxBodyBytes'), o.get('maxBodyBytes'), 16 * 1024 * 1024, {
      min: 1024,
      max: 1024 ** 3,
    }),
  };
}
