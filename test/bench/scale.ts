import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, loadavg, setPriority } from 'node:os';
import { createInterface, type Interface } from 'node:readline';
import { assignNodes, shardCount, shardId } from '../../shared/scrape/shard/assign.js';
import { DEFAULT_SHARD_SIZE } from '../../shared/scrape/shard/shard-config.js';
import { firestoreRoundStore, type RoundStore } from '../../shared/state/round-store.js';
import { startFirestoreEmulator, emulatorFirestore } from '../support/firestore-emulator.js';
import { compileWorker, workerPath } from './compile-worker.js';
import { simClient } from './sim-client.js';
import { startSimProcess, type SimProcess } from './sim-process.js';
import { CLUSTER } from './scale-protocol.js';
import type { RoundsResult, ScaleCommand, ScaleWorkerInput, ShardRoundResult } from './scale-worker.js';

/**
 * `npm run bench -- scale [--nodes 5000] [--pods-per-node 30] [--shard-size 250] [--concurrency 8]
 * [--compare-nodes 1000] [--timeout 50] [--resolution 15s]`: a cluster scraped by shards, each its own process
 * (compiled to JavaScript, as the function runs) running the scrapeShard target's runShard on the nodes the
 * stable hash gives it, with the rounds' records in the Firestore emulator. All shards start at once, as the
 * Pub/Sub fan-out would start them (the messages go over stdin).
 * Two rounds a simulated minute apart (the second derives rates); the second is measured: wall time from its
 * start to the last shard's end, CPU of the shards and of the simulator, peak RSS per shard process, points
 * written, and the cluster totals the last shard wrote against the simulator's truth. Then the same
 * two rounds on --compare-nodes nodes in one unsharded process. With --resolution (default 500 nodes) instead:
 * one invocation at that resolution, each round's start and end against its slot.
 */
const INTERVAL_MS = 60_000;
const WORKER_NICENESS = 10;
const WORKER = workerPath('scale-worker');

interface SimInfo {
  cpuUsage: { user: number; system: number };
  rssBytes: number;
  nodeCpuMillicores: number;
}

export async function benchScale(args: Map<string, string>): Promise<void> {
  const resolution = args.get('resolution');
  const nodes = Number(args.get('nodes') ?? (resolution !== undefined ? 500 : 5000));
  const podsPerNode = Number(args.get('pods-per-node') ?? 30);
  const shardSize = Number(args.get('shard-size') ?? DEFAULT_SHARD_SIZE);
  // Dozens of processes share two cores with the simulator: fewer requests each keep its queue short.
  const concurrency = Number(args.get('concurrency') ?? 8);
  // Every scraper and the simulator share the machine's cores: a request waits longer than on a real cluster.
  const timeoutSeconds = Number(args.get('timeout') ?? (resolution !== undefined ? 10 : 50));
  const compareNodes = Number(args.get('compare-nodes') ?? 1000);
  await compileWorker('scale-worker');
  const conditions =
    `node ${process.version}, ${availableParallelism()} cores shared by the simulator and every scraper process, ` +
    `simulator in its own process, ${concurrency} summaries at once per process through the API server's node proxy, ` +
    `${timeoutSeconds} s per request, scraper processes at nice ${WORKER_NICENESS}, load average ${loadavg()[0]?.toFixed(1)} at the start`;
  if (resolution !== undefined) {
    const resolutionMs = parseSeconds(resolution);
    console.log(
      `bench scale: ${nodes} nodes x ${podsPerNode} pods, one invocation at ${resolution} resolution`,
    );
    console.log(`  conditions: ${conditions}, interval ${INTERVAL_MS / 1000} s, real time`);
    await withSim(nodes, podsPerNode, (sim) =>
      resolutionRun(sim, { concurrency, timeoutSeconds }, resolutionMs),
    );
    return;
  }
  const count = shardCount(nodes, shardSize);
  console.log(`bench scale: ${nodes} nodes x ${podsPerNode} pods x 2 containers in ${count} shards`);
  console.log(
    `  conditions: ${conditions}; shard size ${shardSize}, shard count ${count} (a power of two, jump hash of ` +
      `the node name), resolution ${INTERVAL_MS / 1000} s; each shard process runs the scrapeShard target's ` +
      `runShard (claims its shard and records its sums in the Firestore emulator, reads its nodes by name and ` +
      `their pods by field selector, the last shard to report writes the totals), its message sent over stdin ` +
      `instead of Pub/Sub; counters in memory; a sink that only counts`,
  );
  const emulator = await startFirestoreEmulator();
  try {
    const firestore = { host: emulator.host, projectId: 'demo-scale', root: 'heapster/scale' };
    const db = emulatorFirestore(firestore.host, firestore.projectId);
    const rounds = firestoreRoundStore(db, firestore.root);
    await withSim(nodes, podsPerNode, async (sim) => {
      const names = Array.from({ length: nodes }, (_, i) => `node-${String(i).padStart(4, '0')}`);
      const groups = new Map(
        assignNodes(names, count).flatMap((group, i) =>
          group.length > 0 ? [[shardId(i), group] as const] : [],
        ),
      );
      await measuredRounds(
        sim,
        { kind: 'sharded', groups, rounds, firestore },
        { concurrency, timeoutSeconds },
        `${nodes} nodes in ${groups.size} shards`,
      );
    });
    await db.terminate();
  } finally {
    await emulator.stop();
  }
  await withSim(compareNodes, podsPerNode, (sim) =>
    measuredRounds(
      sim,
      { kind: 'unsharded' },
      { concurrency, timeoutSeconds },
      `for comparison: ${compareNodes} nodes, one invocation`,
    ),
  );
}

