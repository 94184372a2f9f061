import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { compileWorker, workerPath } from './compile-worker.js';
import { startSimProcess } from './sim-process.js';
import type { WorkerInput, WorkerResult } from './scrape-worker.js';

/**
 * `npm run bench -- scrape [--nodes N] [--pods-per-node P] [--rounds R] [--concurrency C] [--churn PODS_PER_MIN]
 * [--cache false] [--memory MIB] [--node-flags FLAGS] [--cpu-prof DIR]`: rounds of scraping against the simulator,
 * each side in its own process (--cpu-prof: the scraper's CPU profile goes to DIR; --memory: the instance memory
 * whose heap limit the scraper gets, 1024 as deployed by default, 0 for this machine's). The scraper (runScrape,
 * log sink discarding its output, counters in memory) is compiled to JavaScript first and runs without a
 * TypeScript loader, as in Cloud; rounds are a simulated interval apart, so every round after the first derives
 * rates. The scraper keeps its inventory and its nodes' entities between rounds as a warm instance does (the
 * first round lists, later ones catch up by watch; --cache false lists every round and keeps nothing), while the
 * simulator replaces pods and restarts containers (--churn per minute, each). Afterwards the scraper process
 * fetches the same summaries again with its own client and only JSON.parse's them: the floor no scraper that reads
 * JSON can go below.
 */
const INTERVAL_MS = 15_000;
/** The scrape function's memory as infra deploys it by default (var.scrape.memory = "1Gi"). */
const DEPLOYED_MEMORY_MIB = 1024;
const WORKER = workerPath('scrape-worker');

export async function benchScrape(args: Map<string, string>): Promise<void> {
  const nodes = Number(args.get('nodes') ?? 1000);
  const podsPerNode = Number(args.get('pods-per-node') ?? 30);
  const rounds = Number(args.get('rounds') ?? 5);
  const concurrency = Number(args.get('concurrency') ?? 32);
  const churn = Number(args.get('churn') ?? 60);
  const cache = args.get('cache') !== 'false';
  await compileWorker('scrape-worker');
  const sim = await startSimProcess([
    ...['--nodes', String(nodes), '--pods-per-node', String(podsPerNode)],
    ...['--pod-churn-per-min', String(churn), '--restarts-per-min', String(churn)],
  ]);
  try {
    const input: WorkerInput = {
      apiServer: sim.ready.apiServer,
      caPath: sim.ready.caPath,
      ...(sim.ready.token !== undefined ? { token: sim.ready.token } : {}),
      kubeconfig: sim.ready.kubeconfig,
      rounds,
      concurrency,
      intervalMs: INTERVAL_MS,
      cache,
    };
    const profileDir = args.get('cpu-prof');
    // Node sizes its heap from the instance's memory limit: half of it for the old generation (a 1 GiB memory
    // cgroup gives Node 20 a heap_size_limit of 524 MiB). Without this the scraper would get the heap of this
    // machine's whole memory, and V8 collects a small heap far more often than a large one.
    const memoryMiB = Number(args.get('memory') ?? DEPLOYED_MEMORY_MIB);
    const nodeFlags = [
      ...(memoryMiB > 0 ? [`--max-old-space-size=${Math.floor(memoryMiB / 2)}`] : []),
      ...(args.get('node-flags') ?? '').split(' ').filter((f) => f !== ''),
    ];
    const result = await runWorker(input, [
      ...nodeFlags,
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    ]);
    console.log(
      `bench scrape: ${nodes} nodes x ${podsPerNode} pods x 2 containers, ${concurrency} nodes at once through the API server's node proxy (HTTPS)`,
    );
    console.log(
      `  conditions: node ${process.version}, ${availableParallelism()} cores, simulator in its own process (ready in ${(sim.ready.startupMs / 1000).toFixed(1)} s), ` +
        `scraper compiled to JavaScript in its own process${nodeFlags.length > 0 ? ` (node ${nodeFlags.join(' ')})` : ''}` +
        (memoryMiB > 0
          ? `, its heap as Node sizes it in a ${memoryMiB} MiB instance, `
          : ', heap as large as this machine allows, ') +
        (sim.ready.token !== undefined
          ? 'API server reached as on GKE (auth=google: endpoint, CA, bearer token), '
          : 'API server reached through the kubeconfig, ') +
        'log sink discarding output, counters in memory, ' +
        `${churn} pods replaced and ${churn} containers restarted per minute, ` +
        (cache
          ? 'inventory and entities kept between rounds'
          : 'no inventory or entity cache (--cache false)'),
    );
    print(result, nodes);
  } finally {
    await sim.stop();
  }
}

