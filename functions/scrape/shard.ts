import * as ff from '@google-cloud/functions-framework';
import type { CloudEvent } from '@google-cloud/functions-framework';
import { createLogger, type Logger } from '../../shared/runtime/log.js';
import { totalsMessage } from '../../shared/scrape/shard/finalise.js';
import { runShard, type ShardRun } from '../../shared/scrape/shard/run-shard.js';
import { decodeShardEvent, type ShardMessage } from '../../shared/scrape/shard/shard-message.js';
import { setUp, startInvocation, setUpProblems, type Instance } from './instance.js';

/**
 * The `scrapeShard` CloudEvent target: one shard of a sharded round, delivered by a Pub/Sub push subscription
 * (or an Eventarc trigger). Returning acknowledges the message; throwing asks Pub/Sub to deliver it again,
 * which the shard does only when a retry may succeed (the cluster could not be read, or no sink took the
 * points). A message that can never succeed is logged and acknowledged.
 */
ff.cloudEvent('scrapeShard', async (event: CloudEvent<unknown>) => {
  const arrivedAt = Date.now();
  let setup: Instance;
  try {
    setup = setUp('scrape-shard');
  } catch (err) {
    createLogger().log('CRITICAL', 'scrapeShard: invalid configuration, the shard was not scraped', {
      problems: setUpProblems(err),
    });
    return;
  }
  const { deps, sharding, log } = setup;
  if (sharding === undefined) {
    log.log('CRITICAL', 'scrapeShard: SHARD_TOPIC is not set, so this target cannot record shards', {
      eventId: event.id,
    });
    return;
  }
  const decoded = decodeShardEvent(event.data);
  if (!decoded.ok) {
    log.error(`scrapeShard: message dropped: ${decoded.error}`, { eventId: event.id });
    return;
  }
  await setup.ready;
  const invocation = startInvocation(setup.config, arrivedAt);
  const config = invocation.config;
  try {
    const run = await runShard(
      config,
      { scrape: deps, rounds: sharding.rounds },
      decoded.value,
      invocation.signal,
    );
    logRun(log, decoded.value, run, event.id);
    if (run.kind === 'retry')
      throw new Error(
        `${decoded.value.shard} of round ${run.report.roundTime} failed and asks to be redelivered`,
      );
  } finally {
    invocation.done();
  }
});

function logRun(log: Logger, message: ShardMessage, run: ShardRun, eventId: string | undefined): void {
  const round = new Date(message.roundTime).toISOString();
  const fields = { eventId, shard: message.shard, roundTime: round };
  if (run.kind === 'skipped') {
    log.info(`scrape round ${round} ${message.shard}: this delivery did nothing (${run.reason})`, fields);
    return;
  }
  const r = run.report;
  const line = `scrape round ${round} ${message.shard}: ${r.nodes.ok}/${r.nodes.total} nodes, ${r.points} points`;
  if (run.kind === 'retry') {
    log.error(`${line}; failed, to be redelivered: ${r.error ?? 'no sink took the points'}`, {
      ...fields,
      report: r,
    });
    return;
  }
  const late = run.recorded === 'late' ? '; reported after the totals were written: not in them' : '';
  log.log(late !== '' ? 'WARNING' : r.severity, line + late, {
    ...fields,
    recorded: run.recorded,
    report: r,
  });
  if (run.totals !== undefined)
    log.log(run.totals.missing.length > 0 ? 'WARNING' : 'INFO', totalsMessage(run.totals), {
      ...fields,
      totals: run.totals,
    });
}
