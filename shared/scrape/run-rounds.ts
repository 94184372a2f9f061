import { collectingMs } from '../config/resolution.js';
import type { ScrapeConfig } from '../config/scrape-config.js';
import { errorMessage, type Severity } from '../runtime/log.js';
import { pause } from '../runtime/retry.js';
import type { CounterStore } from '../state/counter-store.js';
import { alignRound, runScrape, type ScrapeDeps, type ScrapeRound } from './run-scrape.js';
import type { ScrapeReport } from './report.js';

interface RoundBase {
  /** 0-based position of the round in the invocation. */
  readonly slot: number;
  /** The time every point of the round carries (RFC 3339). */
  readonly slotTime: string;
}

export type RoundEntry =
  | (RoundBase & {
      readonly outcome: 'ran';
      /** When the round started and ended, in ms after its slot opened; the slot lasts resolutionMs. */
      readonly startMs: number;
      readonly endMs: number;
      readonly withinSlot: boolean;
      readonly report: ScrapeReport;
    })
  | (RoundBase & { readonly outcome: 'skipped'; readonly reason: string });

export interface RoundsReport {
  readonly cluster: string;
  readonly shard: string;
  /** The schedule time aligned to the interval: the first round's slot time. */
  readonly scheduleTime: string;
  readonly intervalMs: number;
  readonly resolutionMs: number;
  readonly rounds: readonly RoundEntry[];
  readonly points: number;
  /** 200 when some round wrote; otherwise 503, as a retry (same slot times) could help. */
  readonly status: number;
  readonly severity: Severity;
}

export interface RoundsOptions {
  /** The time the scheduler meant this invocation for (its retries carry the same one). */
  readonly scheduleTime: number;
  /** The invocation's hard limit (function timeout or caller gone): stops the round in progress and the rest. */
  readonly signal: AbortSignal;
  readonly shard: string;
  /** Waits until the next slot opens; a test's simulated clock can step instead. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** One round; runScrape unless a caller scrapes differently (a shard of the cluster). */
  readonly scrape?: (config: ScrapeConfig, deps: ScrapeDeps, round: ScrapeRound) => Promise<ScrapeReport>;
  /** Called as each round ends or is skipped. */
  readonly onRound?: (entry: RoundEntry) => void;
}

/** The slot times of one invocation: alignRound(schedule) + k * resolution for every k in the interval. */
export function slotTimes(scheduleTime: number, intervalMs: number, resolutionMs: number): number[] {
  const base = alignRound(scheduleTime, intervalMs);
  const count = Math.max(1, Math.floor(intervalMs / resolutionMs));
  return Array.from({ length: count }, (_, k) => base + k * resolutionMs);
}

/**
 * One scheduled invocation at sub-minute resolution: INTERVAL / RESOLUTION rounds, round k stamped with the
 * slot time alignRound(schedule) + k * RESOLUTION. Rounds run every RESOLUTION from the invocation's start
 * (their slots), each under its own deadline: collecting stops a fifth of the slot before its end, writes are
 * cut at its end, so a round never overlaps the next. A round that cannot start early enough in its slot is
 * skipped and reported rather than run late under a slot time it no longer matches. A retried invocation
 * carries the same schedule time, so it rewrites the same slot times. With RESOLUTION equal to INTERVAL this
 * is one round exactly as runScrape does it.
 */
