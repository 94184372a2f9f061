import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { listensOn } from './port-owner.js';
import { freePort, portInUse, stopGroup } from './processes.js';

/**
 * The real Functions Framework CLI serving one of this repository's functions from its TypeScript source, as
 * Cloud Functions (2nd gen) would run it: a child process in its own process group, on a free port. The CLI
 * listens on every interface; tests only ever call it on 127.0.0.1.
 */
export interface FunctionsFrameworkProcess {
  /** http://127.0.0.1:PORT/ */
  readonly url: string;
  readonly port: number;
  readonly child: ChildProcess;
  /** Every complete stdout line so far that `takeLines` has not handed out yet, oldest first. */
  takeLines(): string[];
  /**
   * Waits until a stdout line not yet taken matches, without consuming it; rejects after `timeoutMs`.
   * Call takeLines only once it resolves: lines taken while it waits are not looked at.
   */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** The last part of stdout and stderr, for failure messages. */
  tail(): string;
  stderr(): string;
  /** Calls the function as a Cloud Scheduler HTTP job does. */
  schedule(scheduleTime: Date, jobName?: string): Promise<ScheduledCall>;
  stop(): Promise<void>;
}

export interface ScheduledCall {
  readonly status: number;
  readonly contentType: string;
  readonly body: unknown;
}

export interface FunctionsFrameworkOptions {
  /** The function name given to ff.http(). */
  readonly target: string;
  /** The module that registers it, relative to the repository root (functions/scrape/index.ts). */
  readonly source: string;
  /** The function's environment; PATH and HOME are passed on, nothing else of the test's own. */
  readonly env: Readonly<Record<string, string>>;
  readonly startTimeoutMs?: number;
  /**
   * http (default): ready once robots.txt answers 404 (an ignored route). A cloudevent target has no ignored
   * routes (any request calls the function), so it is ready once the port accepts connections.
   */
  readonly signature?: 'http' | 'cloudevent';
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);
// The package exports only its API (build/src/index.js); the CLI's main.js sits next to it.
const FF_MAIN = join(dirname(require.resolve('@google-cloud/functions-framework')), 'main.js');

/**
 * A deployable-looking source folder: package.json of an ES module package whose main is a TypeScript entry
 * that imports the function's module by absolute URL (tsx, loaded with --import, compiles it on the fly).
 */
function writeSourceDir(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapster-ff-'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'ff-source', private: true, type: 'module', main: 'entry.ts' }),
  );
  writeFileSync(join(dir, 'entry.ts'), `import '${pathToFileURL(resolve(REPO, source)).href}';\n`);
  return dir;
}

export async function startFunctionsFramework(
  options: FunctionsFrameworkOptions,
): Promise<FunctionsFrameworkProcess> {
  const sourceDir = writeSourceDir(options.source);
  try {
    let lastError: Error | undefined;
    // A port taken by someone else between choosing and binding shows as a failed start: try another.
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = await freePort();
      if (await portInUse(port)) continue;
      const started = await startOnce(options, sourceDir, port);
      if (started.ok) return withCleanup(started.process, sourceDir);
      lastError = started.error;
    }
    throw lastError ?? new Error('Functions Framework: no free port');
  } catch (err) {
    rmSync(sourceDir, { recursive: true, force: true });
    throw err;
  }
}

function withCleanup(proc: FunctionsFrameworkProcess, sourceDir: string): FunctionsFrameworkProcess {
  return {
    ...proc,
    stop: async () => {
      await proc.stop();
      rmSync(sourceDir, { recursive: true, force: true });
    },
  };
}

type StartResult = { ok: true; process: FunctionsFrameworkProcess } | { ok: false; error: Error };

async function startOnce(
  options: FunctionsFrameworkOptions,
  sourceDir: string,
  port: number,
): Promise<StartResult> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG', 'TMPDIR']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, options.env);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', FF_MAIN, `--target=${options.target}`, `--source=${sourceDir}`, `--port=${port}`],
    { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  const lines = new LineBuffer();
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => lines.push(chunk));
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
  });
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const tail = (): string =>
    `stdout (end):\n${lines.recent().join('\n').slice(-3000)}\nstderr (end):\n${stderr.slice(-3000)}`;
  const url = `http://127.0.0.1:${port}/`;

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let ready = false;
  while (Date.now() < deadline && !exited()) {
    // Ready: the framework printed its banner for our target, our child holds the port, and the port
    // answers like the framework (robots.txt is one of its ignored routes, so no function call happens).
    if (lines.seen((l) => l === `Function: ${options.target}`) && child.pid !== undefined) {
      const owned = listensOn(child.pid, port);
      if (owned !== false) {
        const answers =
          options.signature === 'cloudevent'
            ? await portInUse(port)
            : (await fetch(new URL('robots.txt', url)).catch(() => undefined))?.status === 404;
        if (answers) {
          ready = true;
          break;
        }
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!ready) {
    await stopGroup(child);
    return { ok: false, error: new Error(`Functions Framework did not start on port ${port}:\n${tail()}`) };
  }
  return {
    ok: true,
    process: {
      url,
      port,
      child,
      takeLines: () => lines.take(),
      waitForLine: (match, timeoutMs = 30_000) => lines.waitFor(match, timeoutMs, exited, tail),
      tail,
      stderr: () => stderr,
      schedule: async (scheduleTime, jobName = 'heapster-scrape') => {
        if (exited()) throw new Error(`the function process has exited:\n${tail()}`);
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'user-agent': 'Google-Cloud-Scheduler',
            'x-cloudscheduler': 'true',
            'x-cloudscheduler-jobname': jobName,
            'x-cloudscheduler-scheduletime': scheduleTime.toISOString(),
            'content-type': 'application/octet-stream',
          },
        });
        const contentType = res.headers.get('content-type') ?? '';
        const text = await res.text();
        return {
          status: res.status,
          contentType,
          body: contentType.includes('json') ? (JSON.parse(text) as unknown) : text,
        };
      },
      stop: () => stopGroup(child),
    },
  };
}

/** Splits a stream into lines as it arrives; the test takes them in order. */
class LineBuffer {
  private partial = '';
  private lines: string[] = [];
  private readonly waiters = new Set<() => void>();
  private last: string[] = [];

  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() as string;
    for (const line of parts) this.lines.push(line);
    this.last = parts.length > 0 ? parts.slice(-20) : this.last;
    for (const wake of this.waiters) wake();
  }

  take(): string[] {
    const out = this.lines;
    this.lines = [];
    return out;
  }

  seen(match: (line: string) => boolean): boolean {
    return this.lines.some(match);
  }

  recent(): string[] {
    return this.last;
  }

  waitFor(
    match: (line: string) => boolean,
    timeoutMs: number,
    exited: () => boolean,
    tail: () => string,
  ): Promise<string> {
    return new Promise((resolvePromise, reject) => {
      let scanned = 0;
      const check = (): boolean => {
        for (; scanned < this.lines.length; scanned++) {
          const line = this.lines[scanned] as string;
          if (match(line)) {
            done();
            resolvePromise(line);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no matching line within ${timeoutMs} ms${exited() ? ' (process exited)' : ''}:\n${tail()}`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(wake);
      };
      const wake = (): void => void check();
      if (!check()) this.waiters.add(wake);
    });
  }
}
