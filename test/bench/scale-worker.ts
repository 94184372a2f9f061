import { createInterface } from 'node:readline';
import { parseScrapeConfig } from '../../shared/config/scrape-config.js';
import type { SummaryApiSource } from '../../shared/config/source-uri.js';
import { connect } from '../../shared/kube/connect.js';
import { forEachPoint, type Batch } from '../../shared/metrics/model.js';
import { createLogger } from '../../shared/runtime/log.js';
import { keptConnections } from '../../shared/scrape/kept-connections.js';
import { runRounds, type RoundEntry } from '../../shared/scrape/run-rounds.js';
import type { ScrapeReport } from '../../shared/scrape/report.js';
import { runScrape, type ScrapeDeps } from '../../shared/scrape/run-scrape.js';
import { runShard, type ShardRun } from '../../shared/scrape/shard/run-shard.js';
import type { ShardMessage } from '../../shared/scrape/shard/shard-message.js';
import type { MetricSink } from '../../shared/sinks/sink.js';
import { CLUSTER } from './scale-protocol.js';
import { memoryCounterStore } from '../../shared/state/counter-store.js';
import { firestoreRoundStore, type RoundStore } from '../../shared/state/round-store.js';
import { emulatorFirestore } from '../support/firestore-emulator.js';

/**
 * One process of `npm run bench -- scale`, compiled to JavaScript like the function: a scrapeShard instance
 * (runShard: claim the shard in the round's Firestore records, scrape its nodes, record its sums, and write the
 * totals when it is the last to report), or an unsharded scrape (runScrape, or runRounds at sub-minute
 * resolution); counters in memory and a sink that only counts. Argument: one JSON ScaleWorkerInput. It answers
 * each line of stdin (a JSON ScaleCommand) with one JSON line.
 */
export interface ScaleWorkerInput {
  kubeconfig: string;
  concurrency: number;
  /** Per-request timeout of the source, seconds. */
  timeoutSeconds: number;
  shard: string;
  /** The Firestore (emulator) holding the rounds' records, for shards. */
  firestore?: { host: string; projectId: string; root: string };
  intervalMs: number;
  resolutionMs: number;
}

export type ScaleCommand =
  | { kind: 'round'; roundTime: number }
  | { kind: 'shard'; message: ShardMessage }
  | { kind: 'rounds'; scheduleTime: number };

export interface ShardRoundResult {
  shard: string;
  wallMs: number;
  cpuMs: number;
  nodesOk: number;
  nodesTotal: number;
  points: number;
  /** What runShard did: ran, skipped or retry. */
  run?: string;
  /** Set on the shard that wrote the round's totals (or an unsharded round): the cluster values written. */
  totals?: { shards: number; missing: string[]; clusterCpuRate: number; clusterMemoryUsage: number };
  peakRssBytes: number;
  failure?: string;
}

export interface RoundsResult {
  shard: string;
  rounds: {
    slot: number;
    slotTime: string;
    outcome: string;
    startMs?: number;
    endMs?: number;
    nodesOk?: number;
    points?: number;
    reason?: string;
  }[];
  peakRssBytes: number;
}

const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1000;

interface ClusterValues {
  cpu: number;
  memory: number;
}

/** Counts the points, and keeps the cluster's values when a batch has them (the totals, or a whole cluster). */
function countingSink(seen: { cluster?: ClusterValues }): MetricSink {
  return {
    name: 'count',
    async write(batch: Batch) {
      // Only the aggregates' block holds a cluster set; reading it alone keeps the sink's cost out of the figures.
      for (const block of batch.blocks) {
        if (!block.sets.some((s) => s.type === 'cluster')) continue;
        const totals = (seen.cluster = { cpu: 0, memory: 0 });
        forEachPoint(block, (set, _labels, metric, value) => {
          if (set.type !== 'cluster') return;
          if (metric.name === 'cpu/usage_rate') totals.cpu = value;
          if (metric.name === 'memory/usage') totals.memory = value;
        });
      }
      return { sink: 'count', written: batch.counts?.total ?? 0, rejected: {}, retried: 0 };
    },
    close: async () => undefined,
  };
}

