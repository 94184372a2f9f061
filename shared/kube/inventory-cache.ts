import type { ClusterInventory, NodeInfo, PodInfo } from '../metrics/inventory.js';
import type { KubeConnection, RequestLimits } from './connect.js';
import {
  listPages,
  toNamespace,
  toNode,
  toPod,
  type Discovery,
  type Item,
  type NodeTarget,
} from './discover.js';

/**
 * The cluster inventory a warm instance keeps between rounds, the way an informer keeps its store: the first
 * round lists nodes, pods and namespaces; every later round catches up with one short watch per resource from
 * the resourceVersion it reached, instead of listing every pod again (75 MB of JSON at 30,000 pods).
 *
 * The catch-up is a watch that the API server itself ends after `catchUpSeconds`: a watch from a
 * resourceVersion starts by replaying every change since, so the body it returns holds them all. A watch kept
 * open between rounds could not be relied on (Cloud Functions throttles the CPU between invocations), and
 * ending the catch-up on our side after a quiet spell would guess when the replay is complete.
 * A watch the server refuses as expired (410), or that fails, falls back to listing that resource again; a
 * failed list fails the round, as it does without the cache.
 */
export const INVENTORY_RESOURCES = ['nodes', 'pods', 'namespaces'] as const;
export type InventoryResource = (typeof INVENTORY_RESOURCES)[number];

export interface InventoryOptions {
  /** How long the server keeps each catch-up watch open (whole seconds, as the API takes it). */
  readonly catchUpSeconds?: number;
  /** Items per page of a list. */
  readonly pageSize?: number;
}

export interface RefreshedInventory extends Discovery {
  /** Resources listed this round, and why; the others were caught up by a watch. */
  readonly listed: readonly { readonly resource: InventoryResource; readonly reason: ListReason }[];
  /** Changes (added, modified, deleted objects) the catch-up watches applied. */
  readonly changes: number;
}

/** cold: nothing kept yet; expired: the watch history no longer reaches back; watch-failed: any other failure. */
export type ListReason = 'cold' | 'expired' | 'watch-failed';

export interface InventoryCache {
  /**
   * The nodes as the last refresh left them; undefined while the cache is cold (nothing listed yet, or the last
   * list failed). A round can start fetching their summaries while the refresh catches up.
   */
  knownNodes(): readonly NodeTarget[] | undefined;
  /**
   * Brings the inventory up to date through `conn`; throws DiscoveryError when a list fails. Lists obey
   * `limits.signal`; a catch-up does not: it ends on its own within `catchUpSeconds`, and the summaries a
   * round already fetched need it to be enriched.
   */
  refresh(conn: KubeConnection, limits: RequestLimits): Promise<RefreshedInventory>;
}

/** One resource's objects as the cache keeps them, and how far its watch got. */
interface Mirror {
  readonly resource: InventoryResource;
  resourceVersion: string | undefined;
  /** Starts an empty store (a list fills it). */
  reset(): void;
  put(item: Item): void;
  remove(item: Item): void;
}

type CatchUp =
  | { readonly ok: true; readonly changes: number }
  | { readonly ok: false; readonly reason: Exclude<ListReason, 'cold'> };

