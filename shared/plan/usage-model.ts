import type { SinkConfig } from '../config/sink-uri.js';
import { PRICES } from './prices.js';
import { planSeries, type ClusterShape, type SeriesPlan } from './series-model.js';

/**
 * What a deployment uses in a month: the gcm sink's points, the scrape function's time and invocations,
 * Pub/Sub and Firestore operations, the events service's instance and the logs. Prices are applied apart
 * (cost-model.ts), so this part can be checked against the product's own counts.
 */

/** Google's pricing calculator month: 730 hours. */
const MONTH_SECONDS = 730 * 3600;
export const DAYS_PER_MONTH = 730 / 24;
/** Cloud Scheduler runs at most once a minute: faster resolutions run several rounds per invocation. */
export const SCHEDULER_MIN_MS = 60_000;
/** Cloud Run bills request time rounded up to the next 100 ms. */
const BILLING_STEP_MS = 100;

/**
 * CPU time per unit of work, from the scrape and gcm benchmarks (npm run bench -- scrape, gcm) on a 2-core
 * test machine, the scraper with the heap Node gives it in the default 1 GiB instance, averaged over warm rounds
 * (a warm instance's full collections included); a Cloud Run vCPU may be slower or faster.
 */
export interface TimingModel {
  readonly cpuMsPerNode: number;
  readonly cpuMsPerThousandPoints: number;
  /** Per invocation: listing the cluster, Firestore load and save, waiting for the last writes. */
  readonly overheadMsPerInvocation: number;
}

export const DEFAULT_TIMING: TimingModel = {
  cpuMsPerNode: 1.1,
  cpuMsPerThousandPoints: 5.5,
  overheadMsPerInvocation: 1_000,
};

export interface EventsModel {
  /** Kubernetes events (new or repeated) per node per hour. */
  readonly perNodeHour: number;
  /** One event's Cloud Logging entry. */
  readonly bytesPerEntry: number;
  readonly vcpu: number;
  readonly memoryGiB: number;
  /** The lease is renewed in a Firestore transaction this often (LEASE_TTL / 3). */
  readonly leaseRenewMs: number;
}

export const DEFAULT_EVENTS: EventsModel = {
  perNodeHour: 10,
  bytesPerEntry: 1_200,
  vcpu: 1,
  memoryGiB: 0.5,
  leaseRenewMs: 5_000,
};

export interface PlanInputs {
  readonly shape: ClusterShape;
  readonly resolutionMs: number;
  readonly sinks: readonly SinkConfig[];
  /**
   * With sharding on, a cluster of more nodes is scraped in ceil(nodes / shardSize) shards fanned out over
   * Pub/Sub; undefined when sharding is off (the infra's default), and one invocation scrapes every node.
   */
  readonly shardSize: number | undefined;
  /** The scrape function's timeout: a round's work must end within it. */
  readonly functionTimeoutMs: number;
  readonly scrape: { readonly vcpu: number; readonly memoryGiB: number };
  readonly timing: TimingModel;
  /** The events service, or undefined when it is not deployed. */
  readonly events: EventsModel | undefined;
  /**
   * The Firestore database: only the one named (default) has the daily free quota; the infra creates one
   * named "heapster".
   */
  readonly firestoreDatabase: string;
  /** Counter state kept in Firestore per entity (node, pod, container): about 30 bytes, measured. */
  readonly counterBytesPerEntity: number;
  /** Log bytes an invocation leaves: its report line and Cloud Run's request log. */
  readonly logBytesPerInvocation: number;
}

