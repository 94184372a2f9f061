import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { stopGroup } from '../support/processes.js';
import type { SimProcess } from './sim-process.js';
import { emulatorFirestore } from '../support/firestore-emulator.js';

/**
 * What the events benchmark reads while it runs: the service process's CPU and memory from /proc, its
 * /readyz stats, the simulator's API and counters, and the checkpoint journal in the Firestore emulator.
 */

/** CPU time (user + system) and memory of a process, from /proc (Linux). */
export interface ProcessSample {
  readonly cpuMs: number;
  readonly rssBytes: number;
  /** VmHWM: the process's peak resident set so far. */
  readonly peakRssBytes: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return {
      cpuMs: (ticks * 1000) / CLOCK_TICKS_PER_SECOND,
      rssBytes: kb('VmRSS') * 1024,
      peakRssBytes: kb('VmHWM') * 1024,
    };
  } catch {
    return undefined;
  }
}

/** The simulator's API server, with its CA and token. */
export interface SimApi {
  get<T>(path: string): Promise<T>;
  post<T>(path: string): Promise<T>;
  /** How many events the API server holds (a paginated list: only before the service lists too). */
  eventCount(): Promise<number>;
  /**
   * The API server's resourceVersion now (the simulator's are integers). Asked with a selector nothing matches,
   * so no list snapshot is kept for it: the simulator keeps a few dozen, and the service's paginated list
   * must not lose its own to this polling.
   */
  resourceVersion(): Promise<number>;
  /** Occurrences generated so far, and the simulator's own CPU and memory. */
  info(): Promise<{ generated: number; cpuMs: number; rssBytes: number }>;
  close(): void;
}

interface List {
  metadata: { resourceVersion: string; remainingItemCount?: number };
  items: unknown[];
}

export function simApi(sim: SimProcess): SimApi {
  const agent = new Agent({ keepAlive: true, maxSockets: 2, ca: readFileSync(sim.ready.caPath) });
  const { apiServer, token } = sim.ready;
  const call = <T>(method: string, path: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const req = request(
        `${apiServer}${path}`,
        { method, agent, headers: token ? { authorization: `Bearer ${token}` } : {} },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T)
              : reject(new Error(`${method} ${path}: HTTP ${res.statusCode}`)),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  return {
    get: (path) => call('GET', path),
    post: (path) => call('POST', path),
    eventCount: async () => {
      const list = await call<List>('GET', '/api/v1/events?limit=1');
      return list.items.length + (list.metadata.remainingItemCount ?? 0);
    },
    resourceVersion: async () => {
      const list = await call<List>('GET', '/api/v1/events?fieldSelector=metadata.name%3D-');
      return Number(list.metadata.resourceVersion);
    },
    info: async () => {
      const info = await call<{
        eventsGenerated: number;
        cpuUsage: { user: number; system: number };
        rssBytes: number;
      }>('GET', '/sim/v1/info');
      return {
        generated: info.eventsGenerated,
        cpuMs: (info.cpuUsage.user + info.cpuUsage.system) / 1000,
        rssBytes: info.rssBytes,
      };
    },
    close: () => agent.destroy(),
  };
}

/**
 * When each change reached a watcher of the simulator: a watch from `fromRv` in this process, the yardstick
 * for how far behind the service's checkpoint is.
 */
export interface ChangeClock {
  /** The newest resourceVersion seen. */
  latest(): number;
  /** When (performance.now()) the first change after `rv` arrived; undefined when none has yet. */
  firstAfter(rv: number): number | undefined;
  stop(): void;
}

export function changeClock(sim: SimProcess, fromRv: number): ChangeClock {
  const times: number[] = [];
  const versions: number[] = [];
  const { apiServer, token, caPath } = sim.ready;
  const req = request(
    `${apiServer}/api/v1/events?watch=true&resourceVersion=${fromRv}&timeoutSeconds=3600`,
    { ca: readFileSync(caPath), headers: token ? { authorization: `Bearer ${token}` } : {} },
    (res) => {
      let pending = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const t = performance.now();
        const lines = (pending + chunk).split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (line === '') continue;
          const rv = Number(
            (JSON.parse(line) as { object: { metadata: { resourceVersion: string } } }).object.metadata
              .resourceVersion,
          );
          times.push(t);
          versions.push(rv);
        }
      });
    },
  );
  req.on('error', () => undefined);
  req.end();
  return {
    latest: () => versions[versions.length - 1] ?? fromRv,
    firstAfter: (rv) => {
      let lo = 0;
      let hi = versions.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((versions[mid] as number) <= rv) lo = mid + 1;
        else hi = mid;
      }
      return times[lo];
    },
    stop: () => req.destroy(),
  };
}

