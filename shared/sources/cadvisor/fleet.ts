import type { Dispatcher } from 'undici';
import { httpGet } from '../../runtime/http-get.js';

/** A machine as fleet's API v1 lists it (GET /fleet/v1/machines). */
export interface FleetMachine {
  /** The machine's systemd machine-id. */
  readonly id: string;
  readonly primaryIP: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
}

export type FleetPage =
  | { readonly ok: true; readonly machines: readonly FleetMachine[]; readonly nextPageToken?: string }
  | { readonly ok: false; readonly error: string };

const isObject = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** One page: {"machines":[{"id","primaryIP","metadata"}], "nextPageToken"}; a machine without an id is skipped. */
export function parseFleetPage(payload: unknown): FleetPage {
  if (!isObject(payload)) return { ok: false, error: 'the answer is not a JSON object' };
  const list = payload['machines'] ?? [];
  if (!Array.isArray(list)) return { ok: false, error: '"machines" is not a list' };
  const machines: FleetMachine[] = [];
  for (const m of list) {
    if (!isObject(m) || typeof m['id'] !== 'string' || m['id'] === '') continue;
    const metadata: Record<string, string> = {};
    if (isObject(m['metadata']))
      for (const [k, v] of Object.entries(m['metadata'])) if (typeof v === 'string') metadata[k] = v;
    const ip = m['primaryIP'];
    machines.push({ id: m['id'], primaryIP: typeof ip === 'string' && ip !== '' ? ip : undefined, metadata });
  }
  const token = payload['nextPageToken'];
  return typeof token === 'string' && token !== ''
    ? { ok: true, machines, nextPageToken: token }
    : { ok: true, machines };
}

export interface FleetOptions {
  readonly dispatcher: Dispatcher;
  /** Per request. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly signal?: AbortSignal;
}

export type FleetListing =
  | {
      readonly ok: true;
      readonly endpoint: string;
      readonly machines: readonly FleetMachine[];
      /** Endpoints tried before the one that answered, with why they were passed over. */
      readonly skipped: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

/** Pages a listing may take; a fleet handing out tokens for ever is broken. */
const MAX_PAGES = 10_000;

async function listFrom(
  endpoint: string,
  o: FleetOptions,
): Promise<{ ok: true; machines: FleetMachine[] } | { ok: false; error: string }> {
  const machines = new Map<string, FleetMachine>();
  const seenTokens = new Set<string>();
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = new URL(`${endpoint.replace(/\/+$/, '')}/fleet/v1/machines`);
    if (token !== undefined) url.searchParams.set('nextPageToken', token);
    const got = await httpGet(url, {
      dispatcher: o.dispatcher,
      timeoutMs: o.timeoutMs,
      maxBytes: o.maxBodyBytes,
      ...(o.signal !== undefined ? { signal: o.signal } : {}),
    });
    const at = page === 0 ? '' : ` (page ${page + 1})`;
    if (!got.ok) return { ok: false, error: `${got.reason}${at}: ${got.message}` };
    let payload: unknown;
    try {
      payload = JSON.parse(got.text);
    } catch (err) {
      return { ok: false, error: `not JSON${at}: ${(err as Error).message}` };
    }
    const parsed = parseFleetPage(payload);
    if (!parsed.ok) return { ok: false, error: `${parsed.error}${at}` };
    for (const m of parsed.machines) if (!machines.has(m.id)) machines.set(m.id, m);
    if (parsed.nextPageToken === undefined) return { ok: true, machines: [...machines.values()] };
    if (seenTokens.has(parsed.nextPageToken))
      return { ok: false, error: `page token "${parsed.nextPageToken}" came back twice${at}` };
    seenTokens.add(parsed.nextPageToken);
    token = parsed.nextPageToken;
  }
  return { ok: false, error: `more than ${MAX_PAGES} pages` };
}

/**
 * Every machine fleet knows, from the first endpoint that lists them all; an endpoint failing on any page
 * hands over to the next, which lists from the start (page tokens are the endpoint's own).
 */
export async function listFleetMachines(
  endpoints: readonly string[],
  o: FleetOptions,
): Promise<FleetListing> {
  const skipped: string[] = [];
  for (const endpoint of endpoints) {
    const listed = await listFrom(endpoint, o);
    if (listed.ok) return { ok: true, endpoint, machines: listed.machines, skipped };
    skipped.push(`fleet endpoint ${endpoint}: ${listed.error}`);
    if (o.signal?.aborted) break;
  }
  return {
    ok: false,
    error: `no fleet endpoint listed the machines (${skipped.join('; ')})`,
  };
}