export interface MonthlyUsage {
  readonly roundsPerMonth: number;
  readonly series: SeriesPlan;
  readonly gcmPointsPerRound: number;
  readonly gcmMiB: number;
  readonly shards: number;
  /** Estimated time of one round's work (all shards together), from the timing model. */
  readonly workMsPerRound: number;
  readonly function: {
    readonly vcpuSeconds: number;
    readonly gibSeconds: number;
    readonly invocations: number;
  };
  readonly pubsubBytes: number;
  readonly firestoreScrape: FirestoreOps;
  readonly events:
    | {
        readonly vcpuSeconds: number;
        readonly gibSeconds: number;
        readonly occurrences: number;
        readonly firestore: FirestoreOps;
      }
    | undefined;
  readonly loggingBytes: number;
}

export interface FirestoreOps {
  readonly reads: number;
  readonly writes: number;
}

/** Firestore's document limit, less the counter store's margin (counter-store.ts). */
const COUNTER_DOCUMENT_BYTES = 900 * 1024;
/** A shard's Pub/Sub message: its node names (about 40 bytes each in JSON) and the round's fields. */
const MESSAGE_BASE_BYTES = 200;
const MESSAGE_BYTES_PER_NODE = 40;

export function planUsage(inputs: PlanInputs): MonthlyUsage {
  const { shape, timing, resolutionMs } = inputs;
  const roundsPerMonth = (MONTH_SECONDS * 1000) / resolutionMs;
  const tickMs = Math.max(resolutionMs, SCHEDULER_MIN_MS);
  const ticks = (MONTH_SECONDS * 1000) / tickMs;
  const roundsPerTick = tickMs / resolutionMs;

  const series = sumSeries(inputs.sinks.flatMap((s) => (s.kind === 'gcm' ? [planSeries(shape, s)] : [])));
  const points = series.seriesPerRound;
  const gcmMiB = (points * roundsPerMonth * PRICES.monitoring.bytesPerPoint) / 2 ** 20;

  const { shardSize } = inputs;
  const shards = shardSize !== undefined && shape.nodes > shardSize ? Math.ceil(shape.nodes / shardSize) : 1;
  const workMs = shape.nodes * timing.cpuMsPerNode + (points / 1000) * timing.cpuMsPerThousandPoints;
  // The scheduled invocation stays in its request from its first round to the end of its last.
  const waitMs = (roundsPerTick - 1) * Math.max(resolutionMs, workMs);
  // A shard's invocation: its share of the work; the shards of a round run side by side.
  const shardMs = timing.overheadMsPerInvocation + workMs / shards;
  let billedMsPerTick: number;
  let invocationsPerTick: number;
  if (shards === 1) {
    billedMsPerTick = billed(timing.overheadMsPerInvocation + waitMs + workMs);
    invocationsPerTick = 1;
  } else {
    // The coordinator publishes the shards and waits for their totals, round after round.
    const coordinator = billed(
      timing.overheadMsPerInvocation + (roundsPerTick - 1) * Math.max(resolutionMs, shardMs) + shardMs,
    );
    billedMsPerTick = coordinator + roundsPerTick * shards * billed(shardMs);
    invocationsPerTick = 1 + roundsPerTick * shards;
  }
  const billedSeconds = (ticks * billedMsPerTick) / 1000;
  const invocations = ticks * invocationsPerTick;

  const nodesPerShard = Math.ceil(shape.nodes / shards);
  const messageBytes = MESSAGE_BASE_BYTES + nodesPerShard * MESSAGE_BYTES_PER_NODE;
  // Each message is billed twice, published and pushed; a push carries one message, at least the minimum.
  const pubsubBytes =
    shards === 1 ? 0 : roundsPerMonth * shards * 2 * Math.max(PRICES.pubsub.minBytesPerRequest, messageBytes);

  const entitiesPerNode =
    1 + shape.systemContainersPerNode + shape.podsPerNode * (1 + shape.containersPerPod);
  const documents = Math.max(
    1,
    Math.ceil((nodesPerShard * entitiesPerNode * inputs.counterBytesPerEntity) / COUNTER_DOCUMENT_BYTES),
  );
  // Per shard and round: the load query and the save's query of existing parts read each document, the
  // save writes each.
  const counters: FirestoreOps = { reads: shards * 2 * documents, writes: shards * documents };
  const perRound = shards === 1 ? counters : add(counters, roundRecordOps(shards, shardMs));
  const firestoreScrape = {
    reads: perRound.reads * roundsPerMonth,
    writes: perRound.writes * roundsPerMonth,
  };

  const events = inputs.events === undefined ? undefined : eventsUsage(inputs.events, shape);
  const loggingBytes =
    invocations * inputs.logBytesPerInvocation +
    (events === undefined ? 0 : events.occurrences * (inputs.events as EventsModel).bytesPerEntry);

  return {
    roundsPerMonth,
    series,
    gcmPointsPerRound: points,
    gcmMiB,
    shards,
    workMsPerRound: workMs,
    function: {
      vcpuSeconds: billedSeconds * inputs.scrape.vcpu,
      gibSeconds: billedSeconds * inputs.scrape.memoryGiB,
      invocations,
    },
    pubsubBytes,
    firestoreScrape,
    events,
    loggingBytes,
  };
}

