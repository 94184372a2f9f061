import { InfluxDB, type Transport } from '@influxdata/influxdb-client';
import { processSecrets, resolveSecret, type SecretSource } from '../../config/secret.js';
import type { Logger } from '../../runtime/log.js';
import { withRetries } from '../../runtime/retry.js';
import type { WriteReport } from '../sink.js';
import { RETENTION_POLICY, type InfluxdbSinkConfig } from './config.js';
import type { EncodedLines } from './encode-metrics.js';
import {
  influxQuery,
  ping,
  postLines,
  RETRYABLE,
  type PostOutcome,
  type Precision,
  type RequestOptions,
  type WriteTarget,
} from './http.js';
import { DEFAULT_BACKOFF, sendLines, type Backoff } from './send-lines.js';

/**
 * One configured InfluxDB server, shared by the metric sink and the event writer: credentials resolved at
 * start (a missing secret fails the configuration, not every round), the write API chosen on first use
 * (config.ts), the database and retention policy `default` created on first use where the server is 1.x.
 */
export interface InfluxdbConnection {
  readonly name: string;
  /** Writes encoded lines and reports on them; never throws. */
  write(encoded: EncodedLines, precision: Precision, signal: AbortSignal): Promise<InfluxdbWriteReport>;
}

/**
 * A write's report, with `error` whenever some points could not be written now (`unsent` of them: the server
 * was unreachable, failing, or the deadline came); points the server refused for good are only `rejected`.
 */
export interface InfluxdbWriteReport extends WriteReport {
  readonly unsent: number;
}

export interface InfluxdbDeps {
  readonly log: Logger;
  readonly secrets?: SecretSource;
  /** Retry waits, for tests. */
  readonly backoff?: Backoff;
}

interface Resolved {
  readonly target: WriteTarget;
  /** The server is 1.x: it has databases and retention policies to create. */
  readonly hasDatabases: boolean;
}

const GZIP_THRESHOLD = 1000;

