import { parseScrapeConfig, type ScrapeConfig } from '../../shared/config/scrape-config.js';
import type { SummaryApiSource } from '../../shared/config/source-uri.js';
import { connect, type KubeConnection } from '../../shared/kube/connect.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import { alignRound, runScrape, type ScrapeDeps } from '../../shared/scrape/run-scrape.js';
import type { ScrapeReport } from '../../shared/scrape/report.js';
import { memoryCounterStore, type CounterStore } from '../../shared/state/counter-store.js';
import type { Sim } from '../sim/sim.js';
import type { SummaryJson } from '../sim/truth.js';
import type { ClusterObjects } from '../integration/expected/object-labels.js';
import { captureSink, type CaptureSink } from './capture-sink.js';
import { textOutcome } from '../../shared/runtime/http-get.js';
import type { LoggedPoint } from './point-lines.js';

/**
 * Scrape rounds run in this process against a simulator: the product's runScrape with a memory counter
 * store, a capturing sink and a memory logger, and after each round the simulator's truth of what it served.
 */
export interface InProcessScraper {
  readonly config: ScrapeConfig;
  readonly sink: CaptureSink;
  readonly counters: CounterStore;
  readonly log: ReturnType<typeof memoryLogger>;
  /** Called before the first summary request of each round, after discovery listed the cluster. */
  beforeFirstSummary: (() => void | Promise<void>) | undefined;
  /** Changes a summary body on its way from the API server to the scraper (a corrupting network). */
  rewriteSummary: ((node: string, body: Buffer) => Buffer) | undefined;
  round(options?: { signal?: AbortSignal; roundTime?: number }): Promise<ScrapedRound>;
}

export interface ScrapedRound {
  readonly roundTime: number;
  readonly report: ScrapeReport;
  /** What the sink was given; empty when the round wrote nothing. */
  readonly points: Map<string, LoggedPoint>;
  /** The summary each listed node's kubelet last served (nodes that never answered are left out). */
  readonly served: Map<string, SummaryJson>;
  /** The summary bodies the scraper received, by node (absent when the request failed). */
  readonly received: Map<string, Buffer>;
  /** The Kubernetes objects the API server held when the round ended. */
  readonly objects: ClusterObjects;
  readonly elapsedMs: number;
}

export const INTERVAL_MS = 60_000;

/** The summary each node's kubelet last served (nodes that never answered are left out). */
export function servedSummaries(sim: Sim): Map<string, SummaryJson> {
  const served = new Map<string, SummaryJson>();
  for (const name of sim.cluster.nodes.keys())
    if (sim.truth.lastServedMs(name) !== undefined) served.set(name, sim.truth.summary(name));
  return served;
}

/** The Kubernetes objects the simulator's API server holds now. */
export function clusterObjects(sim: Sim): ClusterObjects {
  return {
    nodes: sim.stores.nodes.list().items.map((i) => i.object),
    pods: sim.stores.pods.list().items.map((i) => i.object),
    namespaces: sim.stores.namespaces.list().items.map((i) => i.object),
  };
}

export function inProcessScraper(
  sim: Sim,
  sourceOptions: string,
  env: Record<string, string> = {},
): InProcessScraper {
  const config = parseScrapeConfig({
    SOURCES: `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false&${sourceOptions}`,
    SINKS: 'log',
    CLUSTER_NAME: 'faults',
    INTERVAL: `${INTERVAL_MS / 1000}s`,
    STATE_STORE: 'memory',
    ...env,
  });
  const sink = captureSink();
  const counters = memoryCounterStore();
  const log = memoryLogger();
  const scraper: InProcessScraper = {
    config,
    sink,
    counters,
    log,
    beforeFirstSummary: undefined,
    rewriteSummary: undefined,
    async round(options = {}) {
      const writesBefore = sink.writes.length;
      const roundTime = options.roundTime ?? alignRound(sim.clock.now(), INTERVAL_MS);
      let hooked = false;
      const received = new Map<string, Buffer>();
      const deps: ScrapeDeps = {
        log,
        now: Date.now,
        counters,
        sinks: [sink],
        connect: async (source: SummaryApiSource): Promise<KubeConnection> => {
          const conn = await connect(source, { env: {} });
          return {
            ...conn,
            getUrl: async (url, limits) => {
              const node = /\/nodes\/([^/]+)\/proxy\/stats\/summary$/.exec(url.pathname)?.[1];
              if (node === undefined) return conn.getUrl(url, limits);
              if (!hooked) {
                hooked = true;
                await scraper.beforeFirstSummary?.();
              }
              const outcome = await conn.getUrl(url, limits);
              if (!outcome.ok) return outcome;
              const served = Buffer.from(outcome.text, 'utf8');
              const body = scraper.rewriteSummary?.(node, served) ?? served;
              received.set(node, body);
              return textOutcome(body.toString('utf8'), outcome.status);
            },
          };
        },
      };
      const started = Date.now();
      const report = await runScrape(config, deps, {
        roundTime,
        signal: options.signal ?? new AbortController().signal,
        shard: 'all',
      });
      const elapsedMs = Date.now() - started;
      return {
        roundTime,
        report,
        points:
          sink.writes.length > writesBefore ? (sink.writes.at(-1) as Map<string, LoggedPoint>) : new Map(),
        served: servedSummaries(sim),
        received,
        objects: clusterObjects(sim),
        elapsedMs,
      };
    },
  };
  return scraper;
}
