import { ConfigError, parseScrapeConfig, type ScrapeConfig } from '../../shared/config/scrape-config.js';
import type { ConfigProblem } from '../../shared/config/config-error.js';
import { createLogger, type Logger } from '../../shared/runtime/log.js';
import type { ScrapeDeps } from '../../shared/scrape/run-scrape.js';
import { buildScrapeDeps, buildShardingDeps, stateDatabase, type ShardingDeps } from './deps.js';

/**
 * What an instance of the scrape function builds once from its environment and keeps between invocations,
 * whichever target (scrape, scrapeShard) it serves.
 */
export interface Instance {
  readonly config: ScrapeConfig;
  readonly deps: ScrapeDeps;
  /** Present when SHARD_TOPIC is set. */
  readonly sharding: ShardingDeps | undefined;
  readonly log: Logger;
}

let instance: Instance | undefined;

/** The instance's set-up; throws ConfigError (or another error) when the environment is not usable. */
export function setUp(component: string): Instance {
  if (instance === undefined) {
    const config = parseScrapeConfig(process.env);
    const log = createLogger({ minSeverity: config.logLevel, fields: { component } });
    const db = stateDatabase(config);
    instance = {
      config,
      deps: buildScrapeDeps(config, process.env, log, db),
      sharding: buildShardingDeps(config, process.env, db),
      log,
    };
  }
  return instance;
}

/** The problems of a set-up that failed, as the function reports them. */
export function setUpProblems(err: unknown): readonly ConfigProblem[] {
  return err instanceof ConfigError
    ? err.problems
    : [{ variable: '-', problem: (err as Error).message, example: '-' }];
}

/** An abort signal for one invocation: fires a second before the function's timeout. */
export function invocationSignal(config: ScrapeConfig): {
  signal: AbortSignal;
  controller: AbortController;
  done: () => void;
} {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error('function timeout reached')),
    config.functionTimeoutMs - 1000,
  );
  return { signal: controller.signal, controller, done: () => clearTimeout(timer) };
}
