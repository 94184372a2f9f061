import { parseSummary } from '../sources/summary/parse.js';
import { aggregateInPlace, type AggregatePartial } from './aggregate.js';
import { decodeCounters, encodeCounters } from './counter-state.js';
import { CounterRows, deriveInPlace, type NodeCounters } from './derive.js';
import { enrichInPlace, type EnrichOptions } from './enrich.js';
import type { EntityCatalog } from './entity-catalog.js';
import type { ClusterInventory } from './inventory.js';
import type { NodeBlock, NodeSamples } from './model.js';
import type { ValueAllocator } from './value-arena.js';

/** One node's round through the pure stages: parse -> derive -> enrich -> aggregate. */
export interface NodeRound {
  /** The JSON-parsed /stats/summary body. */
  readonly payload: unknown;
  /** The node's counters from the previous round (undefined on first sight or when the state was lost). */
  readonly previous: NodeCounters | undefined;
  readonly inventory: ClusterInventory;
  /** The round's scheduled time, ms since the epoch: every point of the round carries it. */
  readonly timestamp: number;
  readonly options?: EnrichOptions;
}

/** A node whose answer could not be read: the round goes on without it. */
export interface UnreadNode {
  readonly ok: false;
  readonly error: string;
}

/** What a node's round keeps and counts besides its points. */
interface NodeTally {
  /** Keep for the node's next round. */
  readonly next: NodeCounters;
  readonly problems: readonly string[];
  readonly ignoredValues: number;
  readonly resets: number;
}

export type NodeOutcome =
  | (NodeTally & {
      readonly ok: true;
      readonly block: NodeBlock;
      /** Namespace and cluster sums of this node, to merge with the other nodes' (mergePartials). */
      readonly partial: AggregatePartial;
    })
  | UnreadNode;

/** The first half, which needs nothing from the Kubernetes API: parse -> derive. */
export type SampledNode = (NodeTally & { readonly ok: true; readonly samples: NodeSamples }) | UnreadNode;

/** The second half, from the inventory: enrich -> aggregate. */
export interface LabelledNode {
  readonly block: NodeBlock;
  readonly partial: AggregatePartial;
  readonly problems: readonly string[];
}

export function sampleNode(
  payload: unknown,
  previous: NodeCounters | undefined,
  timestamp: number,
  into?: CounterRows,
  arrays?: ValueAllocator,
  entities?: EntityCatalog,
): SampledNode {
  const parsed = parseSummary(payload, arrays, entities);
  if (!parsed.ok) return parsed;
  // The stages after parse write into its fresh arrays instead of copying them (tens of KiB per node).
  const derived = deriveInPlace(previous, parsed.samples, timestamp, into);
  return {
    ok: true,
    samples: derived.samples,
    next: derived.next,
    problems: parsed.problems,
    ignoredValues: parsed.ignoredValues,
    resets: derived.resets,
  };
}

/** parse -> derive with the counters in their stored form (encodeCounters), as a scrape keeps them. */
export type StoredSample =
  | (Omit<Extract<SampledNode, { ok: true }>, 'next'> & {
      /** Counter state to keep for the next round. */
      readonly state: Uint8Array;
      /** Why the stored counters could not be read (the node's rates start again). */
      readonly unreadableState?: string;
    })
  | UnreadNode;

// Counters only live while one node is sampled: decoded and derived into arrays kept for the process.
const previousRows = new CounterRows();
const nextRows = new CounterRows();

/**
 * `arrays`: where the samples' arrays come from (a round's arena: valid as long as the round); `entities`:
 * where the node's sets and volume labels are kept from round to round (made anew when absent).
 */
export function sampleStored(
  payload: unknown,
  stored: Uint8Array | undefined,
  timestamp: number,
  arrays?: ValueAllocator,
  entities?: EntityCatalog,
): StoredSample {
  const decoded = stored === undefined ? undefined : decodeCounters(stored, previousRows);
  const sampled = sampleNode(
    payload,
    decoded?.ok === true ? decoded.counters : undefined,
    timestamp,
    nextRows,
    arrays,
    entities,
  );
  if (!sampled.ok) return sampled;
  const { next, ...rest } = sampled;
  return {
    ...rest,
    state: encodeCounters(next),
    ...(decoded !== undefined && !decoded.ok ? { unreadableState: decoded.error } : {}),
  };
}

/** Takes `samples` over: its values are written in place. `entities`: as given to sampleStored. */
export function labelNode(
  samples: NodeSamples,
  inventory: ClusterInventory,
  options?: EnrichOptions,
  entities?: EntityCatalog,
): LabelledNode {
  const enriched = enrichInPlace(samples, inventory, options, entities?.node(samples.nodeName));
  const { block, partial } = aggregateInPlace(enriched.block);
  return { block, partial, problems: enriched.problems };
}

export function processNode(round: NodeRound): NodeOutcome {
  const sampled = sampleNode(round.payload, round.previous, round.timestamp);
  if (!sampled.ok) return sampled;
  const labelled = labelNode(sampled.samples, round.inventory, round.options);
  return {
    ok: true,
    block: labelled.block,
    partial: labelled.partial,
    next: sampled.next,
    problems: [...sampled.problems, ...labelled.problems],
    ignoredValues: sampled.ignoredValues,
    resets: sampled.resets,
  };
}
