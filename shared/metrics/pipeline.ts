import { parseSummary } from '../sources/summary/parse.js';
import { aggregate, type AggregatePartial } from './aggregate.js';
import { derive, type NodeCounters } from './derive.js';
import { enrich, type EnrichOptions } from './enrich.js';
import type { ClusterInventory } from './inventory.js';
import type { NodeBlock } from './model.js';

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

export type NodeOutcome =
  | {
      readonly ok: true;
      readonly block: NodeBlock;
      /** Namespace and cluster sums of this node, to merge with the other nodes' (mergePartials). */
      readonly partial: AggregatePartial;
      /** Keep for the node's next round. */
      readonly next: NodeCounters;
      readonly problems: readonly string[];
      readonly ignoredValues: number;
      readonly resets: number;
    }
  | { readonly ok: false; readonly error: string };

export function processNode(round: NodeRound): NodeOutcome {
  const parsed = parseSummary(round.payload);
  if (!parsed.ok) return parsed;
  const derived = derive(round.previous, parsed.samples, round.timestamp);
  const enriched = enrich(derived.samples, round.inventory, round.options);
  const { block, partial } = aggregate(enriched.block);
  return {
    ok: true,
    block,
    partial,
    next: derived.next,
    problems: [...parsed.problems, ...enriched.problems],
    ignoredValues: parsed.ignoredValues,
    resets: derived.resets,
  };
}
