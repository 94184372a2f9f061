import { readFileSync } from 'node:fs';
import { constants as perfConstants, PerformanceObserver } from 'node:perf_hooks';
import { parseScrapeConfig } from '../../shared/config/scrape-config.js';
import type { SummaryApiSource } from '../../shared/config/source-uri.js';
import { connect } from '../../shared/kube/connect.js';
import { discover, type NodeTarget } from '../../shared/kube/discover.js';
import { inventoryCache } from '../../shared/kube/inventory-cache.js';
import { EntityCatalog } from '../../shared/metrics/entity-catalog.js';
import { createLogger } from '../../shared/runtime/log.js';
import { keptConnections } from '../../shared/scrape/kept-connections.js';
import { alignRound, runScrape } from '../../shared/scrape/run-scrape.js';
import { summaryUrl } from '../../shared/scrape/scrape-node.js';
import { logSink } from '../../shared/sinks/log/log-sink.js';
import { memoryCounterStore } from '../../shared/state/counter-store.js';
import { simClient } from './sim-client.js';

/**
 * The scraper side of `npm run bench -- scrape`, run compiled to JavaScript in its own process as the function
 * runs in Cloud (no TypeScript loader in its memory or CPU). Argument: one JSON object (SimTarget and sizes);
 * output: one JSON line (WorkerResult).
 */
export interface WorkerInput {
  apiServer: string;
  caPath: string;
  token?: string;
  kubeconfig: string;
  rounds: number;
  concurrency: number;
  intervalMs: number;
  /** Keep the inventory between rounds (a warm instance); false lists the cluster every round. */
  cache: boolean;
}

export interface RoundResult {
  wallMs: number;
  cpuMs: number;
  nodesOk: number;
  nodesTotal: number;
  points: number;
  /** How the round got its inventory: what it listed, or how many changes its catch-up applied. */
  inventory: string;
  /** The process's peak RSS so far, after the round. */
  peakRssBytes: number;
  /** V8's collections during the round and the main thread's time paused in them (wall time). */
  gc: GcTally;
  /** CPU of every thread but the main one (V8's concurrent GC and compiler threads, libuv's pool); Linux only. */
  otherThreadsCpuMs?: number;
  failure?: string;
}

export interface GcTally {
  minor: number;
  major: number;
  pausedMs: number;
}

export interface WorkerResult {
  baselineRssBytes: number;
  rounds: RoundResult[];
  peakRssBytes: number;
  /** Listing nodes, pods and namespaces alone, once (what a cold round does). */
  discoverCpuMs: number;
  /** A warm inventory catching up alone, once (what a warm round does instead). */
  catchUpCpuMs: number;
  floor: { nodes: number; bytes: number; fetchCpuMs: number; parseCpuMs: number };
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

const gcSoFar: GcTally = { minor: 0, major: 0, pausedMs: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MINOR) gcSoFar.minor++;
    else if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gcSoFar.major++;
    gcSoFar.pausedMs += entry.duration;
  }
}).observe({ entryTypes: ['gc'] });

/** GC entries reach the observer a turn of the event loop after the collection. */
async function gcSince(start: GcTally): Promise<GcTally> {
  await new Promise((resolve) => setImmediate(resolve));
  return {
    minor: gcSoFar.minor - start.minor,
    major: gcSoFar.major - start.major,
    pausedMs: gcSoFar.pausedMs - start.pausedMs,
  };
}

