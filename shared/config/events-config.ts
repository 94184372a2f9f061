import { Problems } from './config-error.js';
import { KUBE_ACCESS_OPTIONS, parseKubeAccess } from './kube-access.js';
import type { KubeAccess } from './source-uri.js';
import { parseHeapsterUri, splitUriList } from './uri.js';
import {
  readChoice,
  readClusterName,
  readDuration,
  readInt,
  rejectUnknownOptions,
  uriOption,
} from './values.js';
import { EVENT_APIS, type EventApi } from '../kube/event-stream.js';
import { SEVERITIES, type Severity } from '../runtime/log.js';
import type { Env } from './scrape-config.js';
import { parseGclSink, type GclSinkConfig } from '../sinks/gcl/config.js';
import { parseInfluxdbSink, type InfluxdbSinkConfig } from '../sinks/influxdb/config.js';

/** Where events come from: Heapster's `kubernetes:` source with the event API and selectors to watch. */
export interface EventSource extends KubeAccess {
  readonly kind: 'kubernetes';
  readonly api: EventApi;
  readonly namespace: string | undefined;
  readonly fieldSelector: string | undefined;
  readonly labelSelector: string | undefined;
}

export type EventSinkConfig =
  { readonly kind: 'log' } | ({ readonly kind: 'gcl' } & GclSinkConfig) | InfluxdbSinkConfig;

export interface EventsConfig {
  readonly source: EventSource;
  readonly sinks: readonly EventSinkConfig[];
  readonly clusterName: string;
  readonly port: number;
  readonly state:
    | { readonly kind: 'firestore'; readonly database: string; readonly root: string }
    | { readonly kind: 'memory' };
  readonly leaseTtlMs: number;
  readonly watchTimeoutSeconds: number;
  readonly logLevel: Severity;
}

export const EVENT_SOURCE_EXAMPLE = 'kubernetes:https://kubernetes.default?api=events.k8s.io/v1';
export const EVENT_SINK_EXAMPLE = 'log';

export function parseEventsConfig(env: Env): EventsConfig {
  const problems = new Problems();
  const uri = parseHeapsterUri(env['SOURCE'] ?? 'kubernetes:');
  if (uri.prefix !== 'kubernetes')
    problems.add(
      'SOURCE',
      `unknown event source "${uri.prefix}"; the event source is kubernetes`,
      EVENT_SOURCE_EXAMPLE,
    );
  rejectUnknownOptions(problems, 'SOURCE', uri.text, uri.options, [
    ...KUBE_ACCESS_OPTIONS,
    'api',
    'namespace',
    'fieldSelector',
    'labelSelector',
  ]);
  const source: EventSource = {
    kind: 'kubernetes',
    ...parseKubeAccess(problems, 'SOURCE', uri, EVENT_SOURCE_EXAMPLE),
    api: readChoice(problems, uriOption('SOURCE', uri, 'api'), uri.options.get('api'), EVENT_APIS, 'core/v1'),
    namespace: uri.options.get('namespace') || undefined,
    fieldSelector: uri.options.get('fieldSelector') || undefined,
    labelSelector: uri.options.get('labelSelector') || undefined,
  };

  const sinksText = env['SINKS'] ?? '';
  const sinks: EventSinkConfig[] = [];
  for (const text of splitUriList(sinksText)) {
    const sink = parseHeapsterUri(text);
    if (sink.prefix === 'log') {
      rejectUnknownOptions(problems, 'SINKS', sink.text, sink.options, []);
      sinks.push({ kind: 'log' });
    } else if (sink.prefix === 'gcl') {
      sinks.push({ kind: 'gcl', ...parseGclSink(problems, 'SINKS', sink) });
    } else if (sink.prefix === 'influxdb') {
      const influx = parseInfluxdbSink(problems, 'SINKS', sink);
      if (influx !== undefined) sinks.push(influx);
    } else {
      problems.add(
        'SINKS',
        `unknown event sink "${sink.prefix}" in "${text}"; known event sinks: log, gcl, influxdb`,
        EVENT_SINK_EXAMPLE,
      );
    }
  }
  if (splitUriList(sinksText).length === 0)
    problems.add('SINKS', 'no sink given: events would go nowhere', EVENT_SINK_EXAMPLE);

  const clusterName = readClusterName(problems, env['CLUSTER_NAME']);
  const stateKind = readChoice(
    problems,
    'STATE_STORE',
    env['STATE_STORE'],
    ['firestore', 'memory'] as const,
    'firestore',
  );
  return problems.result({
    source,
    sinks,
    clusterName,
    port: readInt(problems, 'PORT', env['PORT'], 8080, { min: 0, max: 65535 }),
    state:
      stateKind === 'memory'
        ? { kind: 'memory' }
        : {
            kind: 'firestore',
            database: env['FIRESTORE_DATABASE'] || '(default)',
            root: `heapster/${clusterName}`,
          },
    leaseTtlMs: readDuration(problems, 'LEASE_TTL', env['LEASE_TTL'], 15_000, {
      minMs: 3_000,
      maxMs: 300_000,
    }),
    watchTimeoutSeconds: Math.round(
      readDuration(problems, 'WATCH_TIMEOUT', env['WATCH_TIMEOUT'], 290_000, {
        minMs: 10_000,
        maxMs: 3_600_000,
      }) / 1000,
    ),
    logLevel: readChoice(problems, 'LOG_LEVEL', env['LOG_LEVEL'], SEVERITIES, 'INFO'),
  });
}
