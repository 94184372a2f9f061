import { Logging, type Log } from '@google-cloud/logging';
import { grpc } from 'google-gax';
import { isLoopbackHost, splitEndpoint } from '../../config/endpoint.js';
import type { EventLogEntry, EventResource } from './event-to-log-entry.js';
import type { RuntimeTarget } from './runtime.js';
import { entryErrorsOf, GRPC, type EntryError } from './write-errors.js';

/**
 * The one WriteLogEntries call the sink makes, through @google-cloud/logging's Log.write, as plain values:
 * success, or the gRPC code, message and per-entry errors. The client's own retries are off (the sink retries
 * within its deadline and counts what it retried); the monitored resource is always given, so the client
 * never asks the metadata server for one.
 */
export type WriteCall =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: number;
      readonly message: string;
      /** By index into the entries written; the client's own diagnostic entry may add one past the end. */
      readonly entryErrors: ReadonlyMap<number, EntryError>;
    };

export interface GclWriter {
  write(entries: readonly EventLogEntry[], resource: EventResource, timeoutMs: number): Promise<WriteCall>;
  close(): Promise<void>;
}

export interface ClientSettings {
  readonly logId: string;
  readonly endpoint: string | undefined;
}

/**
 * Client options: Google's endpoint with application default credentials, or the configured HOST:PORT; a
 * loopback HOST gets a plain-text channel and placeholder credentials (nothing is signed on plain text, and
 * placeholders keep the auth library from looking for real ones).
 */
export function clientOptions(settings: ClientSettings, project: string): Record<string, unknown> {
  const options: Record<string, unknown> = { projectId: project };
  const endpoint = settings.endpoint === undefined ? undefined : splitEndpoint(settings.endpoint);
  if (endpoint !== undefined) {
    options['apiEndpoint'] = endpoint.host;
    options['port'] = endpoint.port;
    if (isLoopbackHost(endpoint.host)) {
      options['sslCreds'] = grpc.credentials.createInsecure();
      options['credentials'] = { client_email: 'local@localhost.invalid', private_key: 'unused' };
    }
  }
  return options;
}

export function loggingWriter(settings: ClientSettings, target: RuntimeTarget): GclWriter {
  // LoggingOptions is typed with an older google-gax and lacks port and sslCreds, which the client passes on.
  const logging = new Logging(clientOptions(settings, target.project));
  const log: Log = logging.log(settings.logId);
  return {
    async write(entries, resource, timeoutMs) {
      const prepared = entries.map((e) =>
        log.entry(
          {
            resource: { type: e.resource.type, labels: { ...e.resource.labels } },
            timestamp: { seconds: e.timestamp.seconds, nanos: e.timestamp.nanos },
            severity: e.severity,
            insertId: e.insertId,
            labels: { ...e.labels },
          },
          e.jsonPayload,
        ),
      );
      try {
        await log.write(prepared, {
          resource: { type: resource.type, labels: { ...resource.labels } },
          partialSuccess: true,
          gaxOptions: { timeout: timeoutMs, retry: null },
        });
        return { ok: true };
      } catch (err) {
        return failureOf(err);
      }
    },
    async close() {
      const services = logging as unknown as Record<string, { close?: () => Promise<void> } | undefined>;
      await Promise.all(
        ['loggingService', 'configService'].map((k) => services[k]?.close?.().catch(() => undefined)),
      );
    },
  };
}

interface GrpcLikeError {
  code?: unknown;
  details?: unknown;
  message?: unknown;
  metadata?: { get(key: string): unknown[] };
}

/** A rejected call as values; errors without a gRPC code (the client itself failed) count as UNKNOWN. */
export function failureOf(err: unknown): WriteCall {
  const e = (typeof err === 'object' && err !== null ? err : {}) as GrpcLikeError;
  const code = typeof e.code === 'number' ? e.code : GRPC.UNKNOWN;
  const message =
    typeof e.details === 'string' && e.details !== ''
      ? e.details
      : typeof e.message === 'string'
        ? e.message
        : String(err);
  const trailer = typeof e.metadata?.get === 'function' ? e.metadata.get('grpc-status-details-bin') : [];
  const details = trailer.filter((b): b is Uint8Array => b instanceof Uint8Array);
  return { ok: false, code, message, entryErrors: entryErrorsOf(details) };
}
