import type { Dispatcher } from 'undici';
import { httpGet, type FetchFailure } from '../../runtime/http-get.js';
import type { ApiLevel, CadvisorHost, HostAnswer } from './types.js';

export interface HostFetchOptions {
  readonly dispatcher: Dispatcher;
  /** The whole host: every request it takes shares this deadline. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** Samples per container asked of v2.0 hosts. */
  readonly samples: number;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

export type HostFetch =
  | { readonly ok: true; readonly answer: HostAnswer; readonly bytes: number }
  | {
      readonly ok: false;
      readonly reason: FetchFailure | 'bad-body' | 'no-address';
      readonly message: string;
      readonly status?: number;
    };

/**
 * The API versions a cAdvisor lists. It answers GET /api with HTTP 400 and a plain-text line such as
 * "Supported API versions: v1.0,v1.1,v1.2,v1.3,v2.0"; v2.0 is read where served, else v1.3.
 */
export function chooseApiLevel(text: string): { level?: ApiLevel; listed: string[] } {
  const listed = [...new Set(text.match(/\bv\d+\.\d+\b/g) ?? [])];
  const level = listed.includes('v2.0') ? 'v2.0' : listed.includes('v1.3') ? 'v1.3' : undefined;
  return level === undefined ? { listed } : { level, listed };
}

/** Paths of the requests a round makes at each level (v2.0: spec and stats apart; v1.3: one ContainerInfo list). */
export function apiPaths(level: ApiLevel, samples: number): Record<string, string> {
  return level === 'v2.0'
    ? {
        machine: '/api/v2.0/machine',
        spec: '/api/v2.0/spec?type=name&recursive=true',
        stats: `/api/v2.0/stats?type=name&recursive=true&count=${samples}`,
      }
    : { machine: '/api/v1.3/machine', subcontainers: '/api/v1.3/subcontainers/' };
}

function baseUrl(host: CadvisorHost): string {
  const address = host.address as string;
  return `http://${address.includes(':') ? `[${address}]` : address}:${host.port}`;
}

/** fetch: the host's API level, then machine info and every container's spec and samples. Never throws. */
export async function fetchHost(host: CadvisorHost, o: HostFetchOptions): Promise<HostFetch> {
  if (host.address === undefined)
    return { ok: false, reason: 'no-address', message: 'fleet lists the machine without a primaryIP' };
  const now = o.now ?? Date.now;
  const deadline = now() + o.timeoutMs;
  const base = baseUrl(host);
  const get = (path: string) =>
    httpGet(new URL(path, base), {
      dispatcher: o.dispatcher,
      timeoutMs: Math.max(1, deadline - now()),
      maxBytes: o.maxBodyBytes,
      ...(o.signal !== undefined ? { signal: o.signal } : {}),
    });

  const probe = await get('/api');
  // cAdvisor answers 400 by design here; anything but an HTTP answer is the host's failure.
  if (!probe.ok && probe.reason !== 'http-status') return probe;
  const text = probe.ok ? probe.text.slice(0, 300) : probe.message;
  const { level, listed } = chooseApiLevel(text);
  // Not the 400 cAdvisor answers with: the host's own trouble (a 503 of a proxy, a 500 of a sick host).
  if (level === undefined && !probe.ok && probe.status !== 400 && listed.length === 0)
    return { ...probe, message: `GET /api: ${probe.message}` };
  if (level === undefined) {
    const status = probe.status;
    return {
      ok: false,
      reason: 'bad-body',
      message: `GET /api lists ${listed.length > 0 ? `API versions ${listed.join(',')}` : 'no API versions'}; v1.3 or v2.0 is needed`,
      ...(status !== undefined ? { status } : {}),
    };
  }

  const paths = Object.entries(apiPaths(level, o.samples));
  const fetched = await Promise.all(paths.map(([, path]) => get(path)));
  const bodies: Record<string, unknown> = {};
  let bytes = 0;
  for (let i = 0; i < paths.length; i++) {
    const [name, path] = paths[i] as [string, string];
    const f = fetched[i];
    if (f === undefined) continue;
    if (!f.ok) return { ...f, message: `GET ${path}: ${f.message}` };
    bytes += f.bytes;
    try {
      bodies[name] = JSON.parse(f.text);
    } catch (err) {
      return { ok: false, reason: 'bad-body', message: `GET ${path}: not JSON: ${(err as Error).message}` };
    }
  }
  const answer: HostAnswer =
    level === 'v2.0'
      ? { version: level, machine: bodies['machine'], spec: bodies['spec'], stats: bodies['stats'] }
      : { version: level, machine: bodies['machine'], subcontainers: bodies['subcontainers'] };
  return { ok: true, answer, bytes };
}
