import { ConfigError, parseScrapeConfig, type ScrapeConfig } from '../../shared/config/scrape-config.js';
import { createLogger } from '../../shared/runtime/log.js';
import { pause } from '../../shared/runtime/retry.js';
import {
  roundsAnswer,
  runRounds,
  type RoundEntry,
  type RoundsReport,
} from '../../shared/scrape/run-rounds.js';
import { alignRound, type ScrapeDeps } from '../../shared/scrape/run-scrape.js';
import {
  configFlagOptions,
  configFlagUsage,
  flagsToEnv,
  problemForFlags,
  SCRAPE_FLAGS,
} from './config-flags.js';
import { createProgress } from './progress.js';
import { formatReport } from './report-text.js';
import { parseFlags, UsageError, type CliIo } from './io.js';

export function scrapeUsage(): string {
  const flags = configFlagUsage(SCRAPE_FLAGS);
  return [
    'usage: heapster scrape [--once] [--output=text|json] [flags]',
    '',
    'Scrapes every node of the cluster like the scrape function does, with the current kubeconfig',
    '(KUBECONFIG or ~/.kube/config) unless --source says otherwise; standalone cAdvisor hosts are sources',
    'too, alone or beside the cluster. Each flag sets the environment variable of the same meaning; variables',
    'already set in the environment apply when the flag is not given.',
    '',
    `  ${'--once'.padEnd(29)}one round (one interval's rounds with --resolution): print and exit (1 when it failed)`,
    `  ${'--output=text|json'.padEnd(29)}the report as a short summary (default) or the JSON the function answers`,
    ...flags,
    '',
    'examples:',
    '  heapster scrape --once --sink=log',
    "  heapster scrape --sink='log?points=true' --interval=15s",
    '  heapster scrape --once --sink=log --resolution=15s --function-timeout=65s',
    "  heapster scrape --once --sink=log --source='kubernetes.summary_api:?auth=/path/to/kubeconfig&timeout=5s'",
    "  heapster scrape --once --sink=log --source=kubernetes.summary_api: --source='cadvisor:external?hostsFile=hosts.json'",
  ].join('\n');
}

/** `heapster scrape`: answers the exit code (0 fine, 1 a round failed, 2 bad flags or configuration). */
export async function scrapeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseScrapeArgs(argv);
  if (values['help'] === true) {
    io.stdout(scrapeUsage() + '\n');
    return 0;
  }
  const output = values['output'] ?? 'text';
  if (output !== 'text' && output !== 'json')
    throw new UsageError(`--output must be text or json, not "${String(output)}"`);
  const { env, fromEnvironment } = flagsToEnv(values, io.env);
  let config: ScrapeConfig;
  try {
    config = parseScrapeConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr(new ConfigError(err.problems.map((p) => problemForFlags(p, fromEnvironment))).message + '\n');
    return 2;
  }
  const log = createLogger({
    minSeverity: config.logLevel,
    write: (line) => io.stderr(line + '\n'),
    fields: { component: 'cli' },
  });
  // The Google clients load slowly: only once there is something to scrape (not for --help or bad flags).
  const { buildScrapeDeps } = await import('../scrape/deps.js');
  const base = buildScrapeDeps(config, env, log);
  // One round prints its report as before; several print each round's as it ends, then the JSON of all.
  const several = config.resolutionMs < config.intervalMs;
  const show = (report: RoundsReport): void => {
    const { body } = roundsAnswer(report);
    if (output === 'json') io.stdout(JSON.stringify(body) + '\n');
    else if (!several) for (const r of report.rounds) io.stdout(roundText(r));
  };
  const onRound = (entry: RoundEntry): void => {
    if (several && output === 'text') io.stdout(roundText(entry));
  };
  try {
    if (values['once'] === true) {
      const report = await scrapeInterval(config, base, io, Date.now(), onRound);
      show(report);
      return report.status === 200 ? 0 : 1;
    }
    const every = several
      ? `${config.resolutionMs / 1000} s (${config.intervalMs / config.resolutionMs} rounds per ${config.intervalMs / 1000} s)`
      : `${config.intervalMs / 1000} s`;
    io.stderr(`scraping every ${every} until Ctrl-C\n`);
    let next = Date.now();
    while (!io.interrupted.aborted) {
      show(await scrapeInterval(config, base, io, next, onRound));
      next = alignRound(Date.now(), config.intervalMs) + config.intervalMs;
      await pause(next - Date.now(), io.interrupted);
    }
    return 0;
  } finally {
    await Promise.all(base.sinks.map((s) => s.close().catch(() => undefined)));
  }
}

function parseScrapeArgs(argv: readonly string[]) {
  return parseFlags({
    args: [...argv],
    options: {
      ...configFlagOptions(SCRAPE_FLAGS),
      once: { type: 'boolean' },
      output: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}

function roundText(entry: RoundEntry): string {
  return entry.outcome === 'ran'
    ? formatReport(entry.report)
    : `round ${entry.slotTime}  skipped: ${entry.reason}\n`;
}

/**
 * One invocation as the function runs it (one round, or one per slot with --resolution) under the same
 * deadlines, stopped early by Ctrl-C; progress on stderr.
 */
async function scrapeInterval(
  config: ScrapeConfig,
  base: ScrapeDeps,
  io: CliIo,
  at: number,
  onRound: (entry: RoundEntry) => void,
): Promise<RoundsReport> {
  const progress = createProgress({ write: io.stderr, isTty: io.stderrIsTty });
  const controller = new AbortController();
  // One round stops at the run's deadline, as before; rounds keep their own and stop at the function's.
  const limitMs =
    config.resolutionMs < config.intervalMs ? config.functionTimeoutMs - 1000 : config.runDeadlineMs;
  const deadline = setTimeout(() => controller.abort(new Error('run deadline reached')), limitMs);
  const stop = (): void => controller.abort(new Error('interrupted'));
  io.interrupted.addEventListener('abort', stop);
  try {
    return await runRounds(
      config,
      { ...base, onProgress: (done, total) => progress.update(done, total) },
      {
        scheduleTime: at,
        signal: controller.signal,
        shard: 'all',
        onRound: (entry) => {
          progress.end();
          onRound(entry);
        },
      },
    );
  } finally {
    progress.end();
    clearTimeout(deadline);
    io.interrupted.removeEventListener('abort', stop);
  }
}