export async function runRounds(
  config: ScrapeConfig,
  deps: ScrapeDeps,
  options: RoundsOptions,
): Promise<RoundsReport> {
  const scrape = options.scrape ?? runScrape;
  const slots = slotTimes(options.scheduleTime, config.intervalMs, config.resolutionMs);
  const entries: RoundEntry[] = [];
  const record = (entry: RoundEntry): void => {
    entries.push(entry);
    options.onRound?.(entry);
  };
  if (slots.length === 1) {
    const started = deps.now();
    const roundTime = slots[0] as number;
    const report = await scrape(config, deps, { roundTime, signal: options.signal, shard: options.shard });
    const endMs = deps.now() - started;
    record({ ...ran(0, roundTime, report), startMs: 0, endMs, withinSlot: endMs <= config.intervalMs });
    return roundsReport(config, options, slots, entries);
  }

  const sleep = options.sleep ?? pause;
  const resolution = config.resolutionMs;
  const collecting = collectingMs(resolution);
  // The rounds share their counters in memory; the store still gets every save, for the next invocation.
  const roundDeps: ScrapeDeps = { ...deps, counters: carriedCounters(deps.counters) };
  const start = deps.now();
  for (const [k, slotTime] of slots.entries()) {
    const opens = start + k * resolution;
    const closes = opens + resolution;
    const skip = (reason: string): void =>
      record({ slot: k, slotTime: iso(slotTime), outcome: 'skipped', reason });
    if (options.signal.aborted) {
      skip(`the invocation stopped before this round: ${errorMessage(options.signal.reason)}`);
      continue;
    }
    if (closes > start + config.runDeadlineMs) {
      skip(`the slot would end after the function's deadline (FUNCTION_TIMEOUT minus the answer's margin)`);
      continue;
    }
    if (deps.now() < opens) await sleep(opens - deps.now(), options.signal);
    const begin = deps.now();
    if (options.signal.aborted) {
      skip(`the invocation stopped before this round: ${errorMessage(options.signal.reason)}`);
      continue;
    }
    const late = begin - opens;
    if (late > collecting / 2) {
      skip(
        `could start only ${late} ms into its ${resolution} ms slot (latest ${collecting / 2} ms): ` +
          `skipped rather than run under a slot time it no longer matches`,
      );
      continue;
    }
    const signal = AbortSignal.any([options.signal, AbortSignal.timeout(Math.max(1, closes - begin))]);
    const report = await scrape({ ...config, runDeadlineMs: opens + collecting - begin }, roundDeps, {
      roundTime: slotTime,
      signal,
      shard: options.shard,
    });
    const endMs = deps.now() - opens;
    record({ ...ran(k, slotTime, report), startMs: late, endMs, withinSlot: endMs <= resolution });
  }
  return roundsReport(config, options, slots, entries);
}

/** What the scrape function answers and logs: one round's report as before, or the rounds' report. */
export function roundsAnswer(report: RoundsReport): {
  status: number;
  severity: Severity;
  message: string;
  body: ScrapeReport | RoundsReport;
} {
  const [only] = report.rounds;
  if (report.rounds.length === 1 && only?.outcome === 'ran') {
    const r = only.report;
    return {
      status: r.status,
      severity: r.severity,
      message: `scrape round ${r.roundTime}: ${r.nodes.ok}/${r.nodes.total} nodes, ${r.points} points`,
      body: r,
    };
  }
  const ranCount = report.rounds.filter((r) => r.outcome === 'ran').length;
  return {
    status: report.status,
    severity: report.severity,
    message:
      `scrape rounds from ${report.scheduleTime} every ${report.resolutionMs / 1000}s: ` +
      `${ranCount}/${report.rounds.length} ran, ${report.points} points`,
    body: report,
  };
}

function ran(slot: number, slotTime: number, report: ScrapeReport) {
  return { slot, slotTime: iso(slotTime), outcome: 'ran' as const, report };
}

function roundsReport(
  config: ScrapeConfig,
  options: RoundsOptions,
  slots: readonly number[],
  rounds: readonly RoundEntry[],
): RoundsReport {
  const reports = rounds.flatMap((r) => (r.outcome === 'ran' ? [r.report] : []));
  const status = reports.some((r) => r.status === 200) ? 200 : 503;
  const troubled =
    rounds.some((r) => r.outcome === 'skipped' || !r.withinSlot) ||
    reports.some((r) => r.severity !== 'INFO');
  return {
    cluster: config.clusterName,
    shard: options.shard,
    scheduleTime: iso(slots[0] as number),
    intervalMs: config.intervalMs,
    resolutionMs: config.resolutionMs,
    rounds,
    points: reports.reduce((sum, r) => sum + r.points, 0),
    status,
    severity: status !== 200 ? 'ERROR' : troubled ? 'WARNING' : 'INFO',
  };
}

/**
 * A counter store whose loads answer the last state this invocation saved: consecutive rounds derive their
 * rates from each other without reading the store back. A round that did not save (its writes all failed, so
 * it keeps the previous counters for a retry) leaves the carried state as it was.
 */
function carriedCounters(store: CounterStore): CounterStore {
  const carried = new Map<string, ReadonlyMap<string, Uint8Array>>();
  return {
    async load(shard) {
      const kept = carried.get(shard);
      return kept !== undefined ? new Map(kept) : store.load(shard);
    },
    async save(shard, states, roundTime) {
      const saved = await store.save(shard, states, roundTime);
      carried.set(shard, new Map(states));
      return saved;
    },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
