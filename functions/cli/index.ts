import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { UsageError, type CliIo } from './io.js';

/**
 * `heapster <command> [flags]`: the command line for people with a cluster at hand. Each command lives in its
 * own file and is loaded only when asked for.
 */
interface Command {
  readonly summary: string;
  readonly usage: () => Promise<string>;
  readonly run: (argv: readonly string[], io: CliIo) => Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  scrape: {
    summary: 'scrape every node once (--once) or every interval until Ctrl-C',
    usage: async () => (await import('./scrape.js')).scrapeUsage(),
    run: async (argv, io) => (await import('./scrape.js')).scrapeCommand(argv, io),
  },
  events: {
    summary: 'watch Kubernetes events and write every occurrence to the sinks until Ctrl-C',
    usage: async () => (await import('./events.js')).eventsUsage(),
    run: async (argv, io) => (await import('./events.js')).eventsCommand(argv, io),
  },
  plan: {
    summary: "a month's cost at Google Cloud list prices and the series per monitored resource",
    usage: async () => (await import('./plan.js')).planUsage(),
    run: async (argv, io) => (await import('./plan.js')).planCommand(argv, io),
  },
};

export function mainUsage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2;
  return [
    'usage: heapster <command> [flags]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.summary}`),
    '',
    'heapster <command> --help shows its flags.',
  ].join('\n');
}

/** Runs a command line; answers the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.stderr : io.stdout)(mainUsage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.stderr(`heapster: unknown command "${name}"\n\n${mainUsage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`heapster ${name}: ${err.message}\n\n${await command.usage()}\n`);
    return 2;
  }
}

/** The process around runCli: signals, exit code, and stdout drained before exiting. */
export async function main(): Promise<void> {
  const interrupt = new AbortController();
  const onSignal = (): void => {
    // The first Ctrl-C lets the round finish its writes; a second one stops at once.
    if (interrupt.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after this round (Ctrl-C again to stop now)\n');
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code: number;
  try {
    code = await runCli(process.argv.slice(2), {
      env: process.env,
      stdout: (text) => void process.stdout.write(text),
      stderr: (text) => void process.stderr.write(text),
      stderrIsTty: process.stderr.isTTY === true,
      interrupted: interrupt.signal,
    });
  } catch (err) {
    process.stderr.write(`heapster: ${(err as Error).stack ?? String(err)}\n`);
    code = 1;
  }
  // Clients (Firestore's gRPC channels, keep-alive agents) may hold the event loop: exit once output is out.
  process.stdout.write('', () => process.exit(code));
}

// Run as a script (`node --import tsx functions/cli/index.ts`); bin/heapster.mjs imports it and calls main.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href)
  void main();