export function influxdbConnection(config: InfluxdbSinkConfig, deps: InfluxdbDeps): InfluxdbConnection {
  const secrets = deps.secrets ?? processSecrets;
  const password = config.password === undefined ? '' : resolveSecret(config.password, secrets);
  const token = config.token === undefined ? undefined : resolveSecret(config.token, secrets);
  const basic =
    config.user === undefined
      ? undefined
      : `Basic ${Buffer.from(`${config.user}:${password}`).toString('base64')}`;
  // 1.8's v2 compatibility takes `user:password` as the token.
  const v2Token = token ?? (config.user === undefined ? undefined : `${config.user}:${password}`);
  const transport: Transport = new InfluxDB({
    url: config.url,
    ...(v2Token !== undefined ? { token: v2Token } : {}),
    // The socket timeout backs up the per-request deadline in http.ts, which fires first.
    timeout: config.timeoutMs + 1000,
    ...(config.insecureSsl ? { transportOptions: { rejectUnauthorized: false } } : {}),
  }).transport;
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const log = deps.log.child({ sink: config.name });
  let resolved: Resolved | undefined;
  let databaseReady = false;

  const requestOptions = (signal: AbortSignal): RequestOptions => ({
    signal,
    timeoutMs: config.timeoutMs,
    gzipThreshold: config.gzip ? GZIP_THRESHOLD : undefined,
  });

  const v1Target = (): WriteTarget => ({
    api: 'v1',
    db: config.db,
    rp: RETENTION_POLICY,
    authorization: basic,
  });
  const v2Target = (): WriteTarget => ({
    api: 'v2',
    org: config.org,
    bucket: config.bucket ?? `${config.db}/${RETENTION_POLICY}`,
  });

  /** Picks the write API; asks /ping (with retries) only in auto mode without v2 options. */
  const resolve = async (signal: AbortSignal): Promise<PostOutcome> => {
    if (resolved !== undefined) return { ok: true };
    const v2Options = config.token !== undefined || config.bucket !== undefined || config.org !== '';
    if (config.api === 'v1') resolved = { target: v1Target(), hasDatabases: true };
    else if (config.api === 'v2' || v2Options) resolved = { target: v2Target(), hasDatabases: false };
    else {
      let version: string | undefined;
      let last: PostOutcome = { ok: false, failure: 'deadline', message: 'not asked' };
      try {
        await withRetries(
          {
            maxAttempts: config.attempts,
            initialDelayMs: backoff.initialDelayMs,
            maxDelayMs: backoff.maxDelayMs,
            deadline: Number.POSITIVE_INFINITY,
            signal,
            ...(backoff.sleep ? { sleep: backoff.sleep } : {}),
            ...(backoff.random ? { random: backoff.random } : {}),
          },
          async () => {
            const answer = await ping(transport, requestOptions(signal));
            last = answer.outcome;
            version = answer.version;
            if (last.ok) return { outcome: 'success', value: undefined };
            const error = new Error(last.message);
            return RETRYABLE.has(last.failure)
              ? { outcome: 'retryable', error }
              : { outcome: 'failure', error };
          },
        );
      } catch {
        last = { ok: false, failure: 'deadline', message: 'stopped waiting for /ping to answer' };
      }
      if (!last.ok) return last;
      resolved =
        apiForVersion(version) === 'v1'
          ? { target: v1Target(), hasDatabases: true }
          : { target: v2Target(), hasDatabases: version !== undefined && /^v?1\./.test(version) };
      log.info('influxdb sink: server detected', { version: version ?? 'unknown', api: resolved.target.api });
    }
    return { ok: true };
  };

  /** CREATE DATABASE and the retention policy `default`, as Heapster did; false when it could not. */
  const createDatabase = async (signal: AbortSignal): Promise<boolean> => {
    const db = identifier(config.db);
    const rp = identifier(RETENTION_POLICY);
    const duration = config.retention ?? 'INF';
    const created = await influxQuery(
      transport,
      `CREATE DATABASE ${db}; CREATE RETENTION POLICY ${rp} ON ${db} DURATION ${duration} REPLICATION 1 DEFAULT`,
      basic,
      requestOptions(signal),
    );
    if (!created.outcome.ok) {
      log.warn('influxdb sink: could not create the database', {
        db: config.db,
        error: created.outcome.message,
      });
      return false;
    }
    const [dbError, rpError] = created.errors;
    if (dbError !== undefined) {
      log.warn('influxdb sink: could not create the database', { db: config.db, error: dbError });
      return false;
    }
    if (rpError !== undefined && /already exists/.test(rpError) && config.retention !== undefined) {
      const altered = await influxQuery(
        transport,
        `ALTER RETENTION POLICY ${rp} ON ${db} DURATION ${duration} DEFAULT`,
        basic,
        requestOptions(signal),
      );
      const error = altered.outcome.ok ? altered.errors[0] : altered.outcome.message;
      if (error !== undefined)
        log.warn('influxdb sink: could not set the retention', { db: config.db, error });
    } else if (rpError !== undefined && !/already exists/.test(rpError)) {
      log.warn('influxdb sink: could not create the retention policy', { db: config.db, error: rpError });
      return false;
    }
    return true;
  };

  return {
    name: config.name,
    async write(encoded, precision, signal) {
      const total = encoded.points.reduce((a, b) => a + b, 0);
      const rejectedByEncoding = { ...encoded.rejected };
      if (total === 0)
        return { sink: config.name, written: 0, rejected: rejectedByEncoding, retried: 0, unsent: 0 };
      const ready = await resolve(signal);
      if (!ready.ok) {
        log.warn('influxdb sink: server not reachable', { error: ready.message });
        return {
          sink: config.name,
          written: 0,
          rejected: { ...rejectedByEncoding, [ready.failure]: total },
          retried: 0,
          unsent: total,
          error: ready.message,
        };
      }
      const { target, hasDatabases } = resolved as Resolved;
      if (hasDatabases && !databaseReady) databaseReady = await createDatabase(signal);
      const result = await sendLines(encoded.lines, encoded.points, {
        batchLines: config.batchLines,
        batchBytes: config.batchBytes,
        concurrency: config.concurrency,
        attempts: config.attempts,
        signal,
        backoff,
        post: (lines) => postLines(transport, config.url, target, lines, precision, requestOptions(signal)),
        ...(hasDatabases ? { createDatabase: () => createDatabase(signal) } : {}),
      });
      const rejected = { ...rejectedByEncoding };
      for (const [reason, n] of Object.entries(result.rejected))
        rejected[reason] = (rejected[reason] ?? 0) + n;
      if (Object.keys(result.rejected).length > 0)
        log.warn('influxdb sink: points not written', {
          written: result.written,
          rejected: result.rejected,
          retried: result.retried,
          errors: result.messages,
          ...(result.badLines.length > 0 ? { badLines: result.badLines } : {}),
        });
      return {
        sink: config.name,
        written: result.written,
        rejected,
        retried: result.retried,
        unsent: result.unsent,
        ...(result.unsent > 0 ? { error: result.messages[0] ?? 'not everything was written' } : {}),
      };
    },
  };
}

/** The API for a /ping version: 1.0 to 1.7 have only /write; 1.8+, 2.x, 3.x and unknown servers take v2. */
export function apiForVersion(version: string | undefined): 'v1' | 'v2' {
  const match = /^v?(\d+)\.(\d+)/.exec(version ?? '');
  if (match === null) return 'v2';
  const [major, minor] = [Number(match[1]), Number(match[2])];
  return major === 1 && minor < 8 ? 'v1' : 'v2';
}

/** An InfluxQL identifier, double-quoted. */
function identifier(name: string): string {
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
