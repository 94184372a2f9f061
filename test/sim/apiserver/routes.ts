import { findResource } from './resources.js';
import type { ApiResource } from './resources.js';

/** What a request path names, before any store is consulted. */
export type Route =
  | { kind: 'version' }
  | { kind: 'health'; check: 'healthz' | 'readyz' | 'livez' }
  | { kind: 'api-versions' }
  | { kind: 'group-list' }
  | { kind: 'group'; group: string }
  | { kind: 'resource-list'; group: string; version: string }
  | {
      kind: 'resource';
      resource: ApiResource;
      namespace: string | undefined;
      name: string | undefined;
      /** The legacy /api/v1/watch/... form. */
      watchPath: boolean;
    }
  | { kind: 'node-proxy'; node: string; port: number | undefined; scheme: string | undefined; path: string }
  | { kind: 'unknown' };

const EVENTS_GROUP = 'events.k8s.io';

/** Parses the path part of a request target (query string excluded). Segments are percent-decoded. */
export function parseRoute(rawPath: string): Route {
  const raw = rawPath.split('/').filter((s, i) => i > 0 && s !== '');
  let segments: string[];
  try {
    segments = raw.map((s) => decodeURIComponent(s));
  } catch {
    return { kind: 'unknown' };
  }
  const [first, second, third] = segments;
  if (segments.length === 1 && first === 'version') return { kind: 'version' };
  if (segments.length === 1 && (first === 'healthz' || first === 'readyz' || first === 'livez')) {
    return { kind: 'health', check: first };
  }
  if (first === 'api') {
    if (segments.length === 1) return { kind: 'api-versions' };
    if (second !== 'v1') return { kind: 'unknown' };
    if (segments.length === 2) return { kind: 'resource-list', group: '', version: 'v1' };
    const proxied = /^\/api\/v1\/nodes\/[^/]+\/proxy(\/.*)?$/.exec(rawPath);
    if (proxied !== null && segments[2] === 'nodes' && segments[4] === 'proxy') {
      return nodeProxyRoute(segments[3]!, proxied[1] ?? '/');
    }
    return parseResourcePath('', segments.slice(2));
  }
  if (first === 'apis') {
    if (segments.length === 1) return { kind: 'group-list' };
    if (second !== EVENTS_GROUP) return { kind: 'unknown' };
    if (segments.length === 2) return { kind: 'group', group: EVENTS_GROUP };
    if (third !== 'v1') return { kind: 'unknown' };
    if (segments.length === 3) return { kind: 'resource-list', group: EVENTS_GROUP, version: 'v1' };
    return parseResourcePath(EVENTS_GROUP, segments.slice(3));
  }
  return { kind: 'unknown' };
}

function nodeProxyRoute(name: string, rawRest: string): Route {
  // The client library escapes the slashes of the path (stats%2Fsummary): decode the whole rest at once.
  try {
    return { kind: 'node-proxy', ...splitNodeName(name), path: decodeURIComponent(rawRest) };
  } catch {
    return { kind: 'unknown' };
  }
}

function parseResourcePath(group: string, segments: string[]): Route {
  let watchPath = false;
  if (segments[0] === 'watch') {
    watchPath = true;
    segments = segments.slice(1);
  }
  let namespace: string | undefined;
  // `namespaces/NS/...` names a namespaced resource, except `namespaces/NS` alone (the Namespace itself).
  if (segments[0] === 'namespaces' && segments.length >= 3) {
    namespace = segments[1];
    segments = segments.slice(2);
  }
  const resource = findResource(group, segments[0] ?? '');
  if (resource === undefined || (namespace !== undefined && !resource.namespaced)) return { kind: 'unknown' };
  const name = segments[1];
  if (segments.length <= 2) {
    // A namespaced object must be addressed through its namespace.
    if (name !== undefined && resource.namespaced && namespace === undefined) return { kind: 'unknown' };
    return { kind: 'resource', resource, namespace, name, watchPath };
  }
  return { kind: 'unknown' };
}

/** `name`, `name:port` or `scheme:name:port`, as the real server accepts in proxy paths. */
function splitNodeName(id: string): { node: string; port: number | undefined; scheme: string | undefined } {
  const parts = id.split(':');
  if (parts.length === 3) return { scheme: parts[0], node: parts[1]!, port: Number(parts[2]) || undefined };
  if (parts.length === 2) return { scheme: undefined, node: parts[0]!, port: Number(parts[1]) || undefined };
  return { scheme: undefined, node: id, port: undefined };
}