async function withSim(
  nodes: number,
  podsPerNode: number,
  run: (sim: SimProcess) => Promise<void>,
): Promise<void> {
  const sim = await startSimProcess(
    ['--nodes', String(nodes), '--pods-per-node', String(podsPerNode), '--kubelet-https-port', '0'],
    600_000,
  );
  console.log(`  simulator: ${nodes} nodes ready in ${(sim.ready.startupMs / 1000).toFixed(1)} s`);
  try {
    await run(sim);
  } finally {
    await sim.stop();
  }
}

async function measuredRounds(
  sim: SimProcess,
  how:
    | { kind: 'unsharded' }
    | {
        kind: 'sharded';
        groups: ReadonlyMap<string, readonly string[]>;
        rounds: RoundStore;
        firestore: NonNullable<ScaleWorkerInput['firestore']>;
      },
  sizes: Pick<ScaleWorkerInput, 'concurrency' | 'timeoutSeconds'>,
  title: string,
): Promise<void> {
  const control = simClient(sim.ready);
  const shards = how.kind === 'sharded' ? [...how.groups.keys()] : ['all'];
  const workers = await Promise.all(
    shards.map((shard) =>
      startWorker({
        kubeconfig: sim.ready.kubeconfig,
        ...sizes,
        shard,
        ...(how.kind === 'sharded' ? { firestore: how.firestore } : {}),
        intervalMs: INTERVAL_MS,
        resolutionMs: INTERVAL_MS,
      }),
    ),
  );
  // As the scrape target does: record the round's shards, then publish one message per shard (here: send it
  // to that shard's process); the last shard to report writes the totals.
  const round = async (roundTime: number): Promise<ShardRoundResult[]> => {
    if (how.kind === 'unsharded')
      return Promise.all(workers.map((w) => w.ask<ShardRoundResult>({ kind: 'round', roundTime })));
    const deadline = Date.now() + INTERVAL_MS - 10_000;
    await how.rounds.open({ roundTime, shards, nodes: sim.ready['nodes'] as number, deadline });
    await how.rounds.markPublished(roundTime);
    return Promise.all(
      workers.map((w, i) => {
        const shard = shards[i] as string;
        const nodes = how.groups.get(shard) ?? [];
        return w.ask<ShardRoundResult>({
          kind: 'shard',
          message: { cluster: CLUSTER, roundTime, shard, nodes, deadline },
        });
      }),
    );
  };
  try {
    const first = Math.floor(Date.now() / INTERVAL_MS) * INTERVAL_MS;
    await round(first);
    await control('POST', `/sim/v1/clock/advance?ms=${INTERVAL_MS}`);
    const before = JSON.parse((await control('GET', '/sim/v1/info')).toString()) as SimInfo;
    const started = performance.now();
    const results = await round(first + INTERVAL_MS);
    const wallMs = performance.now() - started;
    const after = JSON.parse((await control('GET', '/sim/v1/info')).toString()) as SimInfo;
    const simCpuMs =
      (after.cpuUsage.user + after.cpuUsage.system - before.cpuUsage.user - before.cpuUsage.system) / 1000;
    printRound(title, results, wallMs, simCpuMs, after);
  } finally {
    control.close();
    await Promise.all(workers.map((w) => w.stop()));
  }
}

