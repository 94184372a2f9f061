import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, stopGroup } from './processes.js';

/** The events service (functions/events/index.ts) as its own process, the way Cloud Run runs it. */
export interface EventsServiceProcess {
  readonly child: ChildProcess;
  readonly port: number;
  output(): string;
  /** Answers the /readyz body, or undefined while not ready. */
  ready(): Promise<{ phase: string; stats: Record<string, number> } | undefined>;
  /** SIGKILL: no drain at all, as when the instance dies. */
  kill(): Promise<void>;
  /** SIGTERM: the drain Cloud Run asks for before stopping an instance. */
  terminate(): Promise<number | null>;
}

/** `nodeFlags` go to node before the entry (V8 tracing flags, for instance). */
export async function startEventsServiceProcess(
  env: Record<string, string>,
  nodeFlags: readonly string[] = [],
): Promise<EventsServiceProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', 'functions/events/index.ts'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', METADATA_SERVER_DETECTION: 'none', PORT: String(port), ...env },
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: EventsServiceProcess = {
    child,
    port,
    output: () => output,
    ready: async () => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        return res.ok ? ((await res.json()) as { phase: string; stats: Record<string, number> }) : undefined;
      } catch {
        return undefined;
      }
    },
    kill: async () => {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await exited;
    },
    terminate: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 12_000))]);
      await stopGroup(child);
      return code;
    },
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`events service exited at start:\n${output.slice(-2000)}`);
    // The health body carries this process's stats: a server answering that is not ours would not be ours.
    if (
      (await proc.ready()) !== undefined &&
      output.includes(`"message":"events: service listening"`) &&
      output.includes(`"port":${port}`)
    )
      return proc;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopGroup(child);
  throw new Error(`events service not ready on port ${port}:\n${output.slice(-2000)}`);
}