/** The checkpoint journal as saved so far: occurrences checkpointed, and the newest resourceVersion. */
export interface JournalReader {
  read(): Promise<{
    occurrences: number;
    documents: number;
    /** The oldest checkpoint's resourceVersion (after a first list: that list's) and the newest one's. */
    firstResourceVersion: number | undefined;
    resourceVersion: number | undefined;
  }>;
  /** Every occurrence identity checkpointed. */
  ids(): Promise<Set<number>>;
  close(): Promise<void>;
}

export function journalReader(host: string, projectId: string, collectionPath: string): JournalReader {
  const db = emulatorFirestore(host, projectId);
  const collection = db.collection(collectionPath);
  const seen = new Set<string>();
  let occurrences = 0;
  let newest = { savedAt: -1, resourceVersion: undefined as number | undefined };
  let oldest = { savedAt: Infinity, resourceVersion: undefined as number | undefined };
  return {
    async read() {
      // Documents are never rewritten: only those saved since the newest one seen are new.
      const snapshot = await collection.where('savedAt', '>=', Math.max(0, newest.savedAt)).get();
      for (const doc of snapshot.docs) {
        if (seen.has(doc.id)) continue;
        seen.add(doc.id);
        const data = doc.data() as { savedAt: number; resourceVersion: string; written: Buffer };
        occurrences += data.written.byteLength / 8;
        const saved = { savedAt: data.savedAt, resourceVersion: Number(data.resourceVersion) };
        if (saved.savedAt >= newest.savedAt) newest = saved;
        if (saved.savedAt < oldest.savedAt) oldest = saved;
      }
      return {
        occurrences,
        documents: seen.size,
        firstResourceVersion: oldest.resourceVersion,
        resourceVersion: newest.resourceVersion,
      };
    },
    async ids() {
      const all = new Set<number>();
      for (const doc of (await collection.get()).docs) {
        const written = (doc.data() as { written: Buffer }).written;
        const copy = Buffer.from(written);
        for (const id of new Float64Array(copy.buffer, copy.byteOffset, copy.byteLength / 8)) all.add(id);
      }
      return all;
    },
    close: () => db.terminate(),
  };
}

/** The compiled events service as its own process, the way Cloud Run runs it. */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  /** The /readyz body (answered with 503 too while not ready), or undefined when it does not answer. */
  health(): Promise<{ phase: string; stats: Record<string, number> } | undefined>;
  /** SIGTERM and the time until it exited, with its exit code. */
  terminate(): Promise<{ code: number | null; ms: number }>;
  kill(): Promise<void>;
}

export function startServiceProcess(
  entry: string,
  nodeFlags: readonly string[],
  logPath: string | undefined,
  env: Record<string, string>,
  port: number,
): ServiceProcess {
  const child = spawn(process.execPath, [...nodeFlags, entry], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', METADATA_SERVER_DETECTION: 'none', PORT: String(port), ...env },
  });
  // Only the tail is kept: a long run logs a progress line a minute, warnings could be many.
  let output = '';
  const log = logPath === undefined ? undefined : createWriteStream(logPath);
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-200_000);
    log?.write(d);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('close', () => log?.end());
  return {
    child,
    pid: child.pid as number,
    output: () => output,
    health: async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return (await res.json()) as { phase: string; stats: Record<string, number> };
      } catch {
        return undefined;
      }
    },
    terminate: async () => {
      const started = performance.now();
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 15_000))]);
      const ms = performance.now() - started;
      await stopGroup(child);
      return { code, ms };
    },
    kill: () => stopGroup(child),
  };
}
