import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { occurrenceId } from '../../shared/events/occurrence.js';
import type { KubeEvent } from '../../shared/kube/kube-event.js';
import type { GclStandIn } from '../stand-ins/gcl/server.js';
import type { InfluxServer } from '../support/influxdb.js';
import type { JournalReader, ProcessSample } from './events-probes.js';

/** The events benchmark's figures: what it samples, checks at the end and prints. */
const MIB = 1024 * 1024;

export interface Sample {
  readonly t: number;
  readonly service: ProcessSample;
  readonly checkpointed: number;
  readonly checkpointRv: number | undefined;
  readonly generated: number;
  readonly simRv: number;
  /** Since the oldest change not yet checkpointed reached a watcher (0 when there is none). */
  readonly lagMs: number;
  readonly simCpuMs: number;
  readonly written: number;
  readonly relists: number;
}

export interface Options {
  rate: number;
  seconds: number;
  relist: number;
  gclLatencyMs: number;
  nodes: number;
  podsPerNode: number;
  cpuProf: string | undefined;
  /** A heap snapshot of the service at the end of the sustained window goes here, when given. */
  heapSnapshot: string | undefined;
  /** Extra node flags for the service (e.g. "--max-old-space-size=96 --trace-gc"). */
  nodeFlags: string[];
  /** Where the service's output goes as well, when given. */
  serviceLog: string | undefined;
  /** A compiled tree to run the service from instead of compiling the sources (to compare builds). */
  serviceBuild: string | undefined;
  /** How the service reaches the API server: as deployed for GKE (auth=google), or a kubeconfig file. */
  access: 'google' | 'kubeconfig';
  /** The environment the deployed container sets for itself (NODE_OPTIONS: the heap cap). */
  deployed: Record<string, string>;
  /** More environment for the service (--service-env), to try settings. */
  extraEnv: Record<string, string>;
}

export interface Check {
  checkpointed: number;
  gclDistinct: number;
  gclDuplicated: number;
  gclRequests: number;
  influxPoints: number;
  watched: number;
  lost: number;
  notCheckpointed: number;
}

/**
 * What the sinks hold against the checkpoint and the simulator's log: every occurrence made after the
 * service started (up to the last checkpoint) must be in both sinks once, and checkpointed.
 */
export async function verify(
  gcl: GclStandIn,
  influx: InfluxServer,
  journal: JournalReader,
  logPath: string,
  range: { fromRv: number; toRv: number },
): Promise<Check> {
  const perInsertId = new Map<string, number>();
  for (const e of gcl.distinctEntries())
    if (!e.diagnostic) perInsertId.set(e.insertId, (perInsertId.get(e.insertId) ?? 0) + 1);
  const [count] = await influx.query('SELECT count("value") FROM "log/events"', 'k8s');
  const influxPoints = Number(count?.series?.[0]?.values[0]?.[1] ?? 0);
  const ids = await journal.ids();
  let watched = 0;
  let lost = 0;
  let notCheckpointed = 0;
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (line === '') continue;
    let o: { uid: string; resourceVersion: string };
    try {
      o = JSON.parse(line) as typeof o;
    } catch {
      continue; // the line being written as the file was read
    }
    const rv = Number(o.resourceVersion);
    if (rv <= range.fromRv || rv > range.toRv) continue;
    watched++;
    if (!perInsertId.has(`${o.uid}/${o.resourceVersion}`)) lost++;
    const event = { metadata: { uid: o.uid, resourceVersion: o.resourceVersion, name: '' } } as KubeEvent;
    if (!ids.has(occurrenceId(event))) notCheckpointed++;
  }
  return {
    checkpointed: ids.size,
    gclDistinct: perInsertId.size,
    gclDuplicated: [...perInsertId.values()].filter((n) => n > 1).length,
    gclRequests: gcl.writes.length,
    influxPoints,
    watched,
    lost,
    notCheckpointed,
  };
}

export interface Results {
  backlog: { count: number; resourceVersion: number; ms: number };
  startedAt: number;
  readyMs: number;
  idle: ProcessSample | undefined;
  relisted: Sample;
  caughtUp: Sample;
  windowStart: Sample;
  windowEnd: Sample;
  beforeStop: Sample;
  samples: readonly Sample[];
  stopped: { code: number | null; ms: number };
  check: Check;
  simRss: number;
}

