import { finalizeAggregates, mergePartials, type AggregatePartial } from '../metrics/aggregate.js';
import type { MetricBlock } from '../metrics/model.js';
import type { InventoryReport, NodeFailure, SourceReport } from './report.js';
import type { SourceRound } from './source-rounds.js';

/** Every source's round as one: what is written, what is saved, what is reported. */
export interface MergedRound {
  /** The nodes' and hosts' blocks, then the namespace and cluster totals over all of them. */
  readonly blocks: readonly MetricBlock[];
  readonly nodesTotal: number;
  readonly failures: readonly NodeFailure[];
  /** Counter states to save: the sources' own, and those of a source that named nothing, kept as loaded. */
  readonly states: Map<string, Uint8Array>;
  readonly problems: readonly string[];
  readonly resets: number;
  readonly sources: readonly SourceReport[];
  readonly inventory?: InventoryReport;
}

/** The report keeps a few problems: enough to see what kind of trouble, without flooding the log line. */
const MAX_PROBLEMS = 20;

export function mergeSourceRounds(
  rounds: readonly SourceRound[],
  loaded: ReadonlyMap<string, Uint8Array>,
  clusterName: string,
  /** Takes the namespace and cluster sums instead of a block of them (a shard of a sharded round). */
  keepTotals?: (partial: AggregatePartial) => void,
): MergedRound {
  const blocks: MetricBlock[] = [];
  const partials: AggregatePartial[] = [];
  const failures: NodeFailure[] = [];
  const states = new Map<string, Uint8Array>();
  const problems: string[] = [];
  const note = (p: string): void => void (problems.length < MAX_PROBLEMS && problems.push(p));
  // Which source named a node first: the same name from a second source would be counted twice in the totals.
  const namedBy = new Map<string, string>();
  let resets = 0;
  let nodesTotal = 0;
  let inventory: InventoryReport | undefined;
  for (const r of rounds) {
    for (const p of r.problems) note(`${r.source}: ${p}`);
    inventory ??= r.inventory;
    for (const o of r.outcomes) {
      const first = namedBy.get(o.node);
      if (first !== undefined) {
        note(`${r.source}: ${o.node} is also named by ${first}: left out`);
        continue;
      }
      namedBy.set(o.node, r.source);
      nodesTotal++;
      if (o.ok) {
        blocks.push(o.block);
        partials.push(o.partial);
        resets += o.resets;
        for (const p of o.problems) note(`${o.node}: ${p}`);
      } else {
        failures.push({
          node: o.node,
          reason: o.reason,
          message: o.message,
          ...(o.status ? { status: o.status } : {}),
        });
      }
    }
    for (const [key, state] of r.states) if (!states.has(key)) states.set(key, state);
  }
  // A source that named nothing this round keeps its counters: its rates resume when it answers again.
  for (const r of rounds)
    if (r.error !== undefined)
      for (const [key, state] of loaded) if (r.ownsState(key) && !states.has(key)) states.set(key, state);
  if (blocks.length > 0) {
    const totals = mergePartials(partials);
    if (keepTotals !== undefined) keepTotals(totals);
    else blocks.push(finalizeAggregates(totals, { clusterName }));
  }
  return {
    blocks,
    nodesTotal,
    failures,
    states,
    problems,
    resets,
    sources: rounds.map(sourceReport),
    ...(inventory !== undefined ? { inventory } : {}),
  };
}

export function sourceReport(r: SourceRound): SourceReport {
  const failed = r.outcomes.filter((o) => !o.ok).length;
  return {
    source: r.source,
    nodes: r.nodesTotal,
    failed,
    ...(r.error !== undefined ? { error: r.error } : {}),
  };
}
