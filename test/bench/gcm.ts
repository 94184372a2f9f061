import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { availableParallelism } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import { parseScrapeConfig } from '../../shared/config/scrape-config.js';
import type { SummaryApiSource } from '../../shared/config/source-uri.js';
import { connect } from '../../shared/kube/connect.js';
import type { Batch } from '../../shared/metrics/model.js';
import { createLogger, memoryLogger } from '../../shared/runtime/log.js';
import { alignRound, runScrape } from '../../shared/scrape/run-scrape.js';
import { gcmSink } from '../../shared/sinks/gcm/gcm-sink.js';
import type { MetricSink, WriteReport } from '../../shared/sinks/sink.js';
import { memoryCounterStore } from '../../shared/state/counter-store.js';
import { startSimProcess, type SimProcess } from './sim-process.js';

/**
 * `npm run bench -- gcm [--nodes N] [--pods-per-node P] [--rounds R] [--concurrency C] [--sink-options '&levels=pod']`
 * (further gcm sink options, default none: the sink's defaults): scrape rounds of the
 * simulator (its own process) with the gcm sink writing into the Monitoring stand-in (its own process, keeping
 * each series' last point, or above 200 nodes only checking each request), in this process. The sink's share
 * (encoding, descriptors, gRPC requests) is measured around its write, the scrape's as the rest of the round.
 */
const INTERVAL_MS = 60_000;

interface RoundFigures {
  points: number;
  report: WriteReport;
  requests: number;
  scrapeCpuMs: number;
  scrapeWallMs: number;
  sinkCpuMs: number;
  sinkWallMs: number;
}

export async function benchGcm(args: Map<string, string>): Promise<void> {
  const nodes = Number(args.get('nodes') ?? 1000);
  const podsPerNode = Number(args.get('pods-per-node') ?? 30);
  const rounds = Number(args.get('rounds') ?? 3);
  const concurrency = Number(args.get('concurrency') ?? 8);
  const sinkOptions = args.get('sink-options') ?? '';
  const sim = await startSimProcess(['--nodes', String(nodes), '--pods-per-node', String(podsPerNode)]);
  // Above a few hundred nodes the stand-in cannot hold every series: it then checks requests and stores nothing.
  const standIn = await startStandInProcess(nodes > 200 ? 'none' : 'last');
  try {
    const figures = await gcmRounds(sim, standIn.endpoint, rounds, concurrency, sinkOptions);
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    const service = await standIn.stats();
    print({
      nodes,
      podsPerNode,
      concurrency,
      sinkOptions,
      figures,
      peakRssBytes,
      service,
      keep: nodes > 200 ? 'storing nothing' : 'keeping last points',
    });
  } finally {
    await Promise.all([sim.stop(), standIn.stop()]);
  }
}

/** Measures a sink's write: CPU of this process and wall time while only the sink works. */
function measured(
  sink: MetricSink,
  onWrite: (cpuMs: number, wallMs: number, report: WriteReport) => void,
): MetricSink {
  return {
    name: sink.name,
    close: () => sink.close(),
    async write(batch: Batch, signal: AbortSignal): Promise<WriteReport> {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const report = await sink.write(batch, signal);
      const used = process.cpuUsage(cpu);
      onWrite((used.user + used.system) / 1000, performance.now() - started, report);
      return report;
    },
  };
}

async function gcmRounds(
  sim: SimProcess,
  endpoint: string,
  rounds: number,
  concurrency: number,
  sinkOptions: string,
): Promise<RoundFigures[]> {
  const config = parseScrapeConfig({
    SOURCES: `kubernetes.summary_api:?auth=${encodeURIComponent(sim.ready.kubeconfig)}&concurrency=32`,
    SINKS: `gcm?project=bench-project&location=europe-west4&endpoint=${endpoint}&concurrency=${concurrency}${sinkOptions}`,
    STATE_STORE: 'memory',
    INTERVAL: `${INTERVAL_MS / 1000}s`,
    FUNCTION_TIMEOUT: '540s',
  });
  const sinkConfig = config.sinks[0];
  if (sinkConfig?.kind !== 'gcm') throw new Error('the gcm sink did not parse');
  const sinkLog = memoryLogger();
  let last = { cpuMs: 0, wallMs: 0 };
  const sink = measured(gcmSink(sinkConfig, { log: sinkLog }), (cpuMs, wallMs) => (last = { cpuMs, wallMs }));
  const deps = {
    log: createLogger({ write: () => undefined }),
    now: Date.now,
    connect: (source: SummaryApiSource) => connect(source, { env: {} }),
    counters: memoryCounterStore(),
    sinks: [sink],
  };
  const first = alignRound(Date.now(), INTERVAL_MS);
  const figures: RoundFigures[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      if (i > 0) await simPost(sim, `/sim/v1/clock/advance?ms=${INTERVAL_MS}`);
      const cpu = process.cpuUsage();
      const started = performance.now();
      const report = await runScrape(config, deps, {
        roundTime: first + i * INTERVAL_MS,
        signal: new AbortController().signal,
        shard: 'all',
      });
      const wallMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const written = report.sinks[0] as WriteReport;
      const line = sinkLog.entries.filter((e) => e.message === 'gcm sink: round written').at(-1);
      figures.push({
        points: report.points,
        report: written,
        requests: Number(line?.['requests'] ?? 0),
        scrapeCpuMs: (used.user + used.system) / 1000 - last.cpuMs,
        scrapeWallMs: wallMs - last.wallMs,
        sinkCpuMs: last.cpuMs,
        sinkWallMs: last.wallMs,
      });
      if (report.nodes.failed > 0 || written.error !== undefined || Object.keys(written.rejected).length > 0)
        console.error(`round ${i + 1}: ${report.nodes.failed} nodes failed; sink ${JSON.stringify(written)}`);
    }
  } finally {
    await sink.close();
  }
  return figures;
}

