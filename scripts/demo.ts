import { startFirestoreEmulator, type FirestoreEmulator } from '../test/support/firestore-emulator.js';
import {
  startFunctionsFramework,
  type FunctionsFrameworkProcess,
} from '../test/support/functions-framework.js';
import { parsePointLine, type LoggedPoint } from '../test/support/point-lines.js';
import { startSim, type Sim } from '../test/sim/sim.js';
import type { ScrapeReport } from '../shared/scrape/report.js';

/**
 * `npm run demo [-- --keep]`: the scrape function as it runs in Google Cloud, on this machine. A simulated
 * cluster, the Firestore emulator for the counters and the real Functions Framework serving `scrape`; the demo
 * plays Cloud Scheduler, calling it once per interval of simulated time, and shows what the log sink printed as
 * a short table per run. Four runs (the third with a failing kubelet), or with --keep until Ctrl-C.
 * Everything listens on and talks to loopback only; no Google endpoint and no metadata server is contacted.
 */
const INTERVAL_MS = 15_000;
const RUNS = 4;
const PROJECT = 'demo-heapster';

interface Running {
  sim?: Sim;
  emulator?: FirestoreEmulator;
  fn?: FunctionsFrameworkProcess;
}

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const stop = new AbortController();
  process.on('SIGINT', () => {
    if (stop.signal.aborted) process.exit(130);
    console.log('\nstopping...');
    stop.abort();
  });
  process.on('SIGTERM', () => stop.abort());
  const running: Running = {};
  try {
    console.log('starting: simulated cluster, Firestore emulator, Functions Framework (target scrape)...');
    const [sim, emulator] = await Promise.all([
      startSim({ nodes: 4, podsPerNode: 6, kubeletHttpPort: 0, kubeletHttpsPort: 0 }),
      startFirestoreEmulator(),
    ]);
    running.sim = sim;
    running.emulator = emulator;
    const fn = await startFunctionsFramework({
      target: 'scrape',
      source: 'functions/scrape/index.ts',
      env: {
        SOURCES: `kubernetes.summary_api:?auth=${encodeURIComponent(sim.kubeconfigPath)}`,
        SINKS: 'log?points=true',
        CLUSTER_NAME: 'demo',
        INTERVAL: `${INTERVAL_MS / 1000}s`,
        STATE_STORE: 'firestore',
        FIRESTORE_EMULATOR_HOST: emulator.host,
        GOOGLE_CLOUD_PROJECT: PROJECT,
        // The Google clients must not look for a metadata server (they would probe 169.254.169.254).
        METADATA_SERVER_DETECTION: 'none',
      },
    });
    running.fn = fn;
    console.log(`  API server          ${sim.url} (kubeconfig ${sim.kubeconfigPath})`);
    console.log(`  Firestore emulator  ${emulator.host} (project ${PROJECT})`);
    console.log(`  scrape function     ${fn.url} (Functions Framework, SINKS=log?points=true)`);
    console.log(
      `\nCloud Scheduler's part: a POST every ${INTERVAL_MS / 1000} s of simulated time (the cluster's clock is moved on, so no waiting)`,
    );

    const first = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
    const faulty = [...sim.cluster.nodes.keys()][1] as string;
    for (let run = 1; keep || run <= RUNS; run++) {
      if (stop.signal.aborted) break;
      if (run > 1) sim.clock.advance(INTERVAL_MS);
      if (run === 3) await sim.setFault(faulty, { kind: 'status', code: 500 });
      if (run === 4) await sim.setFault(faulty, undefined);
      const scheduled = new Date(first + (run - 1) * INTERVAL_MS);
      const call = await fn.schedule(scheduled);
      const report = call.body as ScrapeReport;
      // The sink's points come before its summary line: once that is out, the run's points are all there.
      await fn.waitForLine((l) => l.includes('"log sink: round written"') && l.includes(report.roundTime));
      const points = fn
        .takeLines()
        .map((l) => parsePointLine(l))
        .filter((p): p is LoggedPoint => p !== undefined);
      console.log(runTable(run, call.status, report, points, run === 3 ? faulty : undefined));
      if (keep || run < RUNS) await sleep(2000, stop.signal);
    }
  } finally {
    await running.fn?.stop();
    await running.emulator?.stop();
    await running.sim?.stop();
  }
}

function runTable(
  run: number,
  status: number,
  report: ScrapeReport,
  points: readonly LoggedPoint[],
  faulty: string | undefined,
): string {
  const lines: string[] = [];
  const n = report.nodes;
  lines.push(
    `\nrun ${run}  scheduled ${report.roundTime}  HTTP ${status}  ${report.durationMs} ms  ` +
      `nodes ${n.ok}/${n.total} ok  pods ${report.pods}  points ${report.points}  ` +
      `counters saved: ${report.state.savedDocuments ?? 0} Firestore document(s)` +
      (report.state.error ? ` (${report.state.error})` : ''),
  );
  if (faulty !== undefined) lines.push(`  (the simulator's kubelet on ${faulty} answers HTTP 500 this run)`);
  for (const f of n.failures)
    lines.push(
      `  failed  ${f.node}: ${f.reason}${f.status ? ` ${f.status}` : ''}: ${f.message.slice(0, 80)}`,
    );
  const perType = Object.entries(report.pointsPerType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([t, c]) => `${t} ${c}`);
  lines.push(`  points per type: ${perType.join(', ')}`);
  const cpu = points.filter((p) => p.metric === 'cpu/usage_rate' && p.labels['type'] === 'pod');
  if (cpu.length === 0) {
    lines.push(
      '  no cpu/usage_rate yet: a rate needs two samples of a counter, so it starts with the next run',
    );
    return lines.join('\n');
  }
  const memory = new Map<string, number>();
  for (const p of points)
    if (p.metric === 'memory/working_set' && p.labels['type'] === 'pod') memory.set(podOf(p), p.value);
  lines.push(`  top pods by CPU (from the log sink's points)`);
  lines.push(
    `    ${'NAMESPACE/POD'.padEnd(40)} ${'NODE'.padEnd(10)} ${'CPU (m)'.padStart(8)} ${'MEM (MiB)'.padStart(10)}`,
  );
  for (const p of [...cpu].sort((a, b) => b.value - a.value).slice(0, 5)) {
    const mem = memory.get(podOf(p));
    lines.push(
      `    ${podOf(p).padEnd(40)} ${(p.labels['nodename'] ?? '').padEnd(10)} ${p.value.toFixed(0).padStart(8)} ${(mem === undefined ? '-' : (mem / 1024 / 1024).toFixed(1)).padStart(10)}`,
    );
  }
  const cluster = points.find((p) => p.metric === 'cpu/usage_rate' && p.labels['type'] === 'cluster');
  if (cluster !== undefined) lines.push(`  cluster cpu/usage_rate: ${cluster.value.toFixed(0)} millicores`);
  return lines.join('\n');
}

function podOf(p: LoggedPoint): string {
  return `${p.labels['namespace_name'] ?? '?'}/${p.labels['pod_name'] ?? '?'}`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`demo: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
