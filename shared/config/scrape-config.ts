import { ConfigError, Problems } from './config-error.js';
import { parseSink, SINK_EXAMPLE, type SinkConfig } from './sink-uri.js';
import {
  EXTERNAL_EXAMPLE,
  parseSource,
  SOURCE_EXAMPLE,
  type CadvisorSource,
  type SourceConfig,
} from './source-uri.js';
import { splitUriList } from './uri.js';
import { readChoice, readClusterName, readDuration } from './values.js';
import { readResolution } from './resolution.js';
import { SEVERITIES, type Severity } from '../runtime/log.js';
import { readSharding, type ShardingConfig } from '../scrape/shard/shard-config.js';

/** Everything the scrape function is told, parsed once and validated as a whole. */
export interface ScrapeConfig {
  readonly sources: readonly SourceConfig[];
  readonly sinks: readonly SinkConfig[];
  readonly clusterName: string;
  /** The scheduling interval: rounds are aligned to it and rates are per this step. */
  readonly intervalMs: number;
  /** Time between rounds within one invocation (RESOLUTION); the interval itself for one round each. */
  readonly resolutionMs: number;
  /** The function's own timeout; a run stops its work earlier (see runDeadlineMs). */
  readonly functionTimeoutMs: number;
  /** Work of a run ends this long after its invocation arrived, leaving time to answer. */
  readonly runDeadlineMs: number;
  readonly state:
    | { readonly kind: 'firestore'; readonly database: string; readonly root: string }
    | { readonly kind: 'memory' };
  readonly labelSeparator: string;
  readonly systemContainerNames: 'heapster' | 'kubelet';
  readonly logLevel: Severity;
  /** Large clusters' rounds fanned out to shards over Pub/Sub (SHARD_TOPIC, SHARD_SIZE). */
  readonly sharding: ShardingConfig;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** How long before the function's timeout a run stops starting work, to await writes and answer. */
const ANSWER_MARGIN_MS = 5_000;

export function parseScrapeConfig(env: Env): ScrapeConfig {
  const problems = new Problems();
  const sourcesText = env['SOURCES'] ?? 'kubernetes.summary_api:';
  const sources = splitUriList(sourcesText).flatMap((s) => parseSource(problems, 'SOURCES', s) ?? []);
  if (splitUriList(sourcesText).length === 0) problems.add('SOURCES', 'no source given', SOURCE_EXAMPLE);
  checkSourceMix(problems, sources);

  const sinksText = env['SINKS'] ?? '';
  const sinks = splitUriList(sinksText).flatMap((s) => parseSink(problems, 'SINKS', s) ?? []);
  if (splitUriList(sinksText).length === 0)
    problems.add('SINKS', 'no sink given: metrics would go nowhere', SINK_EXAMPLE);

  const clusterName = readClusterName(problems, env['CLUSTER_NAME']);
  const intervalMs = readDuration(problems, 'INTERVAL', env['INTERVAL'], 60_000, {
    minMs: 5_000,
    maxMs: 3_600_000,
  });
  const functionTimeoutMs = readDuration(problems, 'FUNCTION_TIMEOUT', env['FUNCTION_TIMEOUT'], 60_000, {
    minMs: 10_000,
    maxMs: 3_600_000,
  });
  const runDeadlineMs = functionTimeoutMs - ANSWER_MARGIN_MS;
  for (const source of sources) {
    if (source.timeoutMs >= runDeadlineMs) {
      const kube = source.kind === 'kubernetes.summary_api';
      problems.add(
        'SOURCES',
        `the ${kube ? 'per-node' : `${source.kind} per-host`} timeout ${source.timeoutMs / 1000}s must be shorter than FUNCTION_TIMEOUT minus ${ANSWER_MARGIN_MS / 1000}s (${runDeadlineMs / 1000}s)`,
        `${kube ? 'kubernetes.summary_api:' : source.kind}?timeout=10s`,
      );
    }
  }

  const resolutionMs = readResolution(problems, {
    raw: env['RESOLUTION'],
    intervalMs,
    functionTimeoutMs,
    sources,
  });

  const stateKind = readChoice(
    problems,
    'STATE_STORE',
    env['STATE_STORE'],
    ['firestore', 'memory'] as const,
    'firestore',
  );
  const state: ScrapeConfig['state'] =
    stateKind === 'memory'
      ? { kind: 'memory' }
      : {
          kind: 'firestore',
          database: env['FIRESTORE_DATABASE'] || '(default)',
          root: `heapster/${clusterName}`,
        };

  const config: ScrapeConfig = {
    sources,
    sinks,
    clusterName,
    intervalMs,
    resolutionMs,
    functionTimeoutMs,
    runDeadlineMs,
    state,
    labelSeparator: env['LABEL_SEPARATOR'] ?? ',',
    systemContainerNames: readChoice(
      problems,
      'SYSTEM_CONTAINER_NAMES',
      env['SYSTEM_CONTAINER_NAMES'],
      ['heapster', 'kubelet'] as const,
      'heapster',
    ),
    logLevel: readChoice(problems, 'LOG_LEVEL', env['LOG_LEVEL'], SEVERITIES, 'INFO'),
    sharding: readSharding(problems, env, { stateKind, intervalMs, resolutionMs, sources }),
  };
  return problems.result(config);
}

/** Where a cAdvisor source's hosts come from: two sources naming the same would scrape and write them twice. */
function hostOrigins(source: CadvisorSource): string[] {
  if (source.kind === 'cadvisor:coreos') return source.fleetEndpoints.map((e) => `fleetEndpoint=${e}`);
  return [source.standalone ? 'standalone=true' : `hostsFile=${source.hostsFile}`];
}

/** One Kubernetes cluster at most, beside any number of cAdvisor sources that name different hosts. */
function checkSourceMix(problems: Problems, sources: readonly SourceConfig[]): void {
  const kube = sources.filter((s) => s.kind === 'kubernetes.summary_api').length;
  if (kube > 1)
    problems.add(
      'SOURCES',
      `${kube} Kubernetes sources given; one scrape reads one Kubernetes cluster (cAdvisor sources may be added beside it)`,
      SOURCE_EXAMPLE,
    );
  const seen = new Set<string>();
  for (const source of sources) {
    if (source.kind === 'kubernetes.summary_api') continue;
    for (const origin of hostOrigins(source)) {
      if (seen.has(origin))
        problems.add(
          'SOURCES',
          `two cAdvisor sources with ${origin}: their hosts would be scraped and written twice`,
          EXTERNAL_EXAMPLE,
        );
      seen.add(origin);
    }
  }
}

export { ConfigError };