async function main(input: ScaleWorkerInput): Promise<void> {
  const config = parseScrapeConfig({
    SOURCES: `kubernetes.summary_api:?auth=${encodeURIComponent(input.kubeconfig)}&concurrency=${input.concurrency}&timeout=${input.timeoutSeconds}s`,
    SINKS: 'log',
    CLUSTER_NAME: CLUSTER,
    STATE_STORE: 'memory',
    INTERVAL: `${input.intervalMs / 1000}s`,
    RESOLUTION: `${input.resolutionMs / 1000}s`,
    FUNCTION_TIMEOUT: `${input.intervalMs / 1000 + 10}s`,
  });
  const seen: { cluster?: ClusterValues } = {};
  const discard = createLogger({ write: () => undefined });
  const deps: ScrapeDeps = {
    log: discard,
    now: Date.now,
    connect: keptConnections((s: SummaryApiSource) => connect(s, { env: {} })),
    counters: memoryCounterStore(),
    sinks: [countingSink(seen)],
  };
  const f = input.firestore;
  const rounds: RoundStore | undefined =
    f === undefined ? undefined : firestoreRoundStore(emulatorFirestore(f.host, f.projectId), f.root);
  const answer = (value: unknown): void => void process.stdout.write(JSON.stringify(value) + '\n');
  const peak = (): number => process.resourceUsage().maxRSS * 1024;
  answer({ ready: true });
  for await (const line of createInterface({ input: process.stdin })) {
    const command = JSON.parse(line) as ScaleCommand;
    if (command.kind === 'rounds') {
      const report = await runRounds(config, deps, {
        scheduleTime: command.scheduleTime,
        signal: new AbortController().signal,
        shard: input.shard,
      });
      const result: RoundsResult = {
        shard: input.shard,
        rounds: report.rounds.map((r: RoundEntry) =>
          r.outcome === 'ran'
            ? {
                slot: r.slot,
                slotTime: r.slotTime,
                outcome: r.outcome,
                startMs: r.startMs,
                endMs: r.endMs,
                nodesOk: r.report.nodes.ok,
                points: r.report.points,
              }
            : { slot: r.slot, slotTime: r.slotTime, outcome: r.outcome, reason: r.reason },
        ),
        peakRssBytes: peak(),
      };
      answer(result);
      continue;
    }
    const cpu = process.cpuUsage();
    const started = performance.now();
    delete seen.cluster;
    const signal = new AbortController().signal;
    let report: ScrapeReport | undefined;
    let run: ShardRun | undefined;
    if (command.kind === 'shard') {
      if (rounds === undefined) throw new Error('a shard needs the rounds store (firestore)');
      run = await runShard(config, { scrape: deps, rounds }, command.message, signal);
      if (run.kind !== 'skipped') report = run.report;
    } else {
      report = await runScrape(config, deps, { roundTime: command.roundTime, signal, shard: input.shard });
    }
    const failure =
      report === undefined
        ? `the shard did nothing: ${run?.kind === 'skipped' ? run.reason : ''}`
        : (report.error ?? (report.nodes.failed > 0 ? JSON.stringify(report.nodes.failures[0]) : undefined));
    const totals = run?.kind === 'ran' ? run.totals : undefined;
    // Set by the sink during the run (the type checker cannot see that through the callback).
    const cluster = seen.cluster as ClusterValues | undefined;
    const result: ShardRoundResult = {
      shard: input.shard,
      wallMs: performance.now() - started,
      cpuMs: cpuMs(process.cpuUsage(cpu)),
      nodesOk: report?.nodes.ok ?? 0,
      nodesTotal: report?.nodes.total ?? 0,
      points: report?.points ?? 0,
      peakRssBytes: peak(),
      ...(run !== undefined ? { run: run.kind } : {}),
      ...(cluster !== undefined && (command.kind === 'round' || totals !== undefined)
        ? {
            totals: {
              shards: totals?.shards ?? 1,
              missing: (totals?.missing ?? []).map((m) => `${m.shard} (${m.reason})`),
              clusterCpuRate: cluster.cpu,
              clusterMemoryUsage: cluster.memory,
            },
          }
        : {}),
      ...(failure !== undefined ? { failure } : {}),
    };
    answer(result);
  }
}

main(JSON.parse(process.argv[2] ?? '{}') as ScaleWorkerInput).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`scale bench worker: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