export function print(o: Options, r: Results): void {
  const mib = (b: number): string => `${(b / MIB).toFixed(0)} MiB`;
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const perK = (cpuMs: number, n: number): string => `${((cpuMs / Math.max(1, n)) * 1000).toFixed(0)} ms`;
  const a = r.windowStart;
  const b = r.windowEnd;
  const windowS = (b.t - a.t) / 1000;
  const delivered = b.checkpointed - a.checkpointed;
  const windowCpu = b.service.cpuMs - a.service.cpuMs;
  const windowRss = r.samples.filter((x) => x.t >= a.t && x.t <= b.t).map((x) => x.service.rssBytes);
  const lags = r.samples.filter((x) => x.t >= a.t && x.t <= b.t).map((x) => x.lagMs);
  lags.sort((x, y) => x - y);
  const pct = (q: number): number => lags[Math.min(lags.length - 1, Math.floor(lags.length * q))] ?? 0;
  const relistMs = r.relisted.t - r.startedAt;
  console.log(
    `bench events: simulator (${o.nodes} nodes x ${o.podsPerNode} pods) holding ${r.backlog.count} events and making ${o.rate} changes/s ` +
      '-> events service -> gcl stand-in + influxd, checkpoints and lease in the Firestore emulator',
  );
  console.log(
    `  conditions: node ${process.version}, ${availableParallelism()} cores shared (${cpus()[0]?.model ?? '?'}); the service compiled to ` +
      'JavaScript in its own process (measured: its CPU and RSS from /proc); simulator, influxd (1.6) and the emulator in ' +
      `their own processes (influxd with max-values-per-tag=0), the gcl stand-in in this one${o.gclLatencyMs > 0 ? ` answering after ${o.gclLatencyMs} ms` : ''}; ` +
      'service defaults: batches of 500, flush after 1 s, a checkpoint a second; ' +
      (o.access === 'google'
        ? 'the Cloud Run configuration for GKE (endpoint + CA + auth=google, token from a metadata stand-in)'
        : "the simulator's kubeconfig (auth=PATH)") +
      `; as the events-service module sets: ${Object.entries(o.deployed)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}` +
      (Object.keys(o.extraEnv).length > 0
        ? `; service environment added: ${Object.entries(o.extraEnv)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`
        : '') +
      (o.nodeFlags.length > 0 ? `; service node flags: ${o.nodeFlags.join(' ')}` : '') +
      (o.serviceBuild !== undefined ? `; service run from ${o.serviceBuild}` : ''),
  );
  console.log(
    `  start-up            watching ${s(r.readyMs)} after spawn; RSS then ${r.idle ? mib(r.idle.rssBytes) : '?'}`,
  );
  console.log(
    `  relist              ${r.relisted.checkpointed} occurrences written and checkpointed ${s(relistMs)} after spawn = ` +
      `${((r.relisted.checkpointed / relistMs) * 1000).toFixed(0)} events/s; CPU ${s(r.relisted.service.cpuMs)} = ` +
      `${perK(r.relisted.service.cpuMs, r.relisted.checkpointed)} per 1000`,
  );
  console.log(
    `  caught up           ${s(r.caughtUp.t - r.startedAt)} after spawn (checkpoint within 3 s of the simulator); ` +
      `peak RSS so far ${mib(r.caughtUp.service.peakRssBytes)}`,
  );
  console.log(
    `  sustained (${windowS.toFixed(0)} s)      offered ${((b.generated - a.generated) / windowS).toFixed(0)} occurrences/s, ` +
      `delivered ${(delivered / windowS).toFixed(0)}/s (both sinks acknowledged, checkpointed); lag p50 ` +
      `${s(pct(0.5))}, p90 ${s(pct(0.9))}, max ${s(pct(1))}`,
  );
  console.log(
    `                      service CPU ${s(windowCpu)} = ${perK(windowCpu, delivered)} per 1000 events ` +
      `(${((windowCpu / (windowS * 1000)) * 100).toFixed(0)}% of a core); RSS ${mib(Math.min(...windowRss))}-${mib(Math.max(...windowRss))}`,
  );
  console.log(
    `  peak RSS            ${mib(r.beforeStop.service.peakRssBytes)} over the whole run (target < 150 MiB)`,
  );
  console.log(`  SIGTERM             exited with ${r.stopped.code} after ${s(r.stopped.ms)}`);
  const c = r.check;
  console.log(
    `  check               checkpointed ${c.checkpointed}, gcl distinct ${c.gclDistinct} (duplicated ${c.gclDuplicated}, ` +
      `${c.gclRequests} requests), influx points ${c.influxPoints}; of the ${c.watched} occurrences made after ` +
      `the relist: lost ${c.lost}, not checkpointed ${c.notCheckpointed}; lists ${r.beforeStop.relists}`,
  );
  console.log(
    `  simulator           CPU ${s(b.simCpuMs - a.simCpuMs)} in the sustained window, RSS ${mib(r.simRss)}; ` +
      `the backlog of ${r.backlog.count} events made in ${s(r.backlog.ms)}`,
  );
}
