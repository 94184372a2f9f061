import * as ff from '@google-cloud/functions-framework';
import { createLogger } from '../../shared/runtime/log.js';
import { roundsAnswer, runRounds } from '../../shared/scrape/run-rounds.js';
import { alignRound } from '../../shared/scrape/run-scrape.js';
import { UNSHARDED } from '../../shared/scrape/shard/assign.js';
import { coordinateRound, coordinatedAnswer } from '../../shared/scrape/shard/coordinate.js';
import { setUp, startInvocation, setUpProblems, warmUp, type Instance } from './instance.js';
// The package's one module registers both targets; each deployed function picks its own by entry point.
import './shard.js';

warmUp();

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

/**
 * The `scrape` HTTP target that Cloud Scheduler calls every interval. It runs one round (or, with RESOLUTION
 * below INTERVAL, one per slot of the interval) under a deadline shorter than the function's timeout, awaits
 * every write, answers with the report (non-2xx only when the scheduler's retry could help) and logs it as one
 * structured line. With SHARD_TOPIC set, a round of more than SHARD_SIZE nodes is coordinated instead:
 * published in shards to the scrapeShard target, whose totals this call waits for (see coordinateRound).
 */
ff.http('scrape', async (req: ff.Request, res: ff.Response) => {
  const arrivedAt = Date.now();
  let setup: Instance;
  try {
    setup = setUp('scrape');
  } catch (err) {
    const problems = setUpProblems(err);
    createLogger().log('CRITICAL', 'scrape: invalid configuration, nothing was scraped', { problems });
    res.status(500).json({ error: 'invalid configuration', problems });
    return;
  }
  const { deps, sharding, log } = setup;
  await setup.ready;
  // The hard limit, for the writes too; collecting stops earlier (runDeadlineMs) inside the run.
  const { config, controller, signal, done } = startInvocation(setup.config, arrivedAt);
  // The response's close, not the request's: a request emits 'close' as soon as its body has been read,
  // which the framework's body parser does before the function runs.
  res.on('close', () => {
    if (!res.writableEnded) controller.abort(new Error('the caller went away'));
  });
  try {
    const scheduleTime = scheduledTime(req) ?? Date.now();
    const answer =
      config.sharding.kind === 'pubsub' && sharding !== undefined
        ? coordinatedAnswer(
            await coordinateRound(
              config,
              config.sharding,
              { scrape: deps, ...sharding },
              { roundTime: alignRound(scheduleTime, config.intervalMs), signal, shard: UNSHARDED },
            ),
          )
        : roundsAnswer(await runRounds(config, deps, { scheduleTime, signal, shard: UNSHARDED }));
    log.log(answer.severity, answer.message, { report: answer.body });
    res.status(answer.status).json(answer.body);
  } finally {
    done();
  }
});
