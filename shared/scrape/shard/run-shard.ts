import type { ScrapeConfig } from '../../config/scrape-config.js';
import type { SummaryApiSource } from '../../config/source-uri.js';
import type { AggregatePartial } from '../../metrics/aggregate.js';
import type { ClaimResult, ReportResult } from '../../state/round-record.js';
import type { RoundStore } from '../../state/round-store.js';
import type { ScrapeReport } from '../report.js';
import { runScrape, type ScrapeDeps } from '../run-scrape.js';
import { finaliseRound, type TotalsReport } from './finalise.js';
import type { ShardMessage } from './shard-message.js';
import { shardInventory } from './shard-inventory.js';

export interface ShardDeps {
  /** As for an unsharded round; its inventory is not used (a shard reads only its own nodes). */
  readonly scrape: ScrapeDeps;
  readonly rounds: RoundStore;
}

/**
 * skipped: this delivery did nothing (another did or does the work, or the round is over); retry: it failed in
 * a way a redelivery may not (the cluster could not be read, or no sink took the points), so the message
 * should come again; ran: the shard's points are written and its part of the round recorded.
 */
export type ShardRun =
  | { readonly kind: 'skipped'; readonly reason: ClaimResult | 'other-cluster' }
  | { readonly kind: 'retry'; readonly report: ScrapeReport }
  | {
      readonly kind: 'ran';
      readonly report: ScrapeReport;
      readonly recorded: ReportResult;
      /** When this shard completed the set and wrote the round's totals. */
      readonly totals?: TotalsReport;
    };

/** Time left after collecting for the shard's writes and its report before the round's deadline. */
const WRITE_MARGIN_MS = 5_000;
const MIN_COLLECT_MS = 1_000;

/**
 * One shard of a sharded round: claim it (a redelivered message finds it claimed or done and does nothing),
 * scrape its nodes as an unsharded round would but keep the namespace and cluster sums, record them, and write
 * the round's totals if this shard is the last to report.
 */
export async function runShard(
  config: ScrapeConfig,
  deps: ShardDeps,
  message: ShardMessage,
  signal: AbortSignal,
): Promise<ShardRun> {
  if (message.cluster !== config.clusterName) return { kind: 'skipped', reason: 'other-cluster' };
  const { rounds } = deps;
  const { roundTime, shard } = message;
  const now = deps.scrape.now();
  // A delivery that dies holds the shard no longer than its function may run; a redelivery takes over then.
  const claim = await rounds.claim(roundTime, shard, now, config.functionTimeoutMs);
  if (claim !== 'claimed') return { kind: 'skipped', reason: claim };

  const source = config.sources.find((s): s is SummaryApiSource => s.kind === 'kubernetes.summary_api');
  let partial: AggregatePartial | undefined;
  const report = await runScrape(
    {
      ...config,
      // Collecting ends in time for the shard to report before the coordinator writes the totals without it.
      sources: source !== undefined ? [source] : [],
      runDeadlineMs: Math.max(
        MIN_COLLECT_MS,
        Math.min(config.runDeadlineMs, message.deadline - now - WRITE_MARGIN_MS),
      ),
    },
    { ...deps.scrape, inventory: shardInventory(message.nodes, source?.concurrency ?? 16) },
    { roundTime, signal, shard, onTotals: (p) => (partial = p) },
  );
  if (report.status !== 200) {
    await rounds.release(roundTime, shard, report.error ?? 'no sink took the points');
    return { kind: 'retry', report };
  }
  const nodes = { total: report.nodes.total, ok: report.nodes.ok };
  const recorded = await rounds.report(
    roundTime,
    shard,
    partial !== undefined && nodes.ok > 0
      ? { outcome: 'done', nodes, partial: JSON.stringify(partial) }
      : { outcome: 'failed', nodes, error: noNodeAnswered(report) },
  );
  if (recorded !== 'finalise') return { kind: 'ran', report, recorded };
  const round = await rounds.get(roundTime);
  if (round === undefined) return { kind: 'ran', report, recorded };
  const totals = await finaliseRound(
    { rounds, sinks: deps.scrape.sinks, clusterName: config.clusterName, now: deps.scrape.now },
    round,
    shard,
    signal,
  );
  return { kind: 'ran', report, recorded, totals };
}

function noNodeAnswered(report: ScrapeReport): string {
  const reasons = new Map<string, number>();
  for (const f of report.nodes.failures) reasons.set(f.reason, (reasons.get(f.reason) ?? 0) + 1);
  const list = [...reasons].map(([reason, n]) => `${n} ${reason}`).join(', ');
  return `no node of the shard answered (${report.nodes.total} nodes${list === '' ? '' : `: ${list}`})`;
}
