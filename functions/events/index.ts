import { setFlagsFromString } from 'node:v8';
import { ConfigError } from '../../shared/config/config-error.js';
import { parseEventsConfig, type EventsConfig } from '../../shared/config/events-config.js';
import { createLogger } from '../../shared/runtime/log.js';
import { startEventsService, type EventsService } from './service.js';

/**
 * The Cloud Run entry of the events service. SIGTERM (Cloud Run gives about 10 s) stops the watch, flushes the
 * sinks, checkpoints and releases the lease before exiting.
 */
async function main(): Promise<void> {
  keepHttpParserUnoptimised();
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

/**
 * The HTTP client's response parser is WebAssembly (undici's llhttp). Once it is hot, as in a relist, V8 would
 * recompile it with its optimising compiler, which needs about 30 MiB of native memory for the parser's main
 * function alone (--trace-wasm-compilation-times: 29.5 MiB at most, 42.6 MiB in all), at the service's busiest
 * moment; glibc keeps much of it (the main heap at the peak 23-40 MiB, 12-13 without that compilation). This
 * service reads a few hundred KiB a second: the baseline compiler's code does that for about a tenth more CPU.
 * Set before the first connection compiles the parser; not a flag NODE_OPTIONS accepts.
 */
function keepHttpParserUnoptimised(): void {
  setFlagsFromString('--liftoff-only');
}
