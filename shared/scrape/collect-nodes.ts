import type { SummaryApiSource } from '../config/source-uri.js';
import type { KubeConnection, RequestLimits } from '../kube/connect.js';
import { discover, type Discovery, type NodeTarget } from '../kube/discover.js';
import type { InventoryCache, RefreshedInventory } from '../kube/inventory-cache.js';
import type { EnrichOptions } from '../metrics/enrich.js';
import type { EntityCatalog } from '../metrics/entity-catalog.js';
import type { ValueArena } from '../metrics/value-arena.js';
import { mapLimit } from '../runtime/limit.js';
import { fetchNode, finishNode, type FetchedNode, type NodeOutcome } from './scrape-node.js';
import { errorMessage } from '../runtime/log.js';

export interface NodeCollection {
  readonly conn: KubeConnection;
  /**
   * A connection of its own for a catch-up, so its watches (held open by the server for a second) never wait
   * for, or hold up, the summary requests on `conn`'s sockets.
   */
  readonly connectForCatchUp: () => Promise<KubeConnection>;
  readonly source: SummaryApiSource;
  /** For lists; a catch-up of a kept inventory ignores its signal (see InventoryCache.refresh). */
  readonly limits: RequestLimits;
  readonly inventory: InventoryCache | undefined;
  /** The counter states of the previous round (never rejects: a failed load is an empty map). */
  readonly previous: Promise<ReadonlyMap<string, Uint8Array>>;
  readonly enrichOptions: EnrichOptions;
  readonly roundTime: number;
  /** Stops the fetches still in flight. */
  readonly signal: AbortSignal;
  /** Where the round's value arrays are carved from (see ValueArena). */
  readonly arena?: ValueArena;
  /** Where the nodes' entities are kept from round to round (see EntityCatalog). */
  readonly entities?: EntityCatalog;
  readonly onProgress?: (done: number, total: number) => void;
}

export type Collected =
  | {
      readonly ok: true;
      readonly nodesTotal: number;
      /** One per node of the inventory, in its order. */
      readonly outcomes: readonly NodeOutcome[];
      /** How a kept inventory was brought up to date; undefined when the round listed without a cache. */
      readonly refreshed: RefreshedInventory | undefined;
    }
  | { readonly ok: false; readonly discoveryError: string };

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/**
 * The nodes' outcomes of one round. A cold round lists the cluster, then fetches. A warm one (its inventory
 * kept from earlier rounds) fetches the nodes it knows while the inventory catches up, since fetch, parse and
 * derive need nothing from it; only then are the summaries labelled, nodes added since are fetched too and
 * nodes gone since are dropped.
 */
export async function collectNodes(c: NodeCollection): Promise<Collected> {
  const cache = c.inventory;
  const known = cache?.knownNodes();
  let refreshing: Promise<Settled<Discovery>>;
  let targets: readonly NodeTarget[];
  if (cache !== undefined && known !== undefined) {
    refreshing = settle(
      c.connectForCatchUp().then(async (own) => {
        try {
          return await cache.refresh(own, c.limits);
        } finally {
          own.close();
        }
      }),
    );
    targets = known;
  } else {
    const listed = await settle(
      cache !== undefined ? cache.refresh(c.conn, c.limits) : discover(c.conn, c.limits),
    );
    if (!listed.ok) return { ok: false, discoveryError: errorMessage(listed.error) };
    refreshing = Promise.resolve(listed);
    targets = listed.value.nodes;
  }
  const previous = await c.previous;
  const fetched = new Map<string, FetchedNode>();
  let done = 0;
  let total = targets.length;
  const fetchAll = async (nodes: readonly NodeTarget[]): Promise<void> => {
    const settled = await mapLimit(nodes, c.source.concurrency, async (node) => {
      const outcome = await fetchNode(c, node, previous.get(node.name));
      c.onProgress?.(++done, total);
      return outcome;
    });
    settled.forEach((s, i) => {
      const node = (nodes[i] as NodeTarget).name;
      fetched.set(node, s.status === 'fulfilled' ? s.value : internalError(node, s.reason));
    });
  };
  await fetchAll(targets);

  const found = await refreshing;
  if (!found.ok) return { ok: false, discoveryError: errorMessage(found.error) };
  const { inventory, nodes } = found.value;
  const added = nodes.filter((n) => !fetched.has(n.name));
  total += added.length;
  if (added.length > 0) await fetchAll(added);
  const outcomes = nodes.map((node) => {
    const one = fetched.get(node.name) as FetchedNode;
    try {
      return finishNode(one, inventory, c.enrichOptions, c.entities);
    } catch (err) {
      return internalError(node.name, err);
    }
  });
  return {
    ok: true,
    nodesTotal: nodes.length,
    outcomes,
    refreshed: c.inventory !== undefined ? (found.value as RefreshedInventory) : undefined,
  };
}

function internalError(node: string, err: unknown): Extract<NodeOutcome, { ok: false }> {
  return { ok: false, node, reason: 'bad-body', message: `internal error: ${errorMessage(err)}` };
}
