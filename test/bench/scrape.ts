import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { availableParallelism } from 'node:os';
import { parseScrapeConfig } from '../../shared/config/scrape-config.js';
import type { SummaryApiSource } from '../../shared/config/source-uri.js';
import { connect } from '../../shared/kube/connect.js';
import { createLogger } from '../../shared/runtime/log.js';
import { alignRound, runScrape } from '../../shared/scrape/run-scrape.js';
import type { ScrapeReport } from '../../shared/scrape/report.js';
import { logSink } from '../../shared/sinks/log/log-sink.js';
import { memoryCounterStore } from '../../shared/state/counter-store.js';
import { startSimProcess, type SimProcess } from './sim-process.js';

/**
 * `npm run bench -- scrape [--nodes N] [--pods-per-node P] [--rounds R] [--concurrency C]`: the scraper (runScrape
 * with the log sink discarding its output and counters in memory) in this process against the simulator in its
 * own, through the API server's node proxy. Rounds are a simulated interval apart, so every round after the first
 * derives rates. Afterwards the same summaries are fetched once more and only JSON.parse'd: the floor no scraper
 * that reads JSON can go below.
 */
const INTERVAL_MS = 15_000;

interface RoundFigures {
  report: ScrapeReport;
  wallMs: number;
  cpuMs: number;
}

export async function benchScrape(args: Map<string, string>): Promise<void> {
  const nodes = Number(args.get('nodes') ?? 1000);
  const podsPerNode = Number(args.get('pods-per-node') ?? 30);
  const rounds = Number(args.get('rounds') ?? 3);
  const concurrency = Number(args.get('concurrency') ?? 32);
  const sim = await startSimProcess(['--nodes', String(nodes), '--pods-per-node', String(podsPerNode)]);
  try {
    const figures = await scrapeRounds(sim, rounds, concurrency);
    // Peak RSS of the scraper, before the floor below holds every payload at once.
    const peakRssBytes = process.resourceUsage().maxRSS * 1024;
    const floor = await jsonParseFloor(sim, nodes, concurrency);
    print({ nodes, podsPerNode, concurrency, sim, figures, peakRssBytes, floor });
  } finally {
    await sim.stop();
  }
}

async function scrapeRounds(sim: SimProcess, rounds: number, concurrency: number): Promise<RoundFigures[]> {
  const config = parseScrapeConfig({
    SOURCES: `kubernetes.summary_api:?auth=${encodeURIComponent(sim.ready.kubeconfig)}&concurrency=${concurrency}`,
    SINKS: 'log',
    STATE_STORE: 'memory',
    INTERVAL: `${INTERVAL_MS / 1000}s`,
    FUNCTION_TIMEOUT: '540s',
  });
  const discard = createLogger({ write: () => undefined });
  const deps = {
    log: discard,
    now: Date.now,
    connect: (source: SummaryApiSource) => connect(source, { env: {} }),
    counters: memoryCounterStore(),
    sinks: [logSink({ points: false }, discard, () => undefined)],
  };
  const first = alignRound(Date.now(), INTERVAL_MS);
  const figures: RoundFigures[] = [];
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
    figures.push({ report, wallMs, cpuMs: (used.user + used.system) / 1000 });
    if (report.nodes.failed > 0 || report.error !== undefined)
      console.error(
        `round ${i + 1}: ${report.error ?? `${report.nodes.failed} nodes failed, e.g. ${JSON.stringify(report.nodes.failures[0])}`}`,
      );
  }
  return figures;
}

interface Floor {
  bytes: number;
  parseCpuMs: number;
  /** Fetching them alone (HTTPS, bodies kept as bytes): what any scraper on this transport pays too. */
  fetchCpuMs: number;
}

