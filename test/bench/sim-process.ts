import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A simulator started as its own process with `npm run sim`'s entry, so its CPU is measured apart. */
export interface SimProcess {
  child: ChildProcess;
  ready: Record<string, unknown> & {
    apiServer: string;
    apiServerHttp: string;
    caPath: string;
    token?: string;
    kubeconfig: string;
    instanceId: string;
    startupMs: number;
  };
  stop(): Promise<void>;
}

export async function startSimProcess(args: string[], timeoutMs = 120_000): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/sim/cli.ts', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const ready = await new Promise<SimProcess['ready']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator not ready after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code} before it was ready`)));
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line) as SimProcess['ready'] & { ready?: boolean };
        if (parsed.ready === true) {
          clearTimeout(timer);
          resolve(parsed);
        }
      } catch {
        // not the ready line
      }
    });
  });
  return {
    child,
    ready,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
