import { API_RESOURCES, groupVersion } from './resources.js';
import type { ApiResource } from './resources.js';

/**
 * The discovery documents in their plain (non-aggregated) form. Clients that ask for aggregated discovery
 * (apidiscovery.k8s.io/v2) get these with `Content-Type: application/json` and fall back to them, as they do
 * with servers older than 1.26.
 */

/** The verbs this server answers; advertising only these keeps `kubectl` from offering what would fail. */
const VERBS = ['get', 'list', 'watch'] as const;

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  goVersion: string;
  compiler: string;
  platform: string;
}

export function versionInfo(gitVersion: string): VersionInfo {
  const match = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: match?.[1] ?? '1',
    minor: match?.[2] ?? '31',
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-08-13T07:28:49Z',
    goVersion: 'go1.22.5',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

const EVENTS_GROUP_VERSION = { groupVersion: 'events.k8s.io/v1', version: 'v1' };

export function eventsApiGroup(): object {
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: 'events.k8s.io',
    versions: [EVENTS_GROUP_VERSION],
    preferredVersion: EVENTS_GROUP_VERSION,
  };
}

export function apiGroupList(): object {
  const { kind: _kind, apiVersion: _apiVersion, ...group } = eventsApiGroup() as Record<string, unknown>;
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [group] };
}

function describeResource(resource: ApiResource): object {
  const entry: Record<string, unknown> = {
    name: resource.name,
    singularName: resource.singularName,
    namespaced: resource.namespaced,
    kind: resource.kind,
    verbs: VERBS,
    shortNames: resource.shortNames,
  };
  if (resource.categories !== undefined) entry.categories = resource.categories;
  return entry;
}

/** APIResourceList for `v1` or `events.k8s.io/v1`; undefined for any other group version. */
export function apiResourceList(group: string, version: string): object | undefined {
  const served = API_RESOURCES.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) return undefined;
  const resources = served.map(describeResource);
  if (group === '') {
    // Every method is handed to the proxy hook, as the real server forwards them all.
    const verbs = ['create', 'delete', 'get', 'patch', 'update'];
    resources.push({
      name: 'nodes/proxy',
      singularName: '',
      namespaced: false,
      kind: 'NodeProxyOptions',
      verbs,
    });
  }
  const sorted = resources.sort((a, b) =>
    String((a as { name: string }).name).localeCompare(String((b as { name: string }).name)),
  );
  return { kind: 'APIResourceList', groupVersion: groupVersion(served[0]!), resources: sorted };
}
