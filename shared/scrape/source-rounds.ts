import type { CadvisorSource, SourceConfig, SummaryApiSource } from '../config/source-uri.js';
import type { KubeConnection } from '../kube/connect.js';
import { INVENTORY_RESOURCES, type InventoryCache } from '../kube/inventory-cache.js';
import type { EnrichOptions } from '../metrics/enrich.js';
import type { EntityCatalog } from '../metrics/entity-catalog.js';
import type { ValueArena } from '../metrics/value-arena.js';
import { cadvisorStateKey, scrapeCadvisorHosts } from '../sources/cadvisor/scrape-hosts.js';
import { collectNodes } from './collect-nodes.js';
import type { InventoryReport } from './report.js';
import type { NodeOutcome } from './scrape-node.js';
import { errorMessage } from '../runtime/log.js';

/** What one source gave in a round, in the same shape whatever the source: the input of the merge. */
export interface SourceRound {
  readonly source: SourceConfig['kind'];
  /** Nodes (or hosts) the source named this round; 0 when its discovery failed. */
  readonly nodesTotal: number;
  readonly outcomes: readonly NodeOutcome[];
  /** Counter states to save, by key: every scraped node's new one, a failed node's previous one. */
  readonly states: ReadonlyMap<string, Uint8Array>;
  /** Notes about the source as a whole (a fleet endpoint passed over, ...). */
  readonly problems: readonly string[];
  /** Why the source named nothing this round (cluster not listed, hosts file unreadable, fleet down). */
  readonly error?: string;
  readonly inventory?: InventoryReport;
  /** Whether a stored counter key is this source's: kept as it is when the source named nothing. */
  readonly ownsState: (key: string) => boolean;
}

export interface SourceContext {
  readonly connect: (source: SummaryApiSource) => Promise<KubeConnection>;
  readonly inventory: InventoryCache | undefined;
  readonly now: () => number;
  /** The counter states of the previous round (never rejects: a failed load is an empty map). */
  readonly previous: Promise<ReadonlyMap<string, Uint8Array>>;
  readonly enrichOptions: EnrichOptions;
  readonly roundTime: number;
  /** Stops the requests still in flight. */
  readonly signal: AbortSignal;
  /** Where the round's value arrays are carved from (see ValueArena). */
  readonly arena?: ValueArena;
  /** Where the nodes' entities are kept from round to round (see EntityCatalog). */
  readonly entities?: EntityCatalog;
  readonly onProgress?: (done: number, total: number) => void;
}

const CADVISOR_KEY = cadvisorStateKey('');
const isCadvisorKey = (key: string): boolean => key.startsWith(CADVISOR_KEY);
const isNodeKey = (key: string): boolean => !isCadvisorKey(key);

/** One round of any source. Never throws: what went wrong is in the result. */
export function collectSource(source: SourceConfig, c: SourceContext): Promise<SourceRound> {
  return source.kind === 'kubernetes.summary_api' ? summaryRound(source, c) : cadvisorRound(source, c);
}

function failedRound(source: SourceConfig, error: string): SourceRound {
  const ownsState = source.kind === 'kubernetes.summary_api' ? isNodeKey : isCadvisorKey;
  return {
    source: source.kind,
    nodesTotal: 0,
    outcomes: [],
    states: new Map(),
    problems: [],
    error,
    ownsState,
  };
}

async function summaryRound(source: SummaryApiSource, c: SourceContext): Promise<SourceRound> {
  let conn: KubeConnection | undefined;
  try {
    conn = await c.connect(source);
    const collected = await collectNodes({
      conn,
      connectForCatchUp: () => c.connect({ ...source, concurrency: INVENTORY_RESOURCES.length }),
      source,
      limits: { timeoutMs: source.timeoutMs, maxBytes: 512 * 1024 * 1024, signal: c.signal },
      inventory: c.inventory,
      previous: c.previous,
      enrichOptions: c.enrichOptions,
      roundTime: c.roundTime,
      signal: c.signal,
      ...(c.arena !== undefined ? { arena: c.arena } : {}),
      ...(c.entities !== undefined ? { entities: c.entities } : {}),
      ...(c.onProgress !== undefined ? { onProgress: c.onProgress } : {}),
    });
    if (!collected.ok) return failedRound(source, collected.discoveryError);
    const loaded = await c.previous;
    const states = new Map<string, Uint8Array>();
    for (const o of collected.outcomes) {
      // A failed node keeps its last counters: its rates resume when it answers again.
      const state = o.ok ? o.state : loaded.get(o.node);
      if (state !== undefined) states.set(o.node, state);
    }
    const { refreshed } = collected;
    return {
      source: source.kind,
      nodesTotal: collected.nodesTotal,
      outcomes: collected.outcomes,
      states,
      problems: [],
      ownsState: isNodeKey,
      ...(refreshed !== undefined
        ? { inventory: { listed: refreshed.listed, changes: refreshed.changes } }
        : {}),
    };
  } catch (err) {
    return failedRound(source, errorMessage(err));
  } finally {
    conn?.close();
  }
}

async function cadvisorRound(source: CadvisorSource, c: SourceContext): Promise<SourceRound> {
  try {
    const scraped = await scrapeCadvisorHosts(
      source,
      { now: c.now, ...(c.onProgress !== undefined ? { onProgress: c.onProgress } : {}) },
      { roundTime: c.roundTime, signal: c.signal, previous: await c.previous, options: c.enrichOptions },
    );
    if (scraped.discoveryError !== undefined) return failedRound(source, scraped.discoveryError);
    return {
      source: source.kind,
      nodesTotal: scraped.hostsTotal,
      outcomes: scraped.outcomes,
      states: scraped.states,
      problems: scraped.problems,
      ownsState: isCadvisorKey,
    };
  } catch (err) {
    return failedRound(source, errorMessage(err));
  }
}

/** One progress line over every source: each source reports its own done/total, the line their sums. */
export function combinedProgress(
  onProgress: ((done: number, total: number) => void) | undefined,
  sources: number,
): ((done: number, total: number) => void)[] | undefined {
  if (onProgress === undefined) return undefined;
  const done = new Array<number>(sources).fill(0);
  const totals = new Array<number>(sources).fill(0);
  const sum = (xs: number[]): number => xs.reduce((a, x) => a + x, 0);
  return done.map((_, i) => (d: number, t: number) => {
    done[i] = d;
    totals[i] = t;
    onProgress(sum(done), sum(totals));
  });
}
