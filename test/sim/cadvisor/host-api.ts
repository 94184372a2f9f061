import { posix } from 'node:path';
import type { Payload } from '../faults.js';
import { sampleInstants } from './housekeeping.js';
import { isGoZeroTime, parseGoTime, compareInstants, type Instant } from './go-time.js';
import { jsonPayload } from './json.js';
import { servedApiVersions, subtree, type ContainerModel, type HostModel } from './model.js';
import { machineInfo } from './render-machine.js';
import { containerInfoV1 } from './render-v1.js';
import { attributes, specV2, statsV2 } from './render-v2.js';

/** What a request gets: a JSON body (faults can bend it) or a plain-text answer such as cAdvisor's errors. */
export type ApiReply = { kind: 'json'; payload: Payload } | { kind: 'text'; status: number; body: string };

/** Request types per v1 version: each builds on the one before. */
const V1_TYPES: Record<string, readonly string[]> = {
  'v1.0': ['containers', 'machine'],
  'v1.1': ['containers', 'machine', 'subcontainers'],
  'v1.2': ['containers', 'machine', 'subcontainers', 'docker'],
  'v1.3': ['containers', 'machine', 'subcontainers', 'docker', 'events'],
};
const V2_TYPES = [
  'version',
  'attributes',
  'events',
  'machine',
  'summary',
  'stats',
  'spec',
  'storage',
  'ps',
  'appmetrics',
];

/** cAdvisor's ContainerInfoRequest default, and the v2 RequestOptions default count. */
export const DEFAULT_NUM_STATS = 60;
export const DEFAULT_V2_COUNT = 64;

const text = (status: number, body: string): ApiReply => ({ kind: 'text', status, body: body + '\n' });
const fail = (message: string): ApiReply => text(500, message);
const json = (build: (missing: boolean) => unknown): ApiReply => ({
  kind: 'json',
  payload: jsonPayload(build),
});

class ApiError extends Error {}

