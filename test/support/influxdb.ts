import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startServerProcess, type ServerProcess } from './processes.js';
import { parseScrapeConfig, type ScrapeConfig } from '../../shared/config/scrape-config.js';
import { connect } from '../../shared/kube/connect.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import { alignRound, runScrape } from '../../shared/scrape/run-scrape.js';
import type { ScrapeReport } from '../../shared/scrape/report.js';
import { buildSinks } from '../../shared/sinks/build-sinks.js';
import type { MetricSink } from '../../shared/sinks/sink.js';
import { memoryCounterStore } from '../../shared/state/counter-store.js';
import { expectedPoints, type ExpectedPoint } from '../integration/expected/heapster-points.js';
import type { ClusterObjects } from '../integration/expected/object-labels.js';
import type { Sim } from '../sim/sim.js';
import type { SummaryJson } from '../sim/truth.js';

/** Debian's influxd (1.6) on free loopback ports with its data in a temporary folder. */
export interface InfluxServer extends ServerProcess {
  readonly url: string;
  readonly version: string;
  /** Runs InfluxQL on /query and answers the parsed JSON result of each statement. */
  query(q: string, db?: string): Promise<InfluxResult[]>;
  /** Removes every database so a test starts clean. */
  dropAllDatabases(): Promise<void>;
}

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface InfluxResult {
  statement_id: number;
  series?: InfluxSeries[];
  error?: string;
}

export interface InfluxdOptions {
  /** [data] max-values-per-tag: new values of a tag past this many are refused (influxd's default 100,000). */
  readonly maxValuesPerTag?: number;
}

/** Every listener influxd would open is disabled or bound to its own free loopback port. */
function configText(dir: string, rpcPort: number, httpPort: number, options: InfluxdOptions): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  retention-autocreate = true
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  wal-fsync-delay = "0s"
  query-log-enabled = false
  index-version = "inmem"${options.maxValuesPerTag === undefined ? '' : `\n  max-values-per-tag = ${options.maxValuesPerTag}`}

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
  unix-socket-enabled = false
  pprof-enabled = false
  max-body-size = 25000000

[logging]
  level = "warn"
  suppress-logo = true

[ifql]
  enabled = false

[[graphite]]
  enabled = false
[[collectd]]
  enabled = false
[[opentsdb]]
  enabled = false
[[udp]]
  enabled = false

[continuous_queries]
  enabled = false
`;
}

export async function startInfluxd(options: InfluxdOptions = {}): Promise<InfluxServer> {
  const dir = mkdtempSync(join(tmpdir(), 'heapster-influxd-'));
  const configPath = join(dir, 'influxd.conf');
  // One RPC port per start attempt (startServerProcess tries up to three HTTP ports).
  const rpcPorts = [await freePort(), await freePort(), await freePort()];
  try {
    const proc = await startServerProcess({
      name: 'influxd',
      command: 'influxd',
      args: (port) => {
        writeFileSync(configPath, configText(dir, rpcPorts.shift() ?? 0, port, options));
        return ['-config', configPath];
      },
      timeoutMs: 30_000,
      ready: async (port, child) => {
        if (child.exitCode !== null) return false;
        const res = await fetch(`http://127.0.0.1:${port}/ping`);
        if (res.status !== 204 || res.headers.get('x-influxdb-version') === null) return false;
        return ownedBy(port, configPath);
      },
    });
    const ping = await fetch(`http://127.0.0.1:${proc.port}/ping`);
    return wrap(proc, dir, ping.headers.get('x-influxdb-version') ?? '');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** /debug/vars lists influxd's command line: the config path is ours alone. */