function printRound(
  title: string,
  results: ShardRoundResult[],
  wallMs: number,
  simCpuMs: number,
  sim: SimInfo,
): void {
  const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(0);
  const sum = (f: (r: ShardRoundResult) => number): number => results.reduce((n, r) => n + f(r), 0);
  const rss = results.map((r) => r.peakRssBytes).sort((a, b) => a - b);
  const shardCpu = sum((r) => r.cpuMs);
  console.log(`  ${title}: the second round (with rates), load average ${loadavg()[0]?.toFixed(1)} after it`);
  console.log(`    wall time           ${(wallMs / 1000).toFixed(1)} s (target < 60 s)`);
  console.log(
    `    total CPU           ${((shardCpu + simCpuMs) / 1000).toFixed(1)} s: scrapers ${(shardCpu / 1000).toFixed(1)} s ` +
      `(${(shardCpu / sum((r) => r.nodesTotal)).toFixed(2)} ms/node), simulator ${(simCpuMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `    peak RSS per process ${mib(rss[rss.length - 1] ?? 0)} MiB at most${results.length > 1 ? ' (target < 256 MiB per shard)' : ''}, ` +
      `median ${mib(rss[Math.floor(rss.length / 2)] ?? 0)} MiB, least ${mib(rss[0] ?? 0)} MiB over ${results.length}`,
  );
  console.log(
    `    nodes               ${sum((r) => r.nodesOk)}/${sum((r) => r.nodesTotal)} ok; points written ${sum((r) => r.points)}`,
  );
  const totals = results.find((r) => r.totals !== undefined)?.totals;
  console.log(
    totals === undefined
      ? '    cluster totals      not written'
      : `    cluster totals      written once from ${totals.shards} shard(s)` +
          `${totals.missing.length > 0 ? `, missing ${totals.missing.join(', ')}` : ''}: cpu/usage_rate ` +
          `${totals.clusterCpuRate.toFixed(0)} millicores (the simulator's truth: ${sim.nodeCpuMillicores.toFixed(0)}), ` +
          `memory/usage ${mib(totals.clusterMemoryUsage)} MiB`,
  );
  console.log(`    simulator RSS       ${mib(sim.rssBytes)} MiB`);
  for (const r of results) if (r.failure !== undefined) console.log(`    ${r.shard} failure: ${r.failure}`);
}

async function resolutionRun(
  sim: SimProcess,
  sizes: Pick<ScaleWorkerInput, 'concurrency' | 'timeoutSeconds'>,
  resolutionMs: number,
): Promise<void> {
  const worker = await startWorker({
    kubeconfig: sim.ready.kubeconfig,
    ...sizes,
    shard: 'all',
    intervalMs: INTERVAL_MS,
    resolutionMs,
  });
  try {
    const result = await worker.ask<RoundsResult>({ kind: 'rounds', scheduleTime: Date.now() });
    for (const r of result.rounds) {
      if (r.outcome !== 'ran') {
        console.log(`  round ${r.slot} ${r.slotTime}  skipped: ${r.reason}`);
        continue;
      }
      const within = (r.endMs ?? Infinity) <= resolutionMs;
      console.log(
        `  round ${r.slot} ${r.slotTime}  started ${r.startMs} ms, ended ${r.endMs} ms into its ${resolutionMs / 1000} s slot ` +
          `(${within ? 'within' : 'OVER'}), ${r.nodesOk} nodes, ${r.points} points`,
      );
    }
    const all = result.rounds.every((r) => r.outcome === 'ran' && (r.endMs ?? Infinity) <= resolutionMs);
    console.log(
      `  every round within its slot: ${all ? 'yes' : 'no'}; peak RSS ${(result.peakRssBytes / 1024 / 1024).toFixed(0)} MiB`,
    );
  } finally {
    await worker.stop();
  }
}

interface Worker {
  ask<T>(command: ScaleCommand): Promise<T>;
  stop(): Promise<void>;
}

async function startWorker(input: ScaleWorkerInput): Promise<Worker> {
  const child: ChildProcess = spawn(process.execPath, [WORKER, JSON.stringify(input)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  // The simulator stands in for a cluster whose API server and kubelets have CPU of their own: with dozens of
  // shard processes at the same priority it would get a dozenth of the cores and every request would wait.
  if (child.pid !== undefined) setPriority(child.pid, WORKER_NICENESS);
  const lines: Interface = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`shard ${input.shard} exited with ${code}`))),
  );
  exited.catch(() => undefined);
  const next = (): Promise<string> =>
    Promise.race([new Promise<string>((resolve) => waiting.push(resolve)), exited]);
  await next();
  return {
    async ask<T>(command: ScaleCommand): Promise<T> {
      const answer = next();
      child.stdin?.write(JSON.stringify(command) + '\n');
      return JSON.parse(await answer) as T;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.stdin?.end();
      }),
  };
}

function parseSeconds(text: string): number {
  const match = /^(\d+)s$/.exec(text);
  if (match === null) throw new Error(`--resolution takes seconds such as 15s, not "${text}"`);
  return Number(match[1]) * 1000;
}