/** The same summaries, fetched once more, then JSON.parse alone (bytes to string to objects), timed in CPU. */
async function jsonParseFloor(sim: SimProcess, nodes: number, concurrency: number): Promise<Floor> {
  const names = await nodeNames(sim);
  if (names.length !== nodes) throw new Error(`the simulator lists ${names.length} nodes, not ${nodes}`);
  const bodies: Buffer[] = [];
  let next = 0;
  const fetchCpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < names.length) {
        const name = names[next++] as string;
        bodies.push(await simGet(sim, `/api/v1/nodes/${name}/proxy/stats/summary`));
      }
    }),
  );
  const fetched = process.cpuUsage(fetchCpu);
  const cpu = process.cpuUsage();
  let keep = 0;
  for (const body of bodies) keep += (JSON.parse(body.toString('utf8')) as { pods: unknown[] }).pods.length;
  const used = process.cpuUsage(cpu);
  if (keep === 0) throw new Error('the summaries hold no pods');
  return {
    bytes: bodies.reduce((n, b) => n + b.length, 0),
    parseCpuMs: (used.user + used.system) / 1000,
    fetchCpuMs: (fetched.user + fetched.system) / 1000,
  };
}

async function nodeNames(sim: SimProcess): Promise<string[]> {
  const list = JSON.parse((await simGet(sim, '/api/v1/nodes')).toString()) as {
    items: { metadata: { name: string } }[];
  };
  return list.items.map((n) => n.metadata.name);
}

let agent: Agent | undefined;
function simRequest(sim: SimProcess, method: string, path: string): Promise<Buffer> {
  agent ??= new Agent({ keepAlive: true, maxSockets: 64, ca: readFileSync(sim.ready.caPath) });
  const { apiServer, token } = sim.ready;
  return new Promise((resolve, reject) => {
    const req = request(
      `${apiServer}${path}`,
      { method, agent, headers: token ? { authorization: `Bearer ${token}` } : {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`${method} ${path}: HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
const simGet = (sim: SimProcess, path: string): Promise<Buffer> => simRequest(sim, 'GET', path);
const simPost = (sim: SimProcess, path: string): Promise<Buffer> => simRequest(sim, 'POST', path);

function print(r: {
  nodes: number;
  podsPerNode: number;
  concurrency: number;
  sim: SimProcess;
  figures: RoundFigures[];
  peakRssBytes: number;
  floor: Floor;
}): void {
  const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
  console.log(
    `bench scrape: ${r.nodes} nodes x ${r.podsPerNode} pods x 2 containers, ${r.concurrency} nodes at once through the API server's node proxy (HTTPS)`,
  );
  console.log(
    `  conditions: node ${process.version}, ${availableParallelism()} cores, simulator in its own process (ready in ${(r.sim.ready.startupMs / 1000).toFixed(1)} s), log sink discarding output, counters in memory`,
  );
  for (const [i, f] of r.figures.entries()) {
    const ok = f.report.nodes.ok;
    console.log(
      `  round ${i + 1}${i === 0 ? ' (no rates)' : ' (rates)   '}  wall ${(f.wallMs / 1000).toFixed(2)} s (target < 15 s)  ` +
        `${(ok / (f.wallMs / 1000)).toFixed(0)} nodes/s  ${(f.report.points / (f.wallMs / 1000)).toFixed(0)} points/s  ` +
        `CPU ${(f.cpuMs / 1000).toFixed(2)} s = ${(f.cpuMs / r.nodes).toFixed(2)} ms/node  ` +
        `(${ok}/${f.report.nodes.total} nodes ok, ${f.report.points} points)`,
    );
  }
  const last = r.figures[r.figures.length - 1] as RoundFigures;
  const ratio = last.cpuMs / r.floor.parseCpuMs;
  console.log(
    `  JSON.parse floor       ${(r.floor.parseCpuMs / 1000).toFixed(2)} s CPU = ${(r.floor.parseCpuMs / r.nodes).toFixed(2)} ms/node for ${mib(r.floor.bytes)} MiB of summaries`,
  );
  console.log(
    `  fetch alone            ${(r.floor.fetchCpuMs / 1000).toFixed(2)} s CPU = ${(r.floor.fetchCpuMs / r.nodes).toFixed(2)} ms/node (plain https.request, ${r.concurrency} at once)`,
  );
  console.log(`  scraper CPU / floor    ${ratio.toFixed(2)}x (last round; target <= 4x)`);
  console.log(`  scraper peak RSS       ${mib(r.peakRssBytes)} MiB (target < 400 MiB)`);
}
