import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1, taken from the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** True when something already answers TCP connections on the port. */
export async function portInUse(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A server process the tests started, in its own process group so that all its children stop with it. */
export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** What it printed, for error messages (bind failures and the like). */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  command: string;
  args: (port: number) => string[];
  env?: Record<string, string>;
  /** Resolves true once the server on `port` is ready (and is this process's). */
  ready: (port: number, child: ChildProcess) => Promise<boolean>;
  timeoutMs: number;
  name: string;
}

/**
 * Readiness of a gcloud emulator (Firestore, Pub/Sub): "Ok" at / while our child is still alive, so a port that
 * someone else's server answers on does not count.
 */
export async function gcloudEmulatorReady(port: number, child: ChildProcess): Promise<boolean> {
  if (child.exitCode !== null) return false;
  const res = await fetch(`http://127.0.0.1:${port}/`);
  return res.ok && (await res.text()).trim() === 'Ok';
}

/**
 * Starts a server on a free port and waits until it is ready; a port someone else took in between, or a
 * server that dies at start, is retried on another port (three tries).
 */
export async function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    if (await portInUse(port)) continue;
    const child = spawn(options.command, options.args(port), {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const proc: ServerProcess = { child, port, output: () => output, stop: () => stopGroup(child) };
    const deadline = Date.now() + options.timeoutMs;
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
      if (await options.ready(port, child).catch(() => false)) return proc;
      await new Promise((r) => setTimeout(r, 100));
    }
    await proc.stop();
    lastError = new Error(`${options.name} did not become ready on port ${port}:\n${output.slice(-2000)}`);
  }
  throw lastError ?? new Error(`${options.name}: no free port`);
}

/** SIGTERM to the whole process group, SIGKILL after 5 s. */
export function stopGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return resolve();
    const pid = child.pid;
    const kill = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      // The group may outlive its leader (gcloud's java child): make sure it is gone too.
      kill('SIGKILL');
      resolve();
    });
    kill('SIGTERM');
  });
}
