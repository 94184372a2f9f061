import { ConfigError, parseScrapeConfig, type ScrapeConfig } from '../../shared/config/scrape-config.js';
import type { ConfigProblem } from '../../shared/config/config-error.js';
import { preloadAccess } from '../../shared/kube/api-access.js';
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
  /**
   * Settles once what the first round would otherwise load inside its deadline is loaded (the kubeconfig
   * reader, for a source that reads a kubeconfig file). Never rejects: a failure shows in the round itself.
   */
  readonly ready: Promise<void>;
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
      ready: warming ?? preloadSources(config),
    };
  }
  return instance;
}

/**
 * Starts loading, as the module loads, what the first round would otherwise load within its deadline. An
 * invalid environment is left to the first call to report.
 */
export function warmUp(): void {
  try {
    warming = preloadSources(parseScrapeConfig(process.env));
  } catch {
    // Reported, with its problems, by the first invocation's own setUp.
  }
}

let warming: Promise<void> | undefined;

function preloadSources(config: ScrapeConfig): Promise<void> {
  const loads = config.sources.map((s) =>
    s.kind === 'kubernetes.summary_api' ? preloadAccess(s, process.env) : undefined,
  );
  return Promise.all(loads).then(
    () => undefined,
    () => undefined,
  );
}

/** The problems of a set-up that failed, as the function reports them. */
export function setUpProblems(err: unknown): readonly ConfigProblem[] {
  return err instanceof ConfigError
    ? err.problems
    : [{ variable: '-', problem: (err as Error).message, example: '-' }];
}

/**
 * One invocation's clock, started when the call arrived (as the platform's own timeout is): its hard limit
 * fires a second before the function's timeout, and `config` is the instance's with runDeadlineMs shortened
 * by what the set-up took (loading on a cold instance), so the answer's margin is kept whatever came first.
 */
export function startInvocation(
  config: ScrapeConfig,
  arrivedAt: number,
  now: number = Date.now(),
): {
  config: ScrapeConfig;
  signal: AbortSignal;
  controller: AbortController;
  done: () => void;
} {
  const spent = Math.max(0, now - arrivedAt);
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error('function timeout reached')),
    Math.max(1, config.functionTimeoutMs - 1000 - spent),
  );
  return {
    config: { ...config, runDeadlineMs: Math.max(1, config.runDeadlineMs - spent) },
    signal: controller.signal,
    controller,
    done: () => clearTimeout(timer),
  };
}