/** The main thread's CPU so far (clock ticks of 10 ms), or undefined where /proc is not there. */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * How the scraper reaches the API server: as deployed for GKE (auth=google: the endpoint, its CA and the function's
 * OAuth token, for which the simulator's token stands in), so that the kubeconfig client library, which only a
 * kubeconfig needs, is not loaded into its memory; the kubeconfig when the simulator has no token.
 */
function sourceAccess(input: WorkerInput): string {
  return input.token !== undefined
    ? `${input.apiServer}?auth=google&ca=${encodeURIComponent(input.caPath)}`
    : `?auth=${encodeURIComponent(input.kubeconfig)}`;
}

async function main(input: WorkerInput): Promise<WorkerResult> {
  const token = input.token;
  const access = {
    env: {},
    ...(token !== undefined ? { googleAccessToken: () => Promise.resolve(token) } : {}),
  };
  const sim = simClient(input, input.concurrency);
  const config = parseScrapeConfig({
    SOURCES: `kubernetes.summary_api:${sourceAccess(input)}&concurrency=${input.concurrency}`,
    SINKS: 'log',
    STATE_STORE: 'memory',
    INTERVAL: `${input.intervalMs / 1000}s`,
    FUNCTION_TIMEOUT: '540s',
  });
  const discard = createLogger({ write: () => undefined });
  const source = config.sources[0] as SummaryApiSource;
  const deps = {
    log: discard,
    now: Date.now,
    // A warm instance keeps its connections and its inventory between rounds, as functions/scrape does.
    connect: input.cache
      ? keptConnections((s: SummaryApiSource) => connect(s, access))
      : (s: SummaryApiSource) => connect(s, access),
    counters: memoryCounterStore(),
    sinks: [logSink({ points: false }, discard, () => undefined)],
    ...(input.cache ? { inventory: inventoryCache(), entities: new EntityCatalog() } : {}),
  };
  const baselineRssBytes = process.memoryUsage().rss;
  const first = alignRound(Date.now(), input.intervalMs);
  const rounds: RoundResult[] = [];
  for (let i = 0; i < input.rounds; i++) {
    if (i > 0) await sim('POST', `/sim/v1/clock/advance?ms=${input.intervalMs}`);
    const gcStart = { ...gcSoFar };
    const mainStart = mainThreadCpuMs();
    const cpu = process.cpuUsage();
    const started = performance.now();
    const report = await runScrape(config, deps, {
      roundTime: first + i * input.intervalMs,
      signal: new AbortController().signal,
      shard: 'all',
    });
    const failure =
      report.error ?? (report.nodes.failed > 0 ? JSON.stringify(report.nodes.failures[0]) : undefined);
    const wallMs = performance.now() - started;
    const roundCpuMs = cpuMs(process.cpuUsage(cpu));
    const mainEnd = mainThreadCpuMs();
    rounds.push({
      wallMs,
      cpuMs: roundCpuMs,
      gc: await gcSince(gcStart),
      ...(mainStart !== undefined && mainEnd !== undefined
        ? { otherThreadsCpuMs: Math.max(0, roundCpuMs - (mainEnd - mainStart)) }
        : {}),
      nodesOk: report.nodes.ok,
      nodesTotal: report.nodes.total,
      points: report.points,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      inventory:
        report.inventory === undefined
          ? 'listed everything (no cache)'
          : report.inventory.listed.length > 0
            ? `listed ${report.inventory.listed.map((l) => `${l.resource} (${l.reason})`).join(', ')}`
            : `caught up by watch, ${report.inventory.changes} changes`,
      ...(failure !== undefined ? { failure } : {}),
    });
  }
  // The scraper's peak, before the measurements below hold every payload at once.
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;

  const conn = await connect(source, access);
  const discoverCpu = process.cpuUsage();
  const found = await discover(conn, { timeoutMs: 60_000, maxBytes: 512 * 1024 * 1024 });
  const discoverCpuMs = cpuMs(process.cpuUsage(discoverCpu));
  const cache = inventoryCache();
  await cache.refresh(conn, { timeoutMs: 60_000, maxBytes: 512 * 1024 * 1024 });
  const catchUpCpu = process.cpuUsage();
  await cache.refresh(conn, { timeoutMs: 60_000, maxBytes: 512 * 1024 * 1024 });
  const catchUpCpuMs = cpuMs(process.cpuUsage(catchUpCpu));

  const texts: string[] = [];
  let next = 0;
  const fetchCpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: input.concurrency }, async () => {
      while (next < found.nodes.length) {
        const node = found.nodes[next++] as NodeTarget;
        // The scraper's own client and request, so that "beyond fetching" is the rest of the scrape.
        const fetched = await conn.getUrl(summaryUrl(conn, source, node) as URL, {
          timeoutMs: source.timeoutMs,
          maxBytes: source.maxBodyBytes,
        });
        if (!fetched.ok) throw new Error(`fetching ${node.name}: ${fetched.message}`);
        texts.push(fetched.text);
      }
    }),
  );
  const fetchCpuMs = cpuMs(process.cpuUsage(fetchCpu));
  conn.close();
  // As bytes again, for a floor that decodes them as the scrape must.
  const bodies = texts.map((text) => Buffer.from(text, 'utf8'));
  // The least of three passes: parsing is the same work each time, and only other load on the machine makes a
  // pass cost more, so the floor is never flattered by a noisy moment.
  let parseCpuMs = Infinity;
  let pods = 0;
  for (let pass = 0; pass < 3; pass++) {
    const parseCpu = process.cpuUsage();
    pods = 0;
    for (const body of bodies) pods += (JSON.parse(body.toString('utf8')) as { pods: unknown[] }).pods.length;
    parseCpuMs = Math.min(parseCpuMs, cpuMs(process.cpuUsage(parseCpu)));
  }
  if (pods === 0) throw new Error('the summaries hold no pods');
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  return {
    baselineRssBytes,
    rounds,
    peakRssBytes,
    discoverCpuMs,
    catchUpCpuMs,
    floor: { nodes: bodies.length, bytes, fetchCpuMs, parseCpuMs },
  };
}

main(JSON.parse(process.argv[2] ?? '{}') as WorkerInput).then(
  (result) => {
    process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
  },
  (err: unknown) => {
    process.stderr.write(`scrape bench worker: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
