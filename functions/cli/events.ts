import { ConfigError } from '../../shared/config/config-error.js';
import { parseEventsConfig, type EventsConfig } from '../../shared/config/events-config.js';
import type { Env } from '../../shared/config/scrape-config.js';
import { createLogger } from '../../shared/runtime/log.js';
import {
  configFlagOptions,
  configFlagUsage,
  flagsToEnv,
  problemForFlags,
  type ConfigFlag,
} from './config-flags.js';
import { parseFlags, type CliIo } from './io.js';

/**
 * `heapster events`: the events service's watcher at a terminal, with the current kubeconfig and the same
 * SOURCE and SINKS values as the service (each flag sets the variable of the same meaning). Occurrences go to
 * the sinks (`log` prints one JSON line each on stdout), the watcher's own log lines to stderr.
 */
export const EVENTS_FLAGS: readonly ConfigFlag[] = [
  {
    flag: 'source',
    variable: 'SOURCE',
    repeatable: false,
    help: 'the API server and what to watch (default: the current kubeconfig, core/v1 events)',
  },
  {
    flag: 'sink',
    variable: 'SINKS',
    repeatable: true,
    help: 'where occurrences go: log, gcl?project=P&location=L, influxdb:URL?db=D',
  },
  {
    flag: 'cluster-name',
    variable: 'CLUSTER_NAME',
    repeatable: false,
    help: 'the cluster_name label (default)',
  },
  {
    flag: 'state',
    variable: 'STATE_STORE',
    repeatable: false,
    help: 'memory (default here: a restart lists again) or firestore (checkpoint and lease)',
  },
  {
    flag: 'firestore-database',
    variable: 'FIRESTORE_DATABASE',
    repeatable: false,
    help: 'database id for --state=firestore ((default))',
  },
  { flag: 'lease-ttl', variable: 'LEASE_TTL', repeatable: false, help: 'how long the lease holds (15s)' },
  {
    flag: 'watch-timeout',
    variable: 'WATCH_TIMEOUT',
    repeatable: false,
    help: 'each watch request asks the server to end it after this long (290s)',
  },
  {
    flag: 'port',
    variable: 'PORT',
    repeatable: false,
    help: '/healthz and /readyz on 127.0.0.1 (default here: a free port)',
  },
  { flag: 'log-level', variable: 'LOG_LEVEL', repeatable: false, help: 'DEBUG ... CRITICAL (INFO)' },
];

/** At a terminal the checkpoint lives in memory and the health port is any free one, unless asked otherwise. */
const CLI_DEFAULTS: Env = { STATE_STORE: 'memory', PORT: '0' };

export function eventsUsage(): string {
  const flags = configFlagUsage(EVENTS_FLAGS);
  return [
    'usage: heapster events --sink=URI [flags]',
    '',
    'Watches the Kubernetes events of the cluster like the events service does and writes every occurrence',
    '(a new event, or a repeat that raised its count) to the sinks until Ctrl-C, which drains: the watch stops,',
    'what was read is written, the checkpoint saved. Each flag sets the environment variable of the same',
    'meaning; variables already set in the environment apply when the flag is not given.',
    '',
    ...flags,
    '',
    'examples:',
    '  heapster events --sink=log',
    "  heapster events --sink=log --source='kubernetes:?api=events.k8s.io/v1&namespace=default'",
    "  heapster events --sink='influxdb:http://127.0.0.1:8086?db=k8s'",
    "  heapster events --sink='gcl?project=my-project&location=europe-west1' --cluster-name=prod",
  ].join('\n');
}

/** `heapster events`: answers the exit code (0 stopped cleanly, 1 stopping failed, 2 bad flags or configuration). */
export async function eventsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseEventsArgs(argv);
  if (values['help'] === true) {
    io.stdout(eventsUsage() + '\n');
    return 0;
  }
  const { env, fromEnvironment } = flagsToEnv(values, io.env, EVENTS_FLAGS, CLI_DEFAULTS);
  let config: EventsConfig;
  try {
    config = parseEventsConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const problems = err.problems.map((p) => problemForFlags(p, fromEnvironment, EVENTS_FLAGS));
    io.stderr(new ConfigError(problems).message + '\n');
    return 2;
  }
  const log = createLogger({
    minSeverity: config.logLevel,
    write: (line) => io.stderr(line + '\n'),
    fields: { component: 'cli' },
  });
  // The Google clients load slowly: only once there is something to watch (not for --help or bad flags).
  const { startEventsService } = await import('../events/service.js');
  const service = await startEventsService(config, { log, env, host: '127.0.0.1' });
  io.stderr(
    `watching events until Ctrl-C; health at http://127.0.0.1:${service.port}/healthz, sinks: ` +
      `${config.sinks.map((s) => s.kind).join(', ')}\n`,
  );
  await new Promise<void>((resolve) => {
    if (io.interrupted.aborted) return resolve();
    io.interrupted.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await service.stop();
  } catch (err) {
    io.stderr(`heapster events: stopping failed: ${(err as Error).message}\n`);
    return 1;
  }
  const s = service.watcher.stats;
  io.stderr(
    `stopped: ${s.written} occurrences written, ${s.skipped} already written, ${s.rejected} refused by a sink, ` +
      `${s.relists} lists, ${s.checkpoints} checkpoints\n`,
  );
  return 0;
}

function parseEventsArgs(argv: readonly string[]) {
  return parseFlags({
    args: [...argv],
    options: {
      ...configFlagOptions(EVENTS_FLAGS),
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}