/** How often the coordinator reads the round's record while it waits for the shards. */
const POLL_MS = 500;

/**
 * The round record of a sharded round (shared/state/round-store.ts): the coordinator opens it (a transaction,
 * one read and one write) and marks it published; each shard claims its document and reports (transactions
 * reading the round's and its own document, writing its own and the round's); the coordinator reads the
 * record every POLL_MS until the shards are done; the finaliser claims the totals, reads every shard's
 * document and marks the round finished.
 */
function roundRecordOps(shards: number, shardMs: number): FirestoreOps {
  const polls = Math.ceil(shardMs / POLL_MS);
  return {
    reads: 1 + shards * (2 + 2) + polls + 1 + shards,
    writes: 1 + 1 + shards * (1 + 2) + 1 + 1,
  };
}

function add(a: FirestoreOps, b: FirestoreOps): FirestoreOps {
  return { reads: a.reads + b.reads, writes: a.writes + b.writes };
}

function billed(ms: number): number {
  return Math.ceil(ms / BILLING_STEP_MS) * BILLING_STEP_MS;
}

function eventsUsage(model: EventsModel, shape: ClusterShape): NonNullable<MonthlyUsage['events']> {
  const occurrences = shape.nodes * model.perNodeHour * 730;
  const renewals = (MONTH_SECONDS * 1000) / model.leaseRenewMs;
  // Checkpoints follow the writes, at most one a second.
  const checkpoints = Math.min(occurrences, MONTH_SECONDS);
  return {
    vcpuSeconds: MONTH_SECONDS * model.vcpu,
    gibSeconds: MONTH_SECONDS * model.memoryGiB,
    occurrences,
    firestore: { reads: renewals, writes: renewals + checkpoints },
  };
}

/** Several gcm sinks write their series side by side: levels and resources add up. */
function sumSeries(plans: readonly SeriesPlan[]): SeriesPlan {
  if (plans.length === 1) return plans[0] as SeriesPlan;
  return {
    levels: addUp(
      plans.flatMap((p) => p.levels),
      (l) => l.level,
      (a, b) => ({
        ...a,
        seriesPerEntity: a.seriesPerEntity + b.seriesPerEntity,
        series: a.series + b.series,
      }),
    ),
    resources: addUp(
      plans.flatMap((p) => p.resources),
      (r) => r.type,
      (a, b) => ({
        ...a,
        seriesPerResource: a.seriesPerResource + b.seriesPerResource,
        series: a.series + b.series,
      }),
    ),
    seriesPerRound: plans.reduce((n, p) => n + p.seriesPerRound, 0),
  };
}

function addUp<T>(rows: readonly T[], key: (row: T) => string, add: (a: T, b: T) => T): T[] {
  const out = new Map<string, T>();
  for (const row of rows) {
    const before = out.get(key(row));
    out.set(key(row), before === undefined ? row : add(before, row));
  }
  return [...out.values()];
}
