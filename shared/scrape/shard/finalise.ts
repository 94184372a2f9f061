import { finalizeAggregates, mergePartials, type AggregatePartial } from '../../metrics/aggregate.js';
import { countBatch, type Batch } from '../../metrics/model.js';
import type { MetricSink, WriteReport } from '../../sinks/sink.js';
import { splitShards, type Finalised, type RoundRecord, type ShardRecord } from '../../state/round-record.js';
import type { RoundStore } from '../../state/round-store.js';
import { writeAll } from '../run-scrape.js';

/** What the one finaliser of a sharded round wrote: the namespace and cluster series, and over which shards. */
export interface TotalsReport extends Omit<Finalised, 'at'> {
  readonly roundTime: string;
  readonly shards: number;
  /** The sinks' answers, when this process wrote the totals. */
  readonly sinks?: readonly WriteReport[];
}

export interface FinaliseDeps {
  readonly rounds: RoundStore;
  readonly sinks: readonly MetricSink[];
  readonly clusterName: string;
  readonly now: () => number;
}

/**
 * Writes a round's namespace and cluster series from the partial sums of the shards that reported done, and
 * records what it wrote. Only the party that won the round's finaliser field calls it, so the series are
 * written once; a shard missing from them is named with its reason.
 */
export async function finaliseRound(
  deps: FinaliseDeps,
  round: RoundRecord,
  finaliser: string,
  signal: AbortSignal,
): Promise<TotalsReport> {
  const records = await deps.rounds.shards(round.roundTime);
  const done = new Set<string>();
  const partials: AggregatePartial[] = [];
  const nodes = { total: 0, ok: 0 };
  for (const shard of round.shards) {
    const record = records.get(shard);
    if (record?.state !== 'done' || record.partial === undefined) continue;
    done.add(shard);
    partials.push(JSON.parse(record.partial) as AggregatePartial);
    nodes.total += record.nodes?.total ?? 0;
    nodes.ok += record.nodes?.ok ?? 0;
  }
  const { included, missing } = splitShards(round, done);
  let sinks: WriteReport[] = [];
  let points = 0;
  if (included.length > 0) {
    const block = finalizeAggregates(mergePartials(partials), { clusterName: deps.clusterName });
    const counts = countBatch([block]);
    const batch: Batch = { timestamp: round.roundTime, blocks: [block], counts };
    points = counts.total;
    sinks = await writeAll(deps.sinks, batch, signal);
  }
  const failedSinks = sinks.flatMap((s) => (s.error !== undefined ? [`${s.sink}: ${s.error}`] : []));
  const finalised: Finalised = {
    at: deps.now(),
    by: finaliser,
    included,
    missing: missing.map((shard) => ({ shard, reason: whyMissing(records.get(shard)) })),
    nodes,
    points,
    ...(failedSinks.length > 0 ? { error: failedSinks.join('; ') } : {}),
  };
  await deps.rounds.finish(round.roundTime, finalised);
  return { ...totalsOf(round, finalised), sinks };
}

/** The report of totals another party wrote, from the round's record. */
export function totalsOf(round: RoundRecord, finalised: Finalised): TotalsReport {
  const { at: _, ...rest } = finalised;
  return { roundTime: new Date(round.roundTime).toISOString(), shards: round.shards.length, ...rest };
}

function whyMissing(record: ShardRecord | undefined): string {
  if (record === undefined) return 'not started by the deadline';
  switch (record.state) {
    case 'claimed':
      return record.error !== undefined
        ? `failed, waiting to be retried: ${record.error}`
        : 'still running at the deadline';
    case 'failed':
      return `failed: ${record.error ?? 'no reason given'}`;
    case 'late':
    case 'done':
      return 'reported after the totals were written';
  }
}

/** How complete the totals are, in a few words. */
export function totalsSummary(t: TotalsReport): string {
  const head =
    `totals by ${t.by}: ${t.included.length}/${t.shards} shards, ` +
    `${t.nodes.ok}/${t.nodes.total} of their nodes, ${t.points} points`;
  return t.missing.length === 0
    ? head
    : `${head}; missing from the totals: ${t.missing.map((m) => `${m.shard} (${m.reason})`).join(', ')}`;
}

/** The finaliser's log line. */
export function totalsMessage(t: TotalsReport): string {
  return `scrape round ${t.roundTime} ${totalsSummary(t)}`;
}