export function inventoryCache(options: InventoryOptions = {}): InventoryCache {
  const catchUpSeconds = options.catchUpSeconds ?? 1;
  const pageSize = options.pageSize ?? 500;
  let nodes = new Map<string, NodeInfo>();
  let targets = new Map<string, NodeTarget>();
  let pods = new Map<string, PodInfo>();
  let namespaces = new Map<string, string>();
  let sortedTargets: readonly NodeTarget[] | undefined;

  const metaOf = (item: Item): { name?: string; uid?: string } =>
    (item['metadata'] ?? {}) as { name?: string; uid?: string };
  const mirrors: readonly Mirror[] = [
    {
      resource: 'nodes',
      resourceVersion: undefined,
      reset: () => {
        nodes = new Map();
        targets = new Map();
        sortedTargets = undefined;
      },
      put: (item) => {
        const { info, target } = toNode(item);
        nodes.set(info.name, info);
        targets.set(target.name, target);
        sortedTargets = undefined;
      },
      remove: (item) => {
        const name = metaOf(item).name ?? '';
        nodes.delete(name);
        if (targets.delete(name)) sortedTargets = undefined;
      },
    },
    {
      resource: 'pods',
      resourceVersion: undefined,
      reset: () => (pods = new Map()),
      put: (item) => {
        const pod = toPod(item);
        if (pod !== undefined) pods.set(pod.uid, pod);
      },
      remove: (item) => pods.delete(metaOf(item).uid ?? ''),
    },
    {
      resource: 'namespaces',
      resourceVersion: undefined,
      reset: () => (namespaces = new Map()),
      put: (item) => {
        const ns = toNamespace(item);
        if (ns !== undefined) namespaces.set(ns.name, ns.uid);
      },
      remove: (item) => namespaces.delete(metaOf(item).name ?? ''),
    },
  ];

  const refreshOne = async (
    conn: KubeConnection,
    mirror: Mirror,
    limits: RequestLimits,
  ): Promise<{ listed?: ListReason; changes: number }> => {
    let reason: ListReason = 'cold';
    if (mirror.resourceVersion !== undefined) {
      const caught = await catchUp(conn, mirror, limits, catchUpSeconds);
      if (caught.ok) return { changes: caught.changes };
      reason = caught.reason;
    }
    await relist(conn, mirror, limits, pageSize);
    return { listed: reason, changes: 0 };
  };

  // Overlapping invocations of one instance take turns, so two catch-ups never apply the same changes at once.
  let turn: Promise<unknown> = Promise.resolve();
  const refresh = async (conn: KubeConnection, limits: RequestLimits): Promise<RefreshedInventory> => {
    // Settled, not Promise.all: no resource is still being written when the refresh answers.
    const settled = await Promise.allSettled(mirrors.map((m) => refreshOne(conn, m, limits)));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    const results = settled.map(
      (s) => (s as PromiseFulfilledResult<{ listed?: ListReason; changes: number }>).value,
    );
    const inventory: ClusterInventory = { nodes, pods, namespaces };
    return {
      inventory,
      nodes: nodesInOrder(),
      listed: results.flatMap((r, i) =>
        r.listed === undefined ? [] : [{ resource: (mirrors[i] as Mirror).resource, reason: r.listed }],
      ),
      changes: results.reduce((n, r) => n + r.changes, 0),
    };
  };
  // By name, as the API lists them, whatever order the changes came in.
  const nodesInOrder = (): readonly NodeTarget[] =>
    (sortedTargets ??= [...targets.values()].sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    ));
  return {
    knownNodes: () => (mirrors.every((m) => m.resourceVersion !== undefined) ? nodesInOrder() : undefined),
    refresh: (conn, limits) => {
      const next = turn.then(() => refresh(conn, limits));
      turn = next.catch(() => undefined);
      return next;
    },
  };
}

const pathOf = (resource: InventoryResource): string => `/api/v1/${resource}`;

/** A fresh list of the resource; its resourceVersion is where the next catch-up starts. */
async function relist(
  conn: KubeConnection,
  mirror: Mirror,
  limits: RequestLimits,
  pageSize: number,
): Promise<void> {
  // Until the list is complete the store is not a state of the cluster: a failure leaves the cache cold.
  mirror.resourceVersion = undefined;
  mirror.reset();
  let resourceVersion = '';
  for await (const page of listPages(conn, pathOf(mirror.resource), pageSize, limits)) {
    resourceVersion = page.resourceVersion;
    for (const item of page.items) mirror.put(item);
  }
  mirror.resourceVersion = resourceVersion === '' ? undefined : resourceVersion;
}

/**
 * Applies the changes since the mirror's resourceVersion, read from a watch that the server ends after
 * `seconds`. Each applied event moves the resourceVersion on; a failure is answered by a list.
 */
async function catchUp(
  conn: KubeConnection,
  mirror: Mirror,
  limits: RequestLimits,
  seconds: number,
): Promise<CatchUp> {
  const params = new URLSearchParams({
    watch: 'true',
    resourceVersion: mirror.resourceVersion ?? '',
    allowWatchBookmarks: 'true',
    timeoutSeconds: String(seconds),
  });
  // Not cut short by the run's signal (see InventoryCache.refresh): the server ends it within `seconds`.
  const outcome = await conn.get(`${pathOf(mirror.resource)}?${params}`, {
    timeoutMs: limits.timeoutMs + seconds * 1000,
    maxBytes: limits.maxBytes,
  });
  if (!outcome.ok) return { ok: false, reason: outcome.status === 410 ? 'expired' : 'watch-failed' };
  const text = outcome.text;
  let changes = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    const event = parseEvent(line);
    if (event === undefined) return { ok: false, reason: 'watch-failed' };
    if (event.type === 'ERROR') {
      return { ok: false, reason: event.object['code'] === 410 ? 'expired' : 'watch-failed' };
    }
    if (event.type === 'ADDED' || event.type === 'MODIFIED') mirror.put(event.object);
    else if (event.type === 'DELETED') mirror.remove(event.object);
    else if (event.type !== 'BOOKMARK') return { ok: false, reason: 'watch-failed' };
    if (event.type !== 'BOOKMARK') changes++;
    const rv = (event.object['metadata'] as { resourceVersion?: unknown } | undefined)?.resourceVersion;
    if (typeof rv === 'string' && rv !== '') mirror.resourceVersion = rv;
  }
  return { ok: true, changes };
}

function parseEvent(line: string): { type: string; object: Item } | undefined {
  try {
    const event = JSON.parse(line) as { type?: unknown; object?: unknown };
    return typeof event.type === 'string' && typeof event.object === 'object' && event.object !== null
      ? { type: event.type, object: event.object as Item }
      : undefined;
  } catch {
    return undefined;
  }
}
