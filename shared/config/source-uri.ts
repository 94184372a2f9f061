import type { Problems } from './config-error.js';
import { parseKubeAccess } from './kube-access.js';
import { parseHeapsterUri, type HeapsterUri } from './uri.js';
import { SECRET_PREFIX } from './secret.js';
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

/** What both cAdvisor sources share: how each host's cAdvisor is reached and read. */
export interface CadvisorHostOptions {
  /** The port every host's cAdvisor listens on (Heapster's default 8080). */
  readonly cadvisorPort: number;
  /** Per-host deadline, every request to the host included. */
  readonly timeoutMs: number;
  /** Hosts read at once. */
  readonly concurrency: number;
  /** Any one answer larger than this is refused. */
  readonly maxBodyBytes: number;
  /** Samples per container asked of v2.0 hosts; v1.3 hosts answer their own default of 60. */
  readonly samples: number;
}

/**
 * `cadvisor:external`: standalone cAdvisor hosts listed in Heapster's hosts file, or (standalone=true) only the
 * cAdvisor on localhost. The file is a local path, `gs://bucket/object`, or `secret:NAME` (a Secret Manager
 * secret exposed as an environment variable or a mounted file, as for sink credentials).
 */
export interface CadvisorExternalSource extends CadvisorHostOptions {
  readonly kind: 'cadvisor:external';
  readonly hostsFile: string;
  readonly standalone: boolean;
}

/** `cadvisor:coreos`: the machines a CoreOS fleet lists, asked of the endpoints in turn until one answers. */
export interface CadvisorCoreosSource extends CadvisorHostOptions {
  readonly kind: 'cadvisor:coreos';
  readonly fleetEndpoints: readonly string[];
}

export type CadvisorSource = CadvisorExternalSource | CadvisorCoreosSource;

/** Where metrics come from: at most one Kubernetes cluster, and any number of cAdvisor host sets. */
export type SourceConfig = SummaryApiSource | CadvisorSource;

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

const CADVISOR_OPTIONS = ['cadvisorPort', 'timeout', 'concurrency', 'maxBodyBytes', 'samples'] as const;
const EXTERNAL_OPTIONS = ['hostsFile', 'standalone', ...CADVISOR_OPTIONS] as const;
const COREOS_OPTIONS = ['fleetEndpoint', ...CADVISOR_OPTIONS] as const;

export const SOURCE_EXAMPLE =
  'kubernetes.summary_api:https://kubernetes.default?kubeletHttps=true&kubeletPort=10250';
export const EXTERNAL_EXAMPLE = 'cadvisor:external?hostsFile=/var/run/heapster/hosts&cadvisorPort=8080';
export const COREOS_EXAMPLE = 'cadvisor:coreos?fleetEndpoint=http://10.0.0.2:4001&cadvisorPort=8080';
/** Heapster's defaults. */
export const DEFAULT_HOSTS_FILE = '/var/run/heapster/hosts';
export const DEFAULT_FLEET_ENDPOINT = 'http://127.0.0.1:4001';
const KNOWN_SOURCES = 'kubernetes.summary_api, cadvisor:external, cadvisor:coreos';

export function parseSource(problems: Problems, variable: string, text: string): SourceConfig | undefined {
  const uri = parseHeapsterUri(text);
  switch (uri.prefix) {
    case 'kubernetes':
    case 'kubernetes.summary_api':
      return parseSummaryApi(problems, variable, uri);
    case 'cadvisor':
      return parseCadvisorSource(problems, variable, uri);
    default:
      problems.add(
        variable,
        `unknown source "${uri.prefix}" in "${text}"; known sources: ${KNOWN_SOURCES}`,
        SOURCE_EXAMPLE,
      );
      return undefined;
  }
}

/** `cadvisor:external` or `cadvisor:coreos` (Heapster also took `cadvisor:fleet`). */
export function parseCadvisorSource(
  problems: Problems,
  variable: string,
  uri: HeapsterUri,
): CadvisorSource | undefined {
  if (uri.url === 'external') return parseExternal(problems, variable, uri);
  if (uri.url === 'coreos' || uri.url === 'fleet') return parseCoreos(problems, variable, uri);
  problems.add(
    variable,
    `unknown cAdvisor source "${uri.url ?? ''}" in "${uri.text}"; it is cadvisor:external or cadvisor:coreos`,
    EXTERNAL_EXAMPLE,
  );
  return undefined;
}

