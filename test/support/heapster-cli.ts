import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startSim, type Sim } from '../sim/sim.js';

/** The `heapster` command as a user runs it: a child process of bin/heapster.mjs. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = join(process.cwd(), 'bin', 'heapster.mjs');

/** A `heapster` process still running: its output so far, and its end. */
export interface RunningCli {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once the process has exited and its output is drained. */
  readonly done: Promise<CliRun>;
}

/** Starts `heapster ARGS` with only PATH, the metadata-server probe off and `env`; killed after `timeoutMs`. */
export function startHeapster(args: string[], env: Record<string, string>, timeoutMs = 30_000): RunningCli {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env['PATH'] ?? '', METADATA_SERVER_DETECTION: 'none', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliRun>((resolve, reject) => {
    child.once('error', reject);
    // 'close' comes after the exit and after stdio is drained.
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Runs `heapster ARGS` to its end (see startHeapster). */
export function runHeapster(
  args: string[],
  env: Record<string, string>,
  timeoutMs?: number,
): Promise<CliRun> {
  return startHeapster(args, env, timeoutMs).done;
}

/**
 * A small simulated cluster and a HOME of its own whose current kubeconfig is the simulator's, for the tests of
 * the enclosing describe: `env` is what runHeapster needs to reach it.
 */
export function useCliCluster(): { readonly sim: Sim; readonly env: Record<string, string> } {
  let sim: Sim | undefined;
  let home: string | undefined;
  before(async () => {
    sim = await startSim({ nodes: 3, podsPerNode: 4, kubeletHttpPort: 0, kubeletHttpsPort: 0 });
    home = mkdtempSync(join(tmpdir(), 'heapster-cli-'));
  });
  after(async () => {
    await sim?.stop();
    if (home !== undefined) rmSync(home, { recursive: true, force: true });
  });
  const started = (): Sim => {
    if (sim === undefined) throw new Error('the simulator is used before it started');
    return sim;
  };
  return {
    get sim() {
      return started();
    },
    get env() {
      return { HOME: home ?? '', KUBECONFIG: started().kubeconfigPath };
    },
  };
}