async function ownedBy(port: number, configPath: string): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/debug/vars`);
  if (!res.ok) return false;
  const vars = (await res.json()) as { cmdline?: string[] };
  return vars.cmdline?.includes(configPath) === true;
}

function wrap(proc: ServerProcess, dir: string, version: string): InfluxServer {
  const url = `http://127.0.0.1:${proc.port}`;
  const query = async (q: string, db?: string): Promise<InfluxResult[]> => {
    const params = new URLSearchParams({ q, epoch: 'ms' });
    if (db !== undefined) params.set('db', db);
    const res = await fetch(`${url}/query`, {
      method: 'POST',
      body: params,
    });
    const body = (await res.json()) as { results?: InfluxResult[]; error?: string };
    if (body.error !== undefined) throw new Error(`InfluxQL ${q}: ${body.error}`);
    return body.results ?? [];
  };
  return {
    ...proc,
    url,
    version,
    query,
    dropAllDatabases: async () => {
      const [result] = await query('SHOW DATABASES');
      for (const row of result?.series?.[0]?.values ?? [])
        if (row[0] !== '_internal') await query(`DROP DATABASE "${String(row[0])}"`);
    },
    stop: async () => {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Scrape rounds in this process from a simulator to the sinks of a SINKS value (parsed and built as the
 * function does), with what the simulator served each round for building expectations.
 */
export interface InfluxScrape {
  readonly config: ScrapeConfig;
  readonly sinks: readonly MetricSink[];
  readonly log: ReturnType<typeof memoryLogger>;
  /** One round at the simulator's current time, aligned to the interval. */
  round(signal?: AbortSignal): Promise<InfluxRound>;
}

export interface InfluxRound {
  readonly roundTime: number;
  readonly report: ScrapeReport;
  readonly served: Map<string, SummaryJson>;
  readonly objects: ClusterObjects;
  /** Heapster's points for this round from the simulator's truth alone (needs the previous round's). */
  expected(previous: InfluxRound | undefined): Map<string, ExpectedPoint>;
}

export const ROUND_MS = 60_000;

export function influxScrape(sim: Sim, sinks: string, clusterName = 'sim'): InfluxScrape {
  const config = parseScrapeConfig({
    SOURCES: `kubernetes.summary_api:${sim.url}?auth=${sim.kubeconfigPath}&inClusterConfig=false`,
    SINKS: sinks,
    CLUSTER_NAME: clusterName,
    INTERVAL: `${ROUND_MS / 1000}s`,
    STATE_STORE: 'memory',
  });
  const log = memoryLogger();
  const built = buildSinks(config.sinks, log);
  const counters = memoryCounterStore();
  return {
    config,
    sinks: built,
    log,
    async round(signal = new AbortController().signal) {
      const roundTime = alignRound(sim.clock.now(), ROUND_MS);
      const report = await runScrape(
        config,
        { log, now: Date.now, counters, sinks: built, connect: (source) => connect(source, { env: {} }) },
        { roundTime, signal, shard: 'all' },
      );
      const served = new Map<string, SummaryJson>();
      for (const name of sim.cluster.nodes.keys())
        if (sim.truth.lastServedMs(name) !== undefined) served.set(name, sim.truth.summary(name));
      const objects: ClusterObjects = {
        nodes: sim.stores.nodes.list().items.map((i) => i.object),
        pods: sim.stores.pods.list().items.map((i) => i.object),
        namespaces: sim.stores.namespaces.list().items.map((i) => i.object),
      };
      return {
        roundTime,
        report,
        served,
        objects,
        expected: (previous) =>
          expectedPoints({
            current: served,
            previous: previous?.served,
            cluster: sim.cluster,
            objects,
            roundTime,
            clusterName,
          }),
      };
    },
  };
}

/**
 * A loopback HTTP proxy in front of a real server that can be down (nothing listens on its port), answer
 * with a status instead of forwarding, or hold requests before forwarding them: InfluxDB's faults, on cue.
 */
export interface FaultProxy {
  readonly url: string;
  /** Requests that reached the proxy while it was up. */
  readonly seen: { path: string; at: number }[];
  /** Answers for the next write requests, in order; an empty list forwards everything. */
  script: ({ status: number; headers?: Record<string, string> } | { delayMs: number })[];
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const { createServer } = await import('node:http');
  const proxy: FaultProxy = {
    url: '',
    seen: [],
    script: [],
    down: async () => undefined,
    up: async () => undefined,
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const path = req.url ?? '/';
      proxy.seen.push({ path, at: Date.now() });
      const step = path.startsWith('/write') ? proxy.script.shift() : undefined;
      if (step !== undefined && 'status' in step) {
        res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
        res.end(`{"error":"injected ${step.status}"}`);
        return;
      }
      if (step !== undefined) await new Promise((r) => setTimeout(r, step.delayMs));
      if (res.destroyed) return;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !HOP_BY_HOP.has(k)) headers[k] = v;
      const answer = await fetch(`${target}${path}`, {
        method: req.method ?? 'GET',
        headers,
        ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
      });
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (k !== 'content-encoding' && k !== 'content-length' && k !== 'transfer-encoding') out[k] = v;
      });
      res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
    })().catch(() => res.destroy());
  });
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  const port = await listen(0);
  return Object.assign(proxy, {
    url: `http://127.0.0.1:${port}`,
    down: stop,
    up: async () => {
      await listen(port);
    },
    close: stop,
  });
}
