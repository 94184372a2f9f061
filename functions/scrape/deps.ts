import { Firestore } from '@google-cloud/firestore';
import type { ScrapeConfig } from '../../shared/config/scrape-config.js';
import { connect } from '../../shared/kube/connect.js';
import { googleAccessTokenSource } from '../../shared/kube/google-token.js';
import { inventoryCache } from '../../shared/kube/inventory-cache.js';
import { EntityCatalog } from '../../shared/metrics/entity-catalog.js';
import type { Logger } from '../../shared/runtime/log.js';
import type { ScrapeDeps } from '../../shared/scrape/run-scrape.js';
import { keptConnections } from '../../shared/scrape/kept-connections.js';
import { buildSinks } from '../../shared/sinks/build-sinks.js';
import { pubsubOptions, pubsubPublisher, type ShardPublisher } from '../../shared/scrape/shard/publisher.js';
import { firestoreCounterStore, memoryCounterStore } from '../../shared/state/counter-store.js';
import { firestoreRoundStore, type RoundStore } from '../../shared/state/round-store.js';

/** Builds what a scrape talks to from the configuration: once per instance, reused across invocations. */
export function buildScrapeDeps(
  config: ScrapeConfig,
  env: Readonly<Record<string, string | undefined>>,
  log: Logger,
  db: Firestore | undefined = stateDatabase(config),
): ScrapeDeps {
  const googleAccessToken = googleAccessTokenSource();
  const counters =
    config.state.kind === 'memory' || db === undefined
      ? memoryCounterStore()
      : firestoreCounterStore(db, config.state.root);
  return {
    log,
    now: Date.now,
    // Kept by the instance between rounds: its connections (sockets, TLS sessions, credentials), its
    // inventory, which later rounds catch up by watch instead of listing the cluster again, and the nodes'
    // entities, which later rounds reuse instead of making them again.
    connect: keptConnections((source) => connect(source, { env, googleAccessToken })),
    counters,
    sinks: buildSinks(config.sinks, log),
    inventory: inventoryCache(),
    entities: new EntityCatalog(),
  };
}

/** The Firestore client of the configured state database; none when state is kept in memory. */
export function stateDatabase(config: ScrapeConfig): Firestore | undefined {
  return config.state.kind === 'firestore'
    ? new Firestore({ databaseId: config.state.database, ignoreUndefinedProperties: true })
    : undefined;
}

/** What a sharded round needs besides a scrape's deps: the round records and the topic of the shards. */
export interface ShardingDeps {
  readonly rounds: RoundStore;
  readonly publisher: ShardPublisher;
}

export function buildShardingDeps(
  config: ScrapeConfig,
  env: Readonly<Record<string, string | undefined>>,
  db: Firestore | undefined,
): ShardingDeps | undefined {
  const { sharding } = config;
  if (sharding.kind === 'off' || config.state.kind !== 'firestore' || db === undefined) return undefined;
  return {
    rounds: firestoreRoundStore(db, config.state.root),
    publisher: pubsubPublisher(sharding.topic, pubsubOptions(sharding.project, env)),
  };
}
