import * as ff from '@google-cloud/functions-framework';
import { ConfigError, parseScrapeConfig, type ScrapeConfig } from '../../shared/config/scrape-config.js';
import { createLogger, type Logger } from '../../shared/runtime/log.js';
import { roundsAnswer, runRounds } from '../../shared/scrape/run-rounds.js';
import type { ScrapeDeps } from '../../shared/scrape/run-scrape.js';
import { buildScrapeDeps } from './deps.js';

/**
 * The `scrape` HTTP target that Cloud Scheduler calls every interval. It runs one round (or, with RESOLUTION
 * below INTERVAL, one per slot of the interval) under a deadline shorter than the function's timeout, awaits
 * every write, answers with the report (non-2xx only when the scheduler's retry could help) and logs it as one
 * structured line.
 */
let instance: { config: ScrapeConfig; deps: ScrapeDeps; log: Logger } | undefined;

function setUp(): { config: ScrapeConfig; deps: ScrapeDeps; log: Logger } {
  if (instance === undefined) {
    const config = parseScrapeConfig(process.env);
    const log = createLogger({ minSeverity: config.logLevel, fields: { component: 'scrape' } });
    instance = { config, deps: buildScrapeDeps(config, process.env, log), log };
  }
  return instance;
}

/** Cloud Scheduler sends the time the job was scheduled for; a retry of the round carries the same one. */
function scheduledTime(req: ff.Request): number | undefined {
  const header = req.get('x-cloudscheduler-scheduletime');
  const fromBody =
    typeof req.body === 'object' && req.body !== null
      ? (req.body as { roundTime?: unknown }).roundTime
      : undefined;
  const text = header ?? (typeof fromBody === 'string' ? fromBody : undefined);
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

ff.http('scrape', async (req: ff.Request, res: ff.Response) => {
  let setup: ReturnType<typeof setUp>;
  try {
    setup = setUp();
  } catch (err) {
    const problems =
      err instanceof ConfigError
        ? err.problems
        : [{ variable: '-', problem: (err as Error).message, example: '-' }];
    createLogger().log('CRITICAL', 'scrape: invalid configuration, nothing was scraped', { problems });
    res.status(500).json({ error: 'invalid configuration', problems });
    return;
  }
  const { config, deps, log } = setup;
  const controller = new AbortController();
  // The hard limit, for the writes too; collecting stops earlier (runDeadlineMs) inside the run.
  const deadline = setTimeout(
    () => controller.abort(new Error('function timeout reached')),
    config.functionTimeoutMs - 1000,
  );
  // The response's close, not the request's: a request emits 'close' as soon as its body has been read,
  // which the framework's body parser does before the function runs.
  res.on('close', () => {
    if (!res.writableEnded) controller.abort(new Error('the caller went away'));
  });
  try {
    const rounds = await runRounds(config, deps, {
      scheduleTime: scheduledTime(req) ?? Date.now(),
      signal: controller.signal,
      shard: 'all',
    });
    const answer = roundsAnswer(rounds);
    log.log(answer.severity, answer.message, { report: answer.body });
    res.status(answer.status).json(answer.body);
  } finally {
    clearTimeout(deadline);
  }
});