function print(r: {
  nodes: number;
  podsPerNode: number;
  concurrency: number;
  sinkOptions: string;
  figures: RoundFigures[];
  peakRssBytes: number;
  service: { cpuMs: number; rssBytes: number; stats: { calls: Record<string, number> } } | undefined;
  keep: string;
}): void {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `bench gcm: ${r.nodes} nodes x ${r.podsPerNode} pods x 2 containers, scrape -> gcm sink -> Monitoring stand-in (gRPC, ${r.concurrency} requests in flight)`,
  );
  console.log(
    `  conditions: node ${process.version}, ${availableParallelism()} cores shared, simulator and stand-in (${r.keep}) in their own processes; sink options ${r.sinkOptions === '' ? 'default (metrics=core on pod, node, ns and cluster)' : r.sinkOptions}`,
  );
  r.figures.forEach((f, i) => {
    const perK = (f.sinkCpuMs / Math.max(1, f.report.written)) * 1000;
    console.log(
      `  round ${i + 1}: ${f.report.written} points written (${f.points} in the batch), rejected ${JSON.stringify(f.report.rejected)}, ${f.requests} requests`,
    );
    console.log(
      `    sink  ${s(f.sinkWallMs)} wall, ${(f.report.written / (f.sinkWallMs / 1000)).toFixed(0)} series/s, CPU ${s(f.sinkCpuMs)} = ${perK.toFixed(2)} ms per 1000 points = ${(f.sinkCpuMs / Math.max(1, f.requests)).toFixed(2)} ms per request`,
    );
    console.log(
      `    scrape ${s(f.scrapeWallMs)} wall, CPU ${s(f.scrapeCpuMs)}; sink/scrape CPU ${(f.sinkCpuMs / f.scrapeCpuMs).toFixed(2)} (target < 1)`,
    );
  });
  console.log(`  peak RSS (scraper + sink) ${(r.peakRssBytes / 1024 / 1024).toFixed(0)} MiB`);
  if (r.service !== undefined)
    console.log(
      `  stand-in: CPU ${s(r.service.cpuMs)}, RSS ${(r.service.rssBytes / 1024 / 1024).toFixed(0)} MiB, calls ${JSON.stringify(r.service.stats.calls)}`,
    );
}

interface StandInProcess {
  endpoint: string;
  stats(): Promise<{ cpuMs: number; rssBytes: number; stats: { calls: Record<string, number> } } | undefined>;
  stop(): Promise<void>;
}

async function startStandInProcess(keep: 'last' | 'none'): Promise<StandInProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/stand-ins/gcm/cli.ts', '--keep', keep],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines: Interface = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const next = (timeoutMs: number): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the stand-in did not answer')), timeoutMs);
      const onLine = (line: string): void => {
        clearTimeout(timer);
        lines.off('line', onLine);
        resolve(JSON.parse(line) as Record<string, unknown>);
      };
      lines.on('line', onLine);
    });
  const ready = await next(30_000);
  if (ready['ready'] !== true || ready['pid'] !== child.pid)
    throw new Error(`unexpected stand-in line ${JSON.stringify(ready)}`);
  return {
    endpoint: ready['endpoint'] as string,
    stats: async () => {
      const answer = next(10_000);
      child.kill('SIGUSR2');
      return (await answer.catch(() => undefined)) as never;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

let agent: Agent | undefined;
function simPost(sim: SimProcess, path: string): Promise<Buffer> {
  agent ??= new Agent({ keepAlive: true, maxSockets: 4, ca: readFileSync(sim.ready.caPath) });
  const { apiServer, token } = sim.ready;
  return new Promise((resolve, reject) => {
    const req = request(
      `${apiServer}${path}`,
      { method: 'POST', agent, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`POST ${path}: HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
