import { cpus } from 'node:os';
import { parseScrapeConfig } from '../../shared/config/scrape-config.js';
import { connect } from '../../shared/kube/connect.js';
import { countPoints, type Batch } from '../../shared/metrics/model.js';
import { createLogger } from '../../shared/runtime/log.js';
import { alignRound, runScrape } from '../../shared/scrape/run-scrape.js';
import type { InfluxdbSinkConfig } from '../../shared/sinks/influxdb/config.js';
import { encodeMetrics } from '../../shared/sinks/influxdb/encode-metrics.js';
import { influxdbSink } from '../../shared/sinks/influxdb/influxdb-sink.js';
import type { MetricSink } from '../../shared/sinks/sink.js';
import { memoryCounterStore } from '../../shared/state/counter-store.js';
import { startSim } from '../sim/sim.js';
import { startVictoriaMetrics } from '../support/victoria-metrics.js';
import { keptBatch } from '../support/capture-sink.js';

/**
 * `npm run bench -- influxdb [--nodes N] [--pods-per-node P] [--rounds R] [--options 'concurrency=4&...']`:
 * points per second the InfluxDB sink writes to a local VictoriaMetrics, and the sink's CPU per 1000 points
 * (encoding, gzip, HTTP), for a round of a simulated cluster. The round is scraped first, then the simulator
 * is stopped, so that only the sink's work is measured in this process.
 */
export async function benchInfluxdb(args: Map<string, string>): Promise<void> {
  const nodes = Number(args.get('nodes') ?? 100);
  const podsPerNode = Number(args.get('pods-per-node') ?? 30);
  const rounds = Number(args.get('rounds') ?? 5);
  const options = args.get('options') ?? 'concurrency=4';

  const batch = await scrapeOneRound(nodes, podsPerNode);
  const points = batch.blocks.reduce((n, b) => n + countPoints(b), 0);
  const vm = await startVictoriaMetrics();
  try {
    const configs = parseScrapeConfig({
      SINKS: `influxdb:${vm.url}?db=k8s&${options}`,
      STATE_STORE: 'memory',
    }).sinks;
    const sink = influxdbSink(configs[0] as InfluxdbSinkConfig, {
      log: createLogger({ write: () => undefined }),
    });
    const config = configs[0] as InfluxdbSinkConfig;

    // Warm-up: the first write detects the server and warms the JIT.
    await writeRound(sink, batch, 0);
    const encodeCpu = cpuMs(() => encodeMetrics(batch, { withFields: false, clusterName: undefined }));
    const cpuBefore = process.cpuUsage();
    const started = process.hrtime.bigint();
    let written = 0;
    for (let r = 1; r <= rounds; r++) written += await writeRound(sink, batch, r);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = process.cpuUsage(cpuBefore);
    const totalCpuMs = (cpu.user + cpu.system) / 1000;
    if (written !== points * rounds) throw new Error(`wrote ${written} of ${points * rounds} points`);

    const lines = encodeMetrics(batch, { withFields: config.withFields, clusterName: undefined }).lines;
    const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
    console.log(
      `bench influxdb: one round of ${nodes} nodes x ${podsPerNode} pods x 2 containers, written ${rounds} times`,
    );
    console.log(
      `  conditions: node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), VictoriaMetrics ` +
        `(Debian) on loopback in its own process, sink options: ${options} (batchlines=${config.batchLines}, ` +
        `gzip=${config.gzip}, api=${config.api}; VictoriaMetrics sends no version, so auto picks v2)`,
    );
    console.log(
      `  points per round      ${points} in ${lines.length} lines, ${(bytes / 1024 / 1024).toFixed(1)} MiB of line protocol`,
    );
    console.log(
      `  written               ${((written / wallMs) * 1000).toFixed(0)} points/s (${(wallMs / rounds).toFixed(0)} ms per round)`,
    );
    console.log(
      `  sink CPU              ${((totalCpuMs / written) * 1000).toFixed(2)} ms per 1000 points (encode, gzip, HTTP; this process)`,
    );
    console.log(`  of which encoding     ${((encodeCpu / points) * 1000).toFixed(2)} ms per 1000 points`);
  } finally {
    await vm.stop();
  }
}

async function writeRound(sink: MetricSink, batch: Batch, round: number): Promise<number> {
  // A later round's time, so every write stores new samples.
  const report = await sink.write(
    { ...batch, timestamp: batch.timestamp + round * 60_000 },
    new AbortController().signal,
  );
  if (report.error !== undefined) throw new Error(`write failed: ${report.error}`);
  return report.written;
}

function cpuMs(work: () => unknown): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/** The second round of a fresh simulator (so rates are there), as the sinks receive it. */
async function scrapeOneRound(nodes: number, podsPerNode: number): Promise<Batch> {
  const sim = await startSim({ nodes, podsPerNode, kubeletHttpPort: 0, kubeletHttpsPort: 0 });
  try {
    const config = parseScrapeConfig({
      SOURCES: `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false`,
      SINKS: 'log',
      STATE_STORE: 'memory',
    });
    let captured: Batch | undefined;
    const capture: MetricSink = {
      name: 'capture',
      write: async (batch) => {
        captured = keptBatch(batch);
        return { sink: 'capture', written: 0, rejected: {}, retried: 0 };
      },
      close: async () => undefined,
    };
    const deps = {
      log: createLogger({ write: () => undefined }),
      now: Date.now,
      counters: memoryCounterStore(),
      sinks: [capture],
      connect: (source: Parameters<typeof connect>[0]) => connect(source, { env: {} }),
    };
    for (let round = 0; round < 2; round++) {
      if (round > 0) sim.clock.advance(60_000);
      const roundTime = alignRound(sim.clock.now(), 60_000);
      await runScrape(config, deps, { roundTime, signal: new AbortController().signal, shard: 'all' });
    }
    if (captured === undefined) throw new Error('the scrape wrote nothing');
    return captured;
  } finally {
    await sim.stop();
  }
}
