import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { Firestore } from '@google-cloud/firestore';
import type { EventsConfig, EventSinkConfig } from '../../shared/config/events-config.js';
import { preloadAccess } from '../../shared/kube/api-access.js';
import { connect, type KubeConnection } from '../../shared/kube/connect.js';
import { googleAccessTokenSource } from '../../shared/kube/google-token.js';
import { eventStream } from '../../shared/kube/event-stream.js';
import { EventWatcher } from '../../shared/events/watcher.js';
import type { Logger } from '../../shared/runtime/log.js';
import { gclEventSink } from '../../shared/sinks/gcl/gcl-sink.js';
import { influxdbEventSink } from '../../shared/sinks/influxdb/influxdb-sink.js';
import { logEventSink } from '../../shared/sinks/log/log-event-sink.js';
import type { EventSink } from '../../shared/sinks/sink.js';
import { firestoreCheckpointStore, memoryCheckpointStore } from '../../shared/state/checkpoint-store.js';
import { firestoreLeaseStore, memoryLeaseStore } from '../../shared/state/lease-store.js';

/**
 * The events service: the watcher plus the HTTP endpoints Cloud Run probes. /healthz answers 200 while the
 * watch loop is alive and has seen an event, a bookmark or a lease check recently; /readyz once it is serving.
 */
export interface EventsService {
  readonly watcher: EventWatcher;
  readonly port: number;
  /** Stops the watch, flushes the sinks, checkpoints and releases the lease. */
  stop(): Promise<void>;
}

export interface ServiceDeps {
  readonly log: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where to listen; Cloud Run wants every interface, tests want loopback. */
  readonly host?: string;
  readonly now?: () => number;
}

export function buildEventSinks(
  configs: readonly EventSinkConfig[],
  deps: { clusterName: string; env: Readonly<Record<string, string | undefined>>; log: Logger },
): EventSink[] {
  return configs.map((config) => {
    switch (config.kind) {
      case 'log':
        return logEventSink();
      case 'gcl':
        return gclEventSink(config, deps);
      case 'influxdb':
        return influxdbEventSink(config, { log: deps.log });
    }
  });
}

export async function startEventsService(config: EventsConfig, deps: ServiceDeps): Promise<EventsService> {
  const now = deps.now ?? Date.now;
  // Before the probes answer, as a static import would: a new instance is ready to watch once it says so.
  await preloadAccess(config.source, deps.env);
  const holder = `${deps.env['K_REVISION'] ?? hostname()}-${randomBytes(3).toString('hex')}`;
  const log = deps.log.child({ component: 'events', holder });
  const db =
    config.state.kind === 'firestore'
      ? new Firestore({ databaseId: config.state.database, ignoreUndefinedProperties: true })
      : undefined;
  const leaseOptions = { ttlMs: config.leaseTtlMs, marginMs: Math.min(5_000, config.leaseTtlMs / 3), now };
  const lease =
    db && config.state.kind === 'firestore'
      ? firestoreLeaseStore(db, `${config.state.root}/leases/events`, leaseOptions)
      : memoryLeaseStore(leaseOptions);
  const checkpoints =
    db && config.state.kind === 'firestore'
      ? firestoreCheckpointStore(db, `${config.state.root}/event-checkpoints`, {
          horizonMs: 75 * 60_000,
          now,
        })
      : memoryCheckpointStore();
  const sinks = buildEventSinks(config.sinks, { clusterName: config.clusterName, env: deps.env, log });
  let conn: { connection: KubeConnection; since: number } | undefined;
  const googleAccessToken = googleAccessTokenSource();
  // Credentials can expire (GKE access tokens last an hour): a connection is renewed after half an hour.
  const connection = async (): Promise<KubeConnection> => {
    if (conn === undefined || now() - conn.since > 30 * 60_000) {
      conn?.connection.close();
      conn = { connection: await connect(config.source, { env: deps.env, googleAccessToken }), since: now() };
    }
    return conn.connection;
  };
  const watcher = new EventWatcher(
    {
      log,
      now,
      holder,
      sinks,
      checkpoints,
      lease,
      stream: async function* (from, signal) {
        yield* eventStream(
          connection,
          {
            api: config.source.api,
            ...(config.source.namespace ? { namespace: config.source.namespace } : {}),
            ...(config.source.fieldSelector ? { fieldSelector: config.source.fieldSelector } : {}),
            ...(config.source.labelSelector ? { labelSelector: config.source.labelSelector } : {}),
            pageSize: 500,
            watchTimeoutSeconds: config.watchTimeoutSeconds,
            idleTimeoutMs: (config.watchTimeoutSeconds + 30) * 1000,
            listTimeoutMs: 60_000,
            backoff: { initialMs: 500, maxMs: 30_000 },
          },
          from,
          signal,
        );
      },
    },
    {
      batchSize: 500,
      flushDelayMs: 1_000,
      checkpointIntervalMs: 1_000,
      leaseRenewMs: Math.max(1_000, config.leaseTtlMs / 3),
      progressIntervalMs: 60_000,
      retry: { initialMs: 500, maxMs: 30_000 },
    },
  );

  const stopping = new AbortController();
  const running = watcher
    .run(stopping.signal)
    .catch((err: Error) => log.error('events: watcher stopped unexpectedly', { error: err.message }));
  const healthyWithinMs = (config.watchTimeoutSeconds + 60) * 1000;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const alive = watcher.phase !== 'stopped' && now() - watcher.lastActivity < healthyWithinMs;
    const body = JSON.stringify({
      phase: watcher.phase,
      lastActivity: new Date(watcher.lastActivity).toISOString(),
      stats: watcher.stats,
    });
    const status =
      path === '/healthz'
        ? alive || watcher.phase === 'starting'
          ? 200
          : 503
        : path === '/readyz'
          ? watcher.phase === 'watching' || watcher.phase === 'standby'
            ? 200
            : 503
          : 404;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(status === 404 ? JSON.stringify({ error: 'not found' }) : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, deps.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  log.info('events: service listening', { port });

  return {
    watcher,
    port,
    stop: async () => {
      stopping.abort(new Error('stopping'));
      await running;
      await Promise.all(sinks.map((s) => s.close().catch(() => undefined)));
      conn?.connection.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (db) await db.terminate();
      log.info('events: stopped', { stats: watcher.stats });
    },
  };
}
