import { Firestore } from '@google-cloud/firestore';
import type { ScrapeConfig } from '../../shared/config/scrape-config.js';
import { connect } from '../../shared/kube/connect.js';
import { googleAccessTokenSource } from '../../shared/kube/google-token.js';
import { inventoryCache } from '../../shared/kube/inventory-cache.js';
import type { Logger } from '../../shared/runtime/log.js';
import type { ScrapeDeps } from '../../shared/scrape/run-scrape.js';
import { keptConnections } from '../../shared/scrape/kept-connections.js';
import { buildSinks } from '../../shared/sinks/build-sinks.js';
import { firestoreCounterStore, memoryCounterStore } from '../../shared/state/counter-store.js';

/** Builds what a scrape talks to from the configuration: once per instance, reused across invocations. */
export function buildScrapeDeps(
  config: ScrapeConfig,
  env: Readonly<Record<string, string | undefined>>,
  log: Logger,
): ScrapeDeps {
  const googleAccessToken = googleAccessTokenSource();
  const counters =
    config.state.kind === 'memory'
      ? memoryCounterStore()
      : firestoreCounterStore(
          new Firestore({ databaseId: config.state.database, ignoreUndefinedProperties: true }),
          config.state.root,
        );
  return {
    log,
    now: Date.now,
    // Both kept by the instance between rounds: its connections (sockets, TLS sessions, credentials) and its
    // inventory, which later rounds catch up by watch instead of listing the cluster again.
    connect: keptConnections((source) => connect(source, { env, googleAccessToken })),
    counters,
    sinks: buildSinks(config.sinks, log),
    inventory: inventoryCache(),
  };
}
