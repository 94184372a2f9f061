import type { Problems } from '../../config/config-error.js';
import { describeSecret, parseSecretValue, type SecretValue } from '../../config/secret.js';
import type { HeapsterUri } from '../../config/uri.js';
import { readBool, readChoice, readDuration, readInt, rejectUnknownOptions } from '../../config/values.js';

/**
 * `influxdb:http://HOST:8086?...` with Heapster's options (db, user, pw, retention, withfields, cluster_name,
 * concurrency, secure, insecuressl) and the ones 2.x needs (org, bucket, token), plus write tuning.
 *
 * Which write API is used (`api`):
 *   v1    POST /write?db=&rp=default&precision= with Basic credentials: InfluxDB 1.0 to 1.8 (and 2.x with a
 *         DBRP mapping, VictoriaMetrics);
 *   v2    POST /api/v2/write?org=&bucket=&precision= with `Authorization: Token`: InfluxDB 2.x/3.x, and 1.8+ in
 *         its compatibility mode (bucket `db/default`, token `user:password`), VictoriaMetrics;
 *   auto  (default) v2 when org, bucket or token is given; otherwise asks /ping once: an X-Influxdb-Version
 *         of 1.0 to 1.7 means v1, anything else (1.8+, 2.x, 3.x, none) v2.
 * With v1, and with v2 on a 1.x server, the database and its retention policy `default` are created on first
 * use (like Heapster); 2.x buckets must exist.
 */
export const INFLUXDB_APIS = ['auto', 'v1', 'v2'] as const;
export type InfluxdbApi = (typeof INFLUXDB_APIS)[number];

export interface InfluxdbSinkConfig {
  readonly kind: 'influxdb';
  /** Base URL, scheme and host (and a path prefix if any), without credentials or query. */
  readonly url: string;
  readonly api: InfluxdbApi;
  readonly db: string;
  /** InfluxQL duration of the `default` retention policy created with the database; INF when not given. */
  readonly retention: string | undefined;
  readonly user: string | undefined;
  readonly password: SecretValue | undefined;
  readonly org: string;
  /** The v2 bucket; `db/default` when not given. */
  readonly bucket: string | undefined;
  readonly token: SecretValue | undefined;
  readonly withFields: boolean;
  /** cluster_name tag; the entities' own cluster_name (CLUSTER_NAME) when not given. */
  readonly clusterName: string | undefined;
  readonly concurrency: number;
  readonly insecureSsl: boolean;
  /** Lines per request and bytes per request (before gzip). */
  readonly batchLines: number;
  readonly batchBytes: number;
  readonly gzip: boolean;
  /** Per request. */
  readonly timeoutMs: number;
  /** Attempts per request for retryable failures (429, 5xx, network, timeout), within the run's deadline. */
  readonly attempts: number;
  /** The sink for reports and logs: its URI with credentials masked. */
  readonly name: string;
}

export const INFLUXDB_EXAMPLE = 'influxdb:http://monitoring-influxdb:8086?db=k8s&withfields=false';
export const RETENTION_POLICY = 'default';

const KNOWN = [
  'db',
  'user',
  'pw',
  'retention',
  'withfields',
  'cluster_name',
  'concurrency',
  'secure',
  'insecuressl',
  'org',
  'bucket',
  'token',
  'api',
  'batchlines',
  'batchbytes',
  'gzip',
  'timeout',
  'attempts',
] as const;

const INFLUX_DURATION = /^(INF|0|(\d+(ns|u|µ|ms|s|m|h|d|w))+)$/;