function parseHostOptions(problems: Problems, variable: string, uri: HeapsterUri): CadvisorHostOptions {
  const o = uri.options;
  const v = (name: string) => uriOption(variable, uri, name);
  return {
    cadvisorPort: readInt(problems, v('cadvisorPort'), o.get('cadvisorPort'), 8080, { min: 1, max: 65535 }),
    timeoutMs: readDuration(problems, v('timeout'), o.get('timeout'), 10_000, { minMs: 100, maxMs: 600_000 }),
    concurrency: readInt(problems, v('concurrency'), o.get('concurrency'), 32, { min: 1, max: 1024 }),
    // 60 samples of a host with a dozen containers come to about 1.5 MiB.
    maxBodyBytes: readInt(problems, v('maxBodyBytes'), o.get('maxBodyBytes'), 32 * 1024 * 1024, {
      min: 1024,
      max: 1024 ** 3,
    }),
    samples: readInt(problems, v('samples'), o.get('samples'), 60, { min: 1, max: 1000 }),
  };
}

/** A local path, gs://bucket/object or secret:NAME. */
function checkHostsFile(problems: Problems, variable: string, hostsFile: string): void {
  const fail = (problem: string): void => problems.add(variable, problem, EXTERNAL_EXAMPLE);
  if (hostsFile.trim() === '')
    return fail('hostsFile is empty: give a path, gs://bucket/object or secret:NAME');
  if (hostsFile.startsWith('gs://') && !/^gs:\/\/[a-z0-9][a-z0-9._-]{1,220}\/.+$/.test(hostsFile))
    fail(`hostsFile "${hostsFile}" is not a Cloud Storage object like gs://bucket/path/hosts.json`);
  if (hostsFile.startsWith(SECRET_PREFIX) && !/^secret:[A-Za-z_][A-Za-z0-9_]*$/.test(hostsFile))
    fail(`hostsFile "${hostsFile}" is not a secret reference: secret:NAME with letters, digits and "_"`);
}

function parseExternal(problems: Problems, variable: string, uri: HeapsterUri): CadvisorExternalSource {
  const o = uri.options;
  rejectUnknownOptions(problems, variable, uri.text, o, EXTERNAL_OPTIONS);
  const hostsFile = o.get('hostsFile') ?? DEFAULT_HOSTS_FILE;
  const standalone = readBool(problems, uriOption(variable, uri, 'standalone'), o.get('standalone'), false);
  if (!standalone) checkHostsFile(problems, variable, hostsFile);
  return { kind: 'cadvisor:external', hostsFile, standalone, ...parseHostOptions(problems, variable, uri) };
}

function isFleetUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

function parseCoreos(problems: Problems, variable: string, uri: HeapsterUri): CadvisorCoreosSource {
  const o = uri.options;
  rejectUnknownOptions(problems, variable, uri.text, o, COREOS_OPTIONS);
  const given = o.getAll('fleetEndpoint');
  const fleetEndpoints = given.length > 0 ? given : [DEFAULT_FLEET_ENDPOINT];
  for (const endpoint of fleetEndpoints) {
    if (!isFleetUrl(endpoint))
      problems.add(
        variable,
        `fleetEndpoint "${endpoint}" is not an http(s) URL of a fleet API (without query)`,
        COREOS_EXAMPLE,
      );
  }
  return { kind: 'cadvisor:coreos', fleetEndpoints, ...parseHostOptions(problems, variable, uri) };
}

function parseSummaryApi(problems: Problems, variable: string, uri: HeapsterUri): SummaryApiSource {
  const o = uri.options;
  const v = (name: string) => uriOption(variable, uri, name);
  rejectUnknownOptions(problems, variable, uri.text, o, SUMMARY_OPTIONS);
  const kubeletHttps = readBool(problems, v('kubeletHttps'), o.get('kubeletHttps'), false);
  return {
    kind: 'kubernetes.summary_api',
    ...parseKubeAccess(problems, variable, uri, SOURCE_EXAMPLE),
    nodeProxy: readBool(problems, v('nodeProxy'), o.get('nodeProxy'), true),
    kubeletPort: readInt(problems, v('kubeletPort'), o.get('kubeletPort'), kubeletHttps ? 10250 : 10255, {
      min: 1,
      max: 65535,
    }),
    kubeletHttps,
    timeoutMs: readDuration(problems, v('timeout'), o.get('timeout'), 10_000, { minMs: 100, maxMs: 600_000 }),
    maxBodyBytes: readInt(problems, v('maxBodyBytes'), o.get('maxBodyBytes'), 16 * 1024 * 1024, {
      min: 1024,
      max: 1024 ** 3,
    }),
  };
}