/** Go's path.Join("/", ...) : cleaned, no trailing slash except for the root. */
function containerName(args: string[]): string {
  const joined = posix.normalize('/' + args.join('/'));
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

function lastSamples(all: Instant[], count: number): Instant[] {
  return count < 0 ? all : all.slice(Math.max(0, all.length - count));
}

interface InfoRequest {
  numStats: number;
  start?: Instant;
  end?: Instant;
}

/** The body of a v1 request: a ContainerInfoRequest, or nothing for the defaults. */
function parseInfoRequest(body: string): InfoRequest {
  if (body.trim() === '') return { numStats: DEFAULT_NUM_STATS };
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch (err) {
    throw new ApiError(`unable to decode the json value: ${(err as Error).message}`);
  }
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const time = (key: string): Instant | undefined => {
    if (r[key] === undefined) return undefined;
    const at = typeof r[key] === 'string' ? parseGoTime(r[key]) : undefined;
    if (at === undefined) throw new ApiError(`unable to decode the json value: bad time in "${key}"`);
    return isGoZeroTime(at) ? undefined : at;
  };
  const numStats = r['num_stats'] === undefined ? DEFAULT_NUM_STATS : Number(r['num_stats']);
  if (!Number.isInteger(numStats))
    throw new ApiError('unable to decode the json value: num_stats is not an int');
  return { numStats, start: time('start'), end: time('end') };
}

function v1Instants(host: HostModel, name: string, req: InfoRequest, nowMs: number): Instant[] {
  const inRange = sampleInstants(host, name, nowMs).filter(
    (at) =>
      (req.start === undefined || compareInstants(at, req.start) >= 0) &&
      (req.end === undefined || compareInstants(at, req.end) <= 0),
  );
  return lastSamples(inRange, req.numStats);
}

function findDocker(host: HostModel, ref: string): ContainerModel | undefined {
  return [...host.containers.values()].find((c) => c.namespace === 'docker' && c.aliases.includes(ref));
}

function handleV1(host: HostModel, type: string, args: string[], body: string, nowMs: number): ApiReply {
  const name = containerName(args);
  switch (type) {
    case 'machine':
      return json((missing) => machineInfo(host, missing));
    case 'containers': {
      const req = parseInfoRequest(body);
      if (!host.containers.has(name))
        return fail(`failed to get container "${name}" with error: unknown container "${name}"`);
      return json((missing) => containerInfoV1(host, name, v1Instants(host, name, req, nowMs), missing));
    }
    case 'subcontainers': {
      const req = parseInfoRequest(body);
      if (!host.containers.has(name))
        return fail(
          `failed to get subcontainers for container "${name}" with error: unknown container "${name}"`,
        );
      const names = subtree(host, name)
        .map((c) => c.name)
        .sort();
      return json((missing) =>
        names.map((n) => containerInfoV1(host, n, v1Instants(host, n, req, nowMs), missing)),
      );
    }
    case 'docker': {
      const req = parseInfoRequest(body);
      const refs = args.length === 1 && args[0] === '' ? [] : args;
      if (refs.length > 1) return fail(`unknown request for Docker container [${refs.join(' ')}]`);
      const ref = refs[0];
      const chosen =
        ref === undefined
          ? [...host.containers.values()].filter((c) => c.namespace === 'docker')
          : [findDocker(host, ref)].filter((c): c is ContainerModel => c !== undefined);
      if (ref !== undefined && chosen.length === 0)
        return fail(
          `failed to get Docker container "${ref}" with error: unable to find Docker container "${ref}"`,
        );
      return json((missing) =>
        Object.fromEntries(
          chosen.map((c) => [
            c.name,
            containerInfoV1(host, c.name, v1Instants(host, c.name, req, nowMs), missing),
          ]),
        ),
      );
    }
    default:
      return fail(`the simulated cAdvisor does not serve "${type}" requests`);
  }
}

interface RequestOptions {
  idType: 'name' | 'docker';
  count: number;
  recursive: boolean;
}

function parseOptions(query: URLSearchParams): RequestOptions {
  const idType = query.get('type') || 'name';
  if (idType !== 'name' && idType !== 'docker') throw new ApiError(`unknown 'type' "${idType}"`);
  const countText = query.get('count');
  let count = DEFAULT_V2_COUNT;
  if (countText !== null && countText !== '') {
    count = /^[+-]?\d+$/.test(countText) ? Number(countText) : NaN;
    if (Number.isNaN(count)) throw new ApiError(`failed to parse 'count' option: ${countText}`);
    if (count < -1)
      throw new ApiError(`invalid 'count' option: only -1 and larger values allowed, not ${count}`);
  }
  return { idType, count, recursive: query.get('recursive') === 'true' };
}

/** The containers a v2 request names, as cAdvisor's getRequestedContainers picks them. */
function requested(host: HostModel, name: string, opt: RequestOptions): string[] {
  if (opt.idType === 'name') {
    if (!host.containers.has(name)) throw new ApiError(`unknown container "${name}"`);
    return opt.recursive ? subtree(host, name).map((c) => c.name) : [name];
  }
  if (opt.recursive) {
    if (name !== '/') throw new ApiError(`invalid request for docker container "${name}" with subcontainers`);
    return [...host.containers.values()].filter((c) => c.namespace === 'docker').map((c) => c.name);
  }
  const c = findDocker(host, name.slice(1));
  if (c === undefined)
    throw new ApiError(`unable to find container "${name.slice(1)}" in "docker" namespace`);
  return [c.name];
}

function handleV2(
  host: HostModel,
  type: string,
  args: string[],
  query: URLSearchParams,
  nowMs: number,
): ApiReply {
  const opt = parseOptions(query);
  const name = containerName(args);
  switch (type) {
    case 'version':
      return json(() => host.machine.cadvisorVersion);
    case 'attributes':
      return json(() => attributes(host));
    case 'machine':
      return json((missing) => machineInfo(host, missing));
    case 'spec': {
      const names = requested(host, name, opt);
      return json(() => Object.fromEntries(names.map((n) => [n, specV2(host, n)])));
    }
    case 'stats': {
      const names = requested(host, name, opt);
      return json((missing) =>
        Object.fromEntries(
          names.map((n) => [
            n,
            statsV2(host, n, lastSamples(sampleInstants(host, n, nowMs), opt.count), missing),
          ]),
        ),
      );
    }
    default:
      return fail(`the simulated cAdvisor does not serve "${type}" requests`);
  }
}

/**
 * Answers one request the way cAdvisor's /api handler does. Any method is accepted; v1 clients POST a
 * ContainerInfoRequest as the body.
 */
export function answerApi(host: HostModel, url: URL, body: string, nowMs: number): ApiReply {
  const path = url.pathname;
  if (!path.startsWith('/api')) return text(404, '404 page not found');
  const versions = servedApiVersions(host.apiVersion);
  if (path === '/api' || path === '/api/')
    return text(400, `Supported API versions: ${[...versions].sort().join(',')}`);
  const m = /^\/api\/([^/]+)\/?([^/]+)?(.*)$/.exec(path);
  if (m === null) return fail(`malformed request "${path}"`);
  const [, version = '', type = '', rest = ''] = m;
  if (!versions.includes(version)) return fail(`unsupported API version "${version}"`);
  const v2 = version === 'v2.0';
  if (type === '') {
    const types = [...(v2 ? V2_TYPES : (V1_TYPES[version] ?? []))].sort();
    return text(400, `Supported request types: "${types.join(',')}"`);
  }
  if (!v2 && !(V1_TYPES[version] ?? []).includes(type)) return fail(`unknown request type "${type}"`);
  if (v2 && !V2_TYPES.includes(type)) return fail(`unknown request type "${type}"`);
  let args = rest.split('/');
  if (args[0] === '') args = args.slice(1);
  try {
    return v2 ? handleV2(host, type, args, url.searchParams, nowMs) : handleV1(host, type, args, body, nowMs);
  } catch (err) {
    if (err instanceof ApiError) return fail(err.message);
    throw err;
  }
}