export function parseInfluxdbSink(
  problems: Problems,
  variable: string,
  uri: HeapsterUri,
): InfluxdbSinkConfig | undefined {
  const o = uri.options;
  const at = (option: string): string => `${variable} (influxdb option ${option})`;
  rejectUnknownOptions(problems, variable, maskText(uri), o, KNOWN);
  const secure = readBool(problems, at('secure'), o.get('secure'), false);
  const url = parseBaseUrl(problems, variable, uri.url, secure);
  const retention = o.get('retention')?.trim() || undefined;
  if (retention !== undefined && !INFLUX_DURATION.test(retention))
    problems.add(at('retention'), `"${retention}" is not an InfluxQL duration`, 'retention=30d');
  const db = o.get('db')?.trim() || 'k8s';
  const clusterName = o.get('cluster_name')?.trim() || undefined;
  const config: InfluxdbSinkConfig = {
    kind: 'influxdb',
    url: url ?? 'http://localhost:8086',
    api: readChoice(problems, at('api'), o.get('api'), INFLUXDB_APIS, 'auto'),
    db,
    retention: retention === '0' ? 'INF' : retention,
    user: o.get('user') || undefined,
    password: parseSecretValue(problems, at('pw'), o.get('pw') || undefined),
    org: o.get('org') ?? '',
    bucket: o.get('bucket') || undefined,
    token: parseSecretValue(problems, at('token'), o.get('token') || undefined),
    withFields: readBool(problems, at('withfields'), o.get('withfields'), false),
    clusterName,
    concurrency: readInt(problems, at('concurrency'), o.get('concurrency'), 1, { min: 1, max: 64 }),
    insecureSsl: readBool(problems, at('insecuressl'), o.get('insecuressl'), false),
    batchLines: readInt(problems, at('batchlines'), o.get('batchlines'), 5000, { min: 1, max: 1_000_000 }),
    batchBytes: readInt(problems, at('batchbytes'), o.get('batchbytes'), 4 * 1024 * 1024, {
      min: 1024,
      max: 64 * 1024 * 1024,
    }),
    gzip: readBool(problems, at('gzip'), o.get('gzip'), true),
    timeoutMs: readDuration(problems, at('timeout'), o.get('timeout'), 10_000, {
      minMs: 100,
      maxMs: 600_000,
    }),
    attempts: readInt(problems, at('attempts'), o.get('attempts'), 8, { min: 1, max: 100 }),
    name: maskText(uri),
  };
  return config;
}

function parseBaseUrl(
  problems: Problems,
  variable: string,
  raw: string | undefined,
  secure: boolean,
): string | undefined {
  if (raw === undefined) return secure ? 'https://localhost:8086' : undefined;
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `${secure ? 'https' : 'http'}://${raw}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.add(variable, `"${raw}" is not a URL`, INFLUXDB_EXAMPLE);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.add(variable, `the InfluxDB URL must be http or https, not ${url.protocol}`, INFLUXDB_EXAMPLE);
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    problems.add(
      variable,
      'credentials in the InfluxDB URL would be logged: give them as user= and pw=secret:NAME',
      'influxdb:http://influxdb:8086?user=heapster&pw=secret:INFLUXDB_PASSWORD',
    );
    return undefined;
  }
  if (secure && url.protocol === 'http:') url.protocol = 'https:';
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** The URI as written, with inline credentials masked (references stay: they are not secret). */
function maskText(uri: HeapsterUri): string {
  const params: string[] = [];
  for (const [key, value] of uri.options) {
    const masked =
      key === 'pw' || key === 'token'
        ? describeSecret(
            value.startsWith('secret:')
              ? { kind: 'reference', name: value.slice(7) }
              : { kind: 'inline', value },
          )
        : value;
    params.push(`${key}=${masked}`);
  }
  let base = uri.url ?? '';
  try {
    const parsed = new URL(base);
    if (parsed.username !== '' || parsed.password !== '') {
      parsed.username = '';
      parsed.password = '';
      base = parsed.toString().replace(/\/$/, '');
    }
  } catch {
    // not a URL: reported by parseBaseUrl, shown as written
  }
  return `${uri.prefix}${base === '' ? '' : `:${base}`}${params.length > 0 ? `?${params.join('&')}` : ''}`;
}
