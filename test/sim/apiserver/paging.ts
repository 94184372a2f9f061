import type { StoredObject } from './store.js';

/**
 * limit/continue pagination. The first page keeps the references of every matching object at the list's
 * resourceVersion, so later pages are consistent with it (as etcd serves them from that revision); tokens
 * expire like continue tokens whose revision etcd has compacted.
 */
export interface Page {
  readonly resourceVersion: number;
  readonly items: readonly StoredObject[];
  readonly continueToken?: string;
  readonly remainingItemCount?: number;
}

export type Resumed = Page | { readonly failure: 'expired' | 'invalid'; readonly message: string };

export interface ListPager {
  /**
   * The first page of a list (all of it when limit is undefined or large enough). `countRemaining` false
   * leaves remainingItemCount out, as the real server does for lists with a selector.
   */
  first(
    scope: string,
    resourceVersion: number,
    items: readonly StoredObject[],
    limit: number | undefined,
    countRemaining?: boolean,
  ): Page;
  /** The page a continue token points at; `scope` must be the one the token was made for. */
  resume(scope: string, token: string, limit: number | undefined): Resumed;
  readonly liveSnapshots: number;
}

export interface ListPagerOptions {
  /** How long a continue token stays usable. */
  ttlMs?: number;
  /** Snapshots kept at once; the oldest goes first. */
  maxSnapshots?: number;
  now?: () => number;
}

interface Snapshot {
  readonly scope: string;
  readonly resourceVersion: number;
  readonly items: readonly StoredObject[];
  readonly createdAt: number;
  readonly countRemaining: boolean;
}

interface TokenBody {
  /** snapshot id */
  s: number;
  /** offset of the next item */
  o: number;
  /** list resourceVersion, for humans reading a token */
  rv: number;
}

export const EXPIRED_CONTINUE_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. ' +
  'You can start a new list without the continue parameter.';

export function createListPager(options: ListPagerOptions = {}): ListPager {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const maxSnapshots = options.maxSnapshots ?? 64;
  const now = options.now ?? Date.now;
  const snapshots = new Map<number, Snapshot>();
  let nextId = 1;

  const dropExpired = (): void => {
    const cutoff = now() - ttlMs;
    for (const [id, snapshot] of snapshots) {
      if (snapshot.createdAt > cutoff) break; // insertion order is creation order
      snapshots.delete(id);
    }
  };

  const page = (id: number, snapshot: Snapshot, offset: number, limit: number | undefined): Page => {
    const end =
      limit === undefined || limit <= 0
        ? snapshot.items.length
        : Math.min(offset + limit, snapshot.items.length);
    const items = snapshot.items.slice(offset, end);
    // The snapshot outlives its last page so a retried request still finds it; expiry and the cap clean up.
    if (end >= snapshot.items.length) return { resourceVersion: snapshot.resourceVersion, items };
    const body: TokenBody = { s: id, o: end, rv: snapshot.resourceVersion };
    const continueToken = Buffer.from(JSON.stringify(body)).toString('base64');
    if (!snapshot.countRemaining) return { resourceVersion: snapshot.resourceVersion, items, continueToken };
    const remainingItemCount = snapshot.items.length - end;
    return { resourceVersion: snapshot.resourceVersion, items, continueToken, remainingItemCount };
  };

  return {
    get liveSnapshots() {
      return snapshots.size;
    },
    first: (scope, resourceVersion, items, limit, countRemaining = true) => {
      if (limit === undefined || limit <= 0 || items.length <= limit) return { resourceVersion, items };
      dropExpired();
      while (snapshots.size >= maxSnapshots) snapshots.delete(snapshots.keys().next().value!);
      const id = nextId++;
      const snapshot: Snapshot = { scope, resourceVersion, items, createdAt: now(), countRemaining };
      snapshots.set(id, snapshot);
      return page(id, snapshot, 0, limit);
    },
    resume: (scope, token, limit) => {
      const body = decodeToken(token);
      if (body === undefined) {
        return { failure: 'invalid', message: `continue key is not valid: ${JSON.stringify(token)}` };
      }
      dropExpired();
      const snapshot = snapshots.get(body.s);
      if (snapshot === undefined) return { failure: 'expired', message: EXPIRED_CONTINUE_MESSAGE };
      if (snapshot.scope !== scope || body.o > snapshot.items.length) {
        return { failure: 'invalid', message: 'continue key is not valid: it was made for another list' };
      }
      return page(body.s, snapshot, body.o, limit);
    },
  };
}

function decodeToken(token: string): TokenBody | undefined {
  try {
    const body: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (typeof body !== 'object' || body === null) return undefined;
    const { s, o, rv } = body as Record<string, unknown>;
    if (!Number.isInteger(s) || !Number.isInteger(o) || !Number.isInteger(rv) || (o as number) < 0)
      return undefined;
    return { s: s as number, o: o as number, rv: rv as number };
  } catch {
    return undefined;
  }
}
