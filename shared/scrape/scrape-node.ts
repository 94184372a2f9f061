import type { SummaryApiSource } from '../config/source-uri.js';
import type { NodeTarget } from '../kube/discover.js';
import type { KubeConnection } from '../kube/connect.js';
import type { AggregatePartial } from '../metrics/aggregate.js';
import type { EnrichOptions } from '../metrics/enrich.js';
import type { ClusterInventory } from '../metrics/inventory.js';
import type { NodeBlock, NodeSamples } from '../metrics/model.js';
import { labelNode, sampleStored } from '../metrics/pipeline.js';
import type { EntityCatalog } from '../metrics/entity-catalog.js';
import type { ValueArena } from '../metrics/value-arena.js';
import type { FetchFailure } from '../runtime/http-get.js';

/** Why a node gave no metrics this round. */
export type NodeFailureReason = FetchFailure | 'bad-body' | 'no-address';

export type NodeOutcome =
  | {
      readonly ok: true;
      readonly node: string;
      readonly block: NodeBlock;
      readonly partial: AggregatePartial;
      /** Counter state to keep for the next round. */
      readonly state: Uint8Array;
      readonly problems: readonly string[];
      readonly resets: number;
    }
  | {
      readonly ok: false;
      readonly node: string;
      readonly reason: NodeFailureReason;
      readonly message: string;
      readonly status?: number;
    };

export interface NodeScrape {
  readonly conn: KubeConnection;
  readonly source: SummaryApiSource;
  readonly roundTime: number;
  readonly signal: AbortSignal;
  /** Where the round's value arrays are carved from (see ValueArena); fresh arrays when absent. */
  readonly arena?: ValueArena;
  /** Where the nodes' entities are kept from round to round; made anew each round when absent. */
  readonly entities?: EntityCatalog;
}

/** Where a node's summary is read: through the API server's node proxy, or from the kubelet itself. */
export function summaryUrl(
  conn: KubeConnection,
  source: SummaryApiSource,
  node: NodeTarget,
): URL | undefined {
  if (source.nodeProxy)
    return new URL(`/api/v1/nodes/${encodeURIComponent(node.name)}/proxy/stats/summary`, conn.server);
  if (node.address === undefined) return undefined;
  const host = node.address.includes(':') ? `[${node.address}]` : node.address;
  return new URL(`${source.kubeletHttps ? 'https' : 'http'}://${host}:${source.kubeletPort}/stats/summary`);
}

/** A node whose summary was fetched, parsed and derived: waiting for the inventory to be labelled. */
export type FetchedNode =
  | {
      readonly ok: true;
      readonly node: string;
      readonly samples: NodeSamples;
      /** Counter state to keep for the next round. */
      readonly state: Uint8Array;
      readonly problems: readonly string[];
      readonly resets: number;
    }
  | Extract<NodeOutcome, { ok: false }>;

/** fetch -> parse -> derive: everything that needs no inventory. */
export async function fetchNode(
  s: NodeScrape,
  node: NodeTarget,
  previous: Uint8Array | undefined,
): Promise<FetchedNode> {
  const url = summaryUrl(s.conn, s.source, node);
  if (url === undefined)
    return {
      ok: false,
      node: node.name,
      reason: 'no-address',
      message: 'the node has no address to reach its kubelet',
    };
  const fetched = await s.conn.getUrl(url, {
    timeoutMs: s.source.timeoutMs,
    maxBytes: s.source.maxBodyBytes,
    signal: s.signal,
  });
  if (!fetched.ok) {
    return {
      ok: false,
      node: node.name,
      reason: fetched.reason,
      message: fetched.message,
      ...(fetched.status ? { status: fetched.status } : {}),
    };
  }
  let payload: unknown;
  try {
    payload = JSON.parse(fetched.text);
  } catch (err) {
    return { ok: false, node: node.name, reason: 'bad-body', message: `not JSON: ${(err as Error).message}` };
  }
  const result = sampleStored(payload, previous, s.roundTime, s.arena, s.entities);
  if (!result.ok) return { ok: false, node: node.name, reason: 'bad-body', message: result.error };
  if (result.samples.nodeName !== node.name) {
    return {
      ok: false,
      node: node.name,
      reason: 'bad-body',
      message: `the summary is of node "${result.samples.nodeName}", not "${node.name}"`,
    };
  }
  const problems = [...result.problems];
  // A stat whose value is not a number (or whose time is not a time) gives no point; say so, or the
  // points missing from a node with a corrupt answer would go unexplained.
  if (result.ignoredValues > 0)
    problems.push(
      `${result.ignoredValues} stat value(s) not a non-negative number or an RFC 3339 time: ignored`,
    );
  if (result.unreadableState !== undefined)
    problems.push(`previous counters unreadable, rates start again: ${result.unreadableState}`);
  return {
    ok: true,
    node: node.name,
    samples: result.samples,
    state: result.state,
    problems,
    resets: result.resets,
  };
}

/** enrich -> aggregate, once the inventory is known; failures pass through. */
export function finishNode(
  fetched: FetchedNode,
  inventory: ClusterInventory,
  options: EnrichOptions,
  entities?: EntityCatalog,
): NodeOutcome {
  if (!fetched.ok) return fetched;
  const labelled = labelNode(fetched.samples, inventory, options, entities);
  return {
    ok: true,
    node: fetched.node,
    block: labelled.block,
    partial: labelled.partial,
    state: fetched.state,
    problems: labelled.problems.length > 0 ? [...fetched.problems, ...labelled.problems] : fetched.problems,
    resets: fetched.resets,
  };
}
