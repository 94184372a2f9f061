import { setMaxListeners } from 'node:events';
import type { ScrapeConfig } from '../config/scrape-config.js';
import type { SummaryApiSource } from '../config/source-uri.js';
import type { KubeConnection } from '../kube/connect.js';
import type { InventoryCache } from '../kube/inventory-cache.js';
import type { AggregatePartial } from '../metrics/aggregate.js';
import type { EntityCatalog } from '../metrics/entity-catalog.js';
import { countBatch, type Batch } from '../metrics/model.js';
import { ArenaPool, type ValueArena } from '../metrics/value-arena.js';
import { errorMessage, type Logger } from '../runtime/log.js';
import { failedReport, type MetricSink, type WriteReport } from '../sinks/sink.js';
import type { CounterStore } from '../state/counter-store.js';
import { mergeSourceRounds } from './merge-sources.js';
import { buildReport, type ScrapeReport } from './report.js';
import { collectSource, combinedProgress } from './source-rounds.js';

/** Everything a run talks to, built by the entry point (function, CLI, tests) and passed down. */
export interface ScrapeDeps {
  readonly log: Logger;
  readonly now: () => number;
  /** Only called when the scrape has a Kubernetes source. */
  readonly connect: (source: SummaryApiSource) => Promise<KubeConnection>;
  readonly counters: CounterStore;
  readonly sinks: readonly MetricSink[];
  /**
   * The inventory a warm instance keeps between rounds (caught up by a watch each round); without it every
   * round lists nodes, pods and namespaces.
   */
  readonly inventory?: InventoryCache;
  /**
   * The nodes' entities (sets, labels) a warm instance keeps between rounds, so that a round allocates little
   * besides its numbers; without it every round makes its own.
   */
  readonly entities?: EntityCatalog;
  /** Called as nodes and hosts finish (every source's together), for a progress line. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ScrapeRound {
  /** The round's scheduled time, aligned to the interval: every point of the round carries it. */
  readonly roundTime: number;
  /**
   * Aborts everything the run still does, writes included (the function's hard limit, or the caller going
   * away). Collecting stops earlier on its own, config.runDeadlineMs after the run started, so that the
   * writes of what was collected still have time.
   */
  readonly signal: AbortSignal;
  /** The part of the cluster this run owns (its counter documents); "all" when not sharded. */
  readonly shard: string;
  /**
   * When set, the round's namespace and cluster sums come here instead of being written: a shard's part of a
   * sharded round, whose one finaliser writes them for all shards.
   */
  readonly onTotals?: (partial: AggregatePartial) => void;
}

/** The round a schedule time belongs to: the start of its interval. */
export function alignRound(timeMs: number, intervalMs: number): number {
  return Math.floor(timeMs / intervalMs) * intervalMs;
}

/**
 * One scrape round: every source (the cluster's kubelets, cAdvisor hosts) discovers and fetch/parse/derive/
 * enrich/aggregates its nodes -> one merge with namespace and cluster totals -> write to every sink -> keep
 * counters. Never throws: what went wrong is in the report.
 */
export async function runScrape(
  config: ScrapeConfig,
  deps: ScrapeDeps,
  round: ScrapeRound,
): Promise<ScrapeReport> {
  // The round's value arrays come from an arena that the next round reuses: given back only once every sink's
  // write has settled, when nothing reads the round's blocks any more.
  const arena = ARENAS.take();
  try {
    return await scrapeRound(config, deps, round, arena);
  } finally {
    ARENAS.give(arena);
    deps.entities?.sweep();
  }
}

const ARENAS = new ArenaPool();

async function scrapeRound(
  config: ScrapeConfig,
  deps: ScrapeDeps,
  round: ScrapeRound,
  arena: ValueArena,
): Promise<ScrapeReport> {
  const started = deps.now();
  // Every request in flight listens on the run's signal; more than Node's default of 10 is expected, not a
  // leak (the warning otherwise lands on stderr of every run with a concurrency above 10).
  const collecting = AbortSignal.any([round.signal, AbortSignal.timeout(config.runDeadlineMs)]);
  const inFlight = config.sources.reduce((sum, s) => sum + s.concurrency + 1, 0);
  setMaxListeners(inFlight + 16, round.signal, collecting);
  // The counters load while the sources list their nodes: neither needs the other.
  let stateError: string | undefined;
  const previous = deps.counters.load(round.shard).catch((err: unknown) => {
    stateError = `loading counters failed, rates start again: ${errorMessage(err)}`;
    return new Map<string, Uint8Array>();
  });
  try {
    const progress = combinedProgress(deps.onProgress, config.sources.length);
    const rounds = await Promise.all(
      config.sources.map((source, i) =>
        collectSource(source, {
          connect: deps.connect,
          inventory: deps.inventory,
          now: deps.now,
          previous,
          enrichOptions: {
            clusterName: config.clusterName,
            labelSeparator: config.labelSeparator,
            systemContainerNames: config.systemContainerNames,
          },
          roundTime: round.roundTime,
          signal: collecting,
          arena,
          ...(deps.entities !== undefined ? { entities: deps.entities } : {}),
          ...(progress !== undefined ? { onProgress: progress[i] } : {}),
        }),
      ),
    );
    const loaded = await previous;
    const merged = mergeSourceRounds(rounds, loaded, config.clusterName, round.onTotals);
    const base = { config, round, started, sources: merged.sources };
    if (rounds.every((r) => r.error !== undefined)) return buildReport({ ...base, now: deps.now() });
    const batch: Batch = {
      timestamp: round.roundTime,
      blocks: [...merged.blocks],
      counts: countBatch(merged.blocks),
    };

    const sinkReports = await writeAll(deps.sinks, batch, round.signal);
    const retryHelps = sinkReports.length > 0 && sinkReports.every((r) => r.error !== undefined);
    let savedDocuments: number | undefined;
    // A round the scheduler will retry must find the same previous counters, so only a final round saves.
    if (!retryHelps && stateError === undefined) {
      try {
        savedDocuments = (await deps.counters.save(round.shard, merged.states, round.roundTime)).documents;
      } catch (err) {
        stateError = `saving counters failed, next round's rates start again: ${errorMessage(err)}`;
      }
    }
    return buildReport({
      ...base,
      now: deps.now(),
      nodesTotal: merged.nodesTotal,
      failures: merged.failures,
      batch,
      sinks: sinkReports,
      resets: merged.resets,
      problems: merged.problems,
      ...(merged.inventory !== undefined ? { inventory: merged.inventory } : {}),
      ...(stateError !== undefined ? { stateError } : {}),
      ...(savedDocuments !== undefined ? { savedDocuments } : {}),
    });
  } catch (err) {
    await previous;
    return buildReport({ config, round, started, now: deps.now(), discoveryError: errorMessage(err) });
  }
}

export async function writeAll(
  sinks: readonly MetricSink[],
  batch: Batch,
  signal: AbortSignal,
): Promise<WriteReport[]> {
  return Promise.all(
    sinks.map(async (sink) => {
      try {
        return await sink.write(batch, signal);
      } catch (err) {
        return failedReport(sink.name, err);
      }
    }),
  );
}
