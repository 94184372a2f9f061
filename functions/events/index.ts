import { ConfigError } from '../../shared/config/config-error.js';
import { parseEventsConfig, type EventsConfig } from '../../shared/config/events-config.js';
import { createLogger } from '../../shared/runtime/log.js';
import { startEventsService, type EventsService } from './service.js';

/**
 * The Cloud Run entry of the events service. SIGTERM (Cloud Run gives about 10 s) stops the watch, flushes the
 * sinks, checkpoints and releases the lease before exiting.
 */
async function main(): Promise<void> {
  let config: EventsConfig;
  try {
    config = parseEventsConfig(process.env);
  } catch (err) {
    const problems =
      err instanceof ConfigError ? err.problems : [{ variable: '-', problem: String(err), example: '-' }];
    createLogger().log('CRITICAL', 'events: invalid configuration, not starting', { problems });
    process.exit(2);
  }
  const log = createLogger({ minSeverity: config.logLevel });
  // Handlers first: a SIGTERM during start-up must still drain what started.
  const running: { service?: EventsService } = {};
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info(`events: ${signal} received, draining`);
    (running.service?.stop() ?? Promise.resolve()).then(
      () => process.exit(0),
      (err: Error) => {
        log.error('events: stopping failed', { error: err.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const service = await startEventsService(config, { log, env: process.env });
  running.service = service;
  if (stopping) await service.stop().then(() => process.exit(0));
}

void main();
