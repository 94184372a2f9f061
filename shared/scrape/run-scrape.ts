import { setMaxListeners } from 'node:events';
import type { ScrapeConfig } from '../config/scrape-config.js';
import type { SummaryApiSource } from '../config/source-uri.js';
import type { KubeConnection } from '../kube/connect.js';
import { INVENTORY_RESOURCES, type InventoryCache } from '../kube/inventory-cache.js';
import { finalizeAggregates, mergePartials, type AggregatePartial } from '../metrics/aggregate.js';
import { countBatch, type Batch, type MetricBlock } from '../metrics/model.js';
import type { Logger } from '../runtime/log.js';
import { failedReport, type MetricSink, type WriteReport } from '../sinks/sink.js';
import type { CounterStore } from '../state/counter-store.js';
import { buildReport, type NodeFailure, type ScrapeReport } from './report.js';
import { collectNodes, describe } from './collect-nodes.js';

/** Everything a run talks to, built by the entry point (function, CLI, tests) and passed down. */
export interface ScrapeDeps {
  readonly log: Logger;
  readonly now: () => number;
  readonly connect: (source: SummaryApiSource) => Promise<KubeConnection>;
  readonly counters: CounterStore;
  readonly sinks: readonly MetricSink[];
  /**
   * The inventory a warm instance keeps between rounds (caught up by a watch each round); without it every
   * round lists nodes, pods and namespaces.
   */
  readonly inventory?: InventoryCache;
  /** Called as nodes finish, for a progress line. */
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
}

/** The round a schedule time belongs to: the start of its interval. */
export function alignRound(timeMs: number, intervalMs: number): number {
  return Math.floor(timeMs / intervalMs) * intervalMs;
}

/**
 * One scrape round: discover -> fetch/parse/derive/enrich/aggregate per node -> namespace and cluster totals ->
 * write to every sink -> keep counters. Never throws: what went wrong is in the report.
 */
export async function runScrape(
  config: ScrapeConfig,
  deps: ScrapeDeps,
  round: ScrapeRound,
): Promise<ScrapeReport> {
  const started = deps.now();
  const source = config.sources[0] as SummaryApiSource;
  // Every request in flight listens on the run's signal; more than Node's default of 10 is expected, not a
  // leak (the warning otherwise lands on stderr of every run with a concurrency above 10).
  const collecting = AbortSignal.any([round.signal, AbortSignal.timeout(config.runDeadlineMs)]);
  setMaxListeners(source.concurrency + 16, round.signal, collecting);
  let conn: KubeConnection | undefined;
  try {
    conn = await deps.connect(source);
    const limits = { timeoutMs: source.timeoutMs, maxBytes: 512 * 1024 * 1024, signal: collecting };
    // The counters load while the cluster is listed or caught up: neither needs the other.
    let stateError: string | undefined;
    const previous = deps.counters.load(round.shard).catch((err: unknown) => {
      stateError = `loading counters failed, rates start again: ${describe(err)}`;
      return new Map<string, Uint8Array>();
    });
    const collected = await collectNodes({
      conn,
      connectForCatchUp: () => deps.connect({ ...source, concurrency: INVENTORY_RESOURCES.length }),
      source,
      limits,
      inventory: deps.inventory,
      previous,
      enrichOptions: {
        clusterName: config.clusterName,
        labelSeparator: config.labelSeparator,
        systemContainerNames: config.systemContainerNames,
      },
      roundTime: round.roundTime,
      signal: collecting,
      ...(deps.onProgress !== undefined ? { onProgress: deps.onProgress } : {}),
    });
    if (!collected.ok) {
      await previous;
      return buildReport({
        config,
        round,
        started,
        now: deps.now(),
        discoveryError: collected.discoveryError,
      });
    }
    const { outcomes, refreshed } = collected;
    const loaded = await previous;

    const blocks: MetricBlock[] = [];
    const partials: AggregatePartial[] = [];
    const failures: NodeFailure[] = [];
    const nextStates = new Map<string, Uint8Array>();
    const problems: string[] = [];
    let resets = 0;
    for (const o of outcomes) {
      if (o.ok) {
        blocks.push(o.block);
        partials.push(o.partial);
        nextStates.set(o.node, o.state);
        resets += o.resets;
        for (const p of o.problems) if (problems.length < 20) problems.push(`${o.node}: ${p}`);
      } else {
        failures.push({
          node: o.node,
          reason: o.reason,
          message: o.message,
          ...(o.status ? { status: o.status } : {}),
        });
        // A failed node keeps its last counters: its rates resume when it answers again.
        const kept = loaded.get(o.node);
        if (kept !== undefined) nextStates.set(o.node, kept);
      }
    }
    if (blocks.length > 0)
      blocks.push(finalizeAggregates(mergePartials(partials), { clusterName: config.clusterName }));
    const batch: Batch = { timestamp: round.roundTime, blocks, counts: countBatch(blocks) };

    const sinkReports = await writeAll(deps.sinks, batch, round.signal);
    const retryHelps = sinkReports.length > 0 && sinkReports.every((r) => r.error !== undefined);
    let savedDocuments: number | undefined;
    // A round the scheduler will retry must find the same previous counters, so only a final round saves.
    if (!retryHelps && stateError === undefined) {
      try {
        savedDocuments = (await deps.counters.save(round.shard, nextStates, round.roundTime)).documents;
      } catch (err) {
        stateError = `saving counters failed, next round's rates start again: ${describe(err)}`;
      }
    }
    return buildReport({
      config,
      round,
      started,
      now: deps.now(),
      nodesTotal: collected.nodesTotal,
      failures,
      batch,
      sinks: sinkReports,
      resets,
      problems,
      ...(refreshed !== undefined
        ? { inventory: { listed: refreshed.listed, changes: refreshed.changes } }
        : {}),
      ...(stateError !== undefined ? { stateError } : {}),
      ...(savedDocuments !== undefined ? { savedDocuments } : {}),
    });
  } catch (err) {
    return buildReport({ config, round, started, now: deps.now(), discoveryError: describe(err) });
  } finally {
    conn?.close();
  }
}

async function writeAll(
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