function runWorker(input: WorkerInput, nodeFlags: string[]): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, WORKER, JSON.stringify(input)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`the scraper process exited with ${code}`));
      // The result is the last line; any lines before it come from node flags such as --trace-gc.
      const lines = out.trimEnd().split('\n');
      const result = lines.pop() ?? '';
      if (lines.length > 0) console.error(lines.join('\n'));
      resolve(JSON.parse(result) as WorkerResult);
    });
  });
}

function print(r: WorkerResult, nodes: number): void {
  const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
  for (const [i, f] of r.rounds.entries()) {
    const seconds = f.wallMs / 1000;
    console.log(
      `  round ${i + 1}${i === 0 ? ' (no rates)' : ' (rates)   '}  wall ${seconds.toFixed(2)} s (target < 15 s)  ` +
        `${(f.nodesOk / seconds).toFixed(0)} nodes/s  ${(f.points / seconds).toFixed(0)} points/s  ` +
        `CPU ${(f.cpuMs / 1000).toFixed(2)} s = ${(f.cpuMs / nodes).toFixed(2)} ms/node  ` +
        `peak RSS ${mib(f.peakRssBytes)} MiB  (${f.nodesOk}/${f.nodesTotal} nodes ok, ${f.points} points; ` +
        `inventory ${f.inventory})`,
    );
    console.log(
      `    GC: ${f.gc.minor} minor and ${f.gc.major} major collections, main thread paused ${f.gc.pausedMs.toFixed(0)} ms` +
        (f.otherThreadsCpuMs !== undefined
          ? `; threads other than the main one (V8's GC and compilers, libuv) ${(f.otherThreadsCpuMs / nodes).toFixed(2)} ms/node of the CPU`
          : ''),
    );
    if (f.failure !== undefined) console.log(`    failure: ${f.failure}`);
  }
  const last = r.rounds[r.rounds.length - 1] as WorkerResult['rounds'][number];
  const perNode = (ms: number): string => `${(ms / r.floor.nodes).toFixed(2)} ms/node`;
  console.log(
    `  JSON.parse floor       ${(r.floor.parseCpuMs / 1000).toFixed(2)} s CPU = ${perNode(r.floor.parseCpuMs)} for ${mib(r.floor.bytes)} MiB of summaries (least of 3 passes)`,
  );
  const sorted = r.rounds
    .slice(1)
    .map((f) => f.cpuMs)
    .sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median =
    sorted.length === 0
      ? NaN
      : sorted.length % 2 === 1
        ? (sorted[Math.floor(mid)] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  // The floor is the least of its passes, so that a noisy moment does not flatter the ratio; the least of the
  // warm rounds is its like (this machine's neighbours move a round's CPU by a third), median and last follow.
  const ratio = (ms: number | undefined): string =>
    ms === undefined ? 'n/a' : `${(ms / r.floor.parseCpuMs).toFixed(2)}x`;
  console.log(
    `  scraper CPU / floor    ${ratio(sorted[0])} (least of the rounds after the first; target <= 4x), ` +
      `${ratio(median)} (their median), ${ratio(last.cpuMs)} (last round)`,
  );
  console.log(
    `  scraper peak RSS       ${mib(r.peakRssBytes)} MiB (target < 400 MiB; ${mib(r.baselineRssBytes)} MiB before the first round)`,
  );
  console.log('  for comparison, in the same process:');
  console.log(
    `    fetching the summaries alone (the scraper's client, as bytes)       ${perNode(r.floor.fetchCpuMs)}`,
  );
  console.log(
    `    listing nodes, pods and namespaces alone (a cold round)             ${perNode(r.discoverCpuMs)}`,
  );
  console.log(
    `    catching up a kept inventory alone (a warm round instead)           ${perNode(r.catchUpCpuMs)}`,
  );
  // What the scraper spends beyond the HTTPS requests themselves (http client, TLS), as a share of the floor.
  const beyond = last.cpuMs - r.floor.fetchCpuMs;
  console.log(
    `    the last round beyond fetching alone                                ${perNode(beyond)} = ` +
      `${(beyond / r.floor.parseCpuMs).toFixed(2)}x the floor`,
  );
}
