import type { ScrapeConfig } from '../../config/scrape-config.js';
import type { SummaryApiSource } from '../../config/source-uri.js';
import type { KubeConnection, RequestLimits } from '../../kube/connect.js';
import { listPages } from '../../kube/discover.js';
import { errorMessage, type Severity } from '../../runtime/log.js';
import { pause } from '../../runtime/retry.js';
import { COORDINATOR, type RoundRecord } from '../../state/round-record.js';
import type { RoundStore } from '../../state/round-store.js';
import type { ScrapeReport } from '../report.js';
import { roundsAnswer, runRounds, type RoundsReport } from '../run-rounds.js';
import type { ScrapeDeps, ScrapeRound } from '../run-scrape.js';
import { assignNodes, shardCount, shardId } from './assign.js';
import { finaliseRound, totalsOf, totalsSummary, type TotalsReport } from './finalise.js';
import type { ShardingConfig } from './shard-config.js';
import type { ShardMessage } from './shard-message.js';
import type { ShardPublisher } from './publisher.js';

export interface CoordinatorDeps {
  readonly scrape: ScrapeDeps;
  readonly rounds: RoundStore;
  readonly publisher: ShardPublisher;
  /** Waits between looks at the round's record; resolves early when the signal aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** What the scheduled invocation of a sharded round answers and logs. */
export interface ShardedRoundReport {
  readonly cluster: string;
  readonly shard: typeof COORDINATOR;
  readonly roundTime: string;
  readonly durationMs: number;
  readonly nodes: number;
  /** Shards published this round (none when an earlier call for the round had published them). */
  readonly published: number;
  readonly shards: readonly string[];
  /** The round's totals, once written (by the last shard to report, or by this call at the deadline). */
  readonly totals?: TotalsReport;
  readonly error?: string;
  readonly status: number;
  readonly severity: Severity;
}

export type CoordinatedRound =
  | { readonly kind: 'unsharded'; readonly rounds: RoundsReport }
  | { readonly kind: 'sharded'; readonly report: ShardedRoundReport };

/** How often the coordinator looks whether the shards have finished. */
const POLL_MS = 500;
/** After its deadline, how long the coordinator waits for a shard that took the totals to finish them. */
const FINALISER_GRACE_MS = 3_000;

/**
 * The scheduled invocation of a round when sharding is configured: lists the nodes (names only); up to
 * SHARD_SIZE runs the round itself as an unsharded scrape; above it records the round's expected shards,
 * publishes one message per shard, and waits until the totals are written, writing them itself at the
 * deadline with the shards that reported by then.
 */
export async function coordinateRound(
  config: ScrapeConfig,
  sharding: Extract<ShardingConfig, { kind: 'pubsub' }>,
  deps: CoordinatorDeps,
  round: ScrapeRound,
): Promise<CoordinatedRound> {
  const { scrape, rounds } = deps;
  const started = scrape.now();
  const source = config.sources.find((s): s is SummaryApiSource => s.kind === 'kubernetes.summary_api');
  const unsharded = async (): Promise<CoordinatedRound> => ({
    kind: 'unsharded',
    rounds: await runRounds(config, scrape, {
      scheduleTime: round.roundTime,
      signal: round.signal,
      shard: round.shard,
    }),
  });
  if (source === undefined) return unsharded();
  const answer = (
    fields: Omit<
      ShardedRoundReport,
      'cluster' | 'shard' | 'roundTime' | 'durationMs' | 'status' | 'severity'
    >,
  ): CoordinatedRound => {
    const status = fields.error !== undefined && fields.totals === undefined ? 503 : 200;
    const severity: Severity =
      status !== 200
        ? 'ERROR'
        : fields.totals === undefined || fields.totals.missing.length > 0 || fields.totals.error !== undefined
          ? 'WARNING'
          : 'INFO';
    return {
      kind: 'sharded',
      report: {
        cluster: config.clusterName,
        shard: COORDINATOR,
        roundTime: new Date(round.roundTime).toISOString(),
        durationMs: scrape.now() - started,
        ...fields,
        status,
        severity,
      },
    };
  };

  let names: string[];
  let conn: KubeConnection | undefined;
  try {
    conn = await scrape.connect(source);
    names = await listNodeNames(conn, {
      timeoutMs: source.timeoutMs,
      maxBytes: 512 * 1024 * 1024,
      signal: round.signal,
    });
  } catch (err) {
    return answer({
      nodes: 0,
      published: 0,
      shards: [],
      error: `listing nodes failed: ${errorMessage(err)}`,
    });
  } finally {
    conn?.close();
  }
  if (names.length <= sharding.shardSize) return unsharded();

  const groups = new Map(
    assignNodes(names, shardCount(names.length, sharding.shardSize)).flatMap((nodes, i) =>
      nodes.length > 0 ? [[shardId(i), nodes] as const] : [],
    ),
  );
  const plan = {
    roundTime: round.roundTime,
    shards: [...groups.keys()],
    nodes: names.length,
    deadline: started + config.runDeadlineMs,
  };
  let record: RoundRecord;
  let published = 0;
  try {
    ({ record } = await rounds.open(plan));
    // A retried call finds the round recorded; it publishes only if the first call did not get that far.
    if (!record.published) {
      const messages: ShardMessage[] = record.shards.map((shard) => ({
        cluster: config.clusterName,
        roundTime: round.roundTime,
        shard,
        nodes: groups.get(shard) ?? [],
        deadline: record.deadline,
      }));
      await deps.publisher.publish(messages);
      await rounds.markPublished(round.roundTime);
      published = messages.length;
    }
  } catch (err) {
    return answer({
      nodes: names.length,
      published,
      shards: plan.shards,
      error: `publishing the shards failed: ${errorMessage(err)}`,
    });
  }
  const base = { nodes: names.length, published, shards: record.shards };
  const sleep = deps.sleep ?? pause;
  try {
    for (;;) {
      const current = await rounds.get(round.roundTime);
      if (current?.finalised !== undefined)
        return answer({ ...base, totals: totalsOf(current, current.finalised) });
      const left = record.deadline - scrape.now();
      if (left <= 0 || round.signal.aborted) break;
      await sleep(Math.min(POLL_MS, left), round.signal);
    }
    if (await rounds.claimFinaliser(round.roundTime, COORDINATOR)) {
      const current = (await rounds.get(round.roundTime)) ?? record;
      const totals = await finaliseRound(
        { rounds, sinks: scrape.sinks, clusterName: config.clusterName, now: scrape.now },
        current,
        COORDINATOR,
        round.signal,
      );
      return answer({ ...base, totals });
    }
    // A shard took the totals just before the deadline: give it a moment to finish them.
    const until = scrape.now() + FINALISER_GRACE_MS;
    while (scrape.now() < until && !round.signal.aborted) {
      await sleep(POLL_MS, round.signal);
      const current = await rounds.get(round.roundTime);
      if (current?.finalised !== undefined)
        return answer({ ...base, totals: totalsOf(current, current.finalised) });
    }
    const current = await rounds.get(round.roundTime);
    return answer({
      ...base,
      error: `the totals are being written by ${current?.finaliser ?? 'another party'}`,
    });
  } catch (err) {
    return answer({ ...base, error: `following the round failed: ${errorMessage(err)}` });
  }
}

/** The names of the cluster's nodes, page by page: nothing else of a node object is kept. */
export async function listNodeNames(
  conn: KubeConnection,
  limits: RequestLimits,
  pageSize = 500,
): Promise<string[]> {
  const names: string[] = [];
  for await (const page of listPages(conn, '/api/v1/nodes', pageSize, limits))
    for (const item of page.items) {
      const name = (item['metadata'] as { name?: unknown } | undefined)?.name;
      if (typeof name === 'string' && name !== '') names.push(name);
    }
  return names;
}

/** What the scheduled invocation answers and logs for a round it coordinated. */
export function coordinatedAnswer(round: CoordinatedRound): {
  status: number;
  severity: Severity;
  message: string;
  body: ScrapeReport | RoundsReport | ShardedRoundReport;
} {
  if (round.kind === 'unsharded') return roundsAnswer(round.rounds);
  const s = round.report;
  const head = `scrape round ${s.roundTime}: ${s.nodes} nodes in ${s.shards.length} shards`;
  const tail = s.totals !== undefined ? totalsSummary(s.totals) : `no totals: ${s.error ?? 'unknown'}`;
  return { status: s.status, severity: s.severity, message: `${head}; ${tail}`, body: s };
}
