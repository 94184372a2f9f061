import { ACTIVE_SERIES_PER_RESOURCE, PRICES, PRICES_READ, tieredCost } from './prices.js';
import {
  DAYS_PER_MONTH,
  planUsage,
  type FirestoreOps,
  type MonthlyUsage,
  type PlanInputs,
} from './usage-model.js';

/** The lines of the bill, in the order they are shown. */
export const COST_ITEMS = [
  'gcm-ingestion',
  'function-cpu',
  'function-memory',
  'function-invocations',
  'pubsub',
  'firestore-scrape',
  'scheduler',
  'events-cpu',
  'events-memory',
  'firestore-events',
  'logging',
] as const;
export type CostItemKey = (typeof COST_ITEMS)[number];

export interface CostItem {
  readonly key: CostItemKey;
  readonly label: string;
  readonly quantity: number;
  readonly unit: string;
  /** At list prices, before any free allotment. */
  readonly listUsd: number;
  /** After the free allotments, as if this deployment were their only user. */
  readonly usd: number;
}

export interface CostPlan {
  readonly usage: MonthlyUsage;
  readonly items: readonly CostItem[];
  readonly totalListUsd: number;
  readonly totalUsd: number;
  /** The per-resource series quota and the resource types over it. */
  readonly seriesLimit: number;
  readonly overLimit: readonly string[];
  /** Where the deployment as planned would not work: rounds that cannot finish, series over the quota. */
  readonly warnings: readonly string[];
  readonly pricesRead: string;
}

/** The only Firestore database with a free quota. */
export const FREE_DATABASE = '(default)';
const GiB = 2 ** 30;
const TiB = 2 ** 40;

export function planCost(inputs: PlanInputs): CostPlan {
  const usage = planUsage(inputs);
  const run = PRICES.runRequestBased;
  const inst = PRICES.runInstanceBased;
  const fs = PRICES.firestore;

  const fnCpu = usage.function.vcpuSeconds * run.usdPerVcpuSecond;
  const fnMem = usage.function.gibSeconds * run.usdPerGibSecond;
  const evCpu = (usage.events?.vcpuSeconds ?? 0) * inst.usdPerVcpuSecond;
  const evMem = (usage.events?.gibSeconds ?? 0) * inst.usdPerGibSecond;
  // Cloud Run's free tier is a spending discount per billing account, shared by both services.
  const [fnCpuAfter, evCpuAfter] = afterFree(run.freeVcpuSeconds * run.usdPerVcpuSecond, [fnCpu, evCpu]);
  const [fnMemAfter, evMemAfter] = afterFree(run.freeGibSeconds * run.usdPerGibSecond, [fnMem, evMem]);

  const evFs = usage.events?.firestore ?? { reads: 0, writes: 0 };
  const freeDays = inputs.firestoreDatabase === FREE_DATABASE ? DAYS_PER_MONTH : 0;
  const [scrapeReads, eventReads] = afterFree(fs.freeReadsPerDay * freeDays, [
    usage.firestoreScrape.reads,
    evFs.reads,
  ]);
  const [scrapeWrites, eventWrites] = afterFree(fs.freeWritesPerDay * freeDays, [
    usage.firestoreScrape.writes,
    evFs.writes,
  ]);

  const m = PRICES.monitoring;
  const items: CostItem[] = [
    item(
      'gcm-ingestion',
      'GCM ingestion',
      usage.gcmMiB,
      'MiB',
      tieredCost(usage.gcmMiB, 0, m.tiersPerMiB),
      tieredCost(usage.gcmMiB, m.freeMiB, m.tiersPerMiB),
    ),
    item('function-cpu', 'scrape function CPU', usage.function.vcpuSeconds, 'vCPU-s', fnCpu, fnCpuAfter),
    item('function-memory', 'scrape function memory', usage.function.gibSeconds, 'GiB-s', fnMem, fnMemAfter),
    item(
      'function-invocations',
      'scrape function invocations',
      usage.function.invocations,
      'requests',
      (usage.function.invocations / 1e6) * run.usdPerMillionRequests,
      (Math.max(0, usage.function.invocations - run.freeRequests) / 1e6) * run.usdPerMillionRequests,
    ),
    item(
      'pubsub',
      'Pub/Sub (shard messages)',
      usage.pubsubBytes / GiB,
      'GiB',
      (usage.pubsubBytes / TiB) * PRICES.pubsub.usdPerTiB,
      (Math.max(0, usage.pubsubBytes - PRICES.pubsub.freeGiB * GiB) / TiB) * PRICES.pubsub.usdPerTiB,
    ),
    firestoreItem('firestore-scrape', 'Firestore (scrape state)', usage.firestoreScrape, {
      reads: scrapeReads,
      writes: scrapeWrites,
    }),
    item(
      'scheduler',
      'Cloud Scheduler',
      1,
      'job',
      PRICES.scheduler.usdPerJobMonth,
      PRICES.scheduler.freeJobs >= 1 ? 0 : PRICES.scheduler.usdPerJobMonth,
    ),
  ];
  if (usage.events !== undefined) {
    items.push(
      item(
        'events-cpu',
        'events service CPU (always on)',
        usage.events.vcpuSeconds,
        'vCPU-s',
        evCpu,
        evCpuAfter,
      ),
      item('events-memory', 'events service memory', usage.events.gibSeconds, 'GiB-s', evMem, evMemAfter),
      firestoreItem('firestore-events', 'Firestore (events lease, checkpoints)', evFs, {
        reads: eventReads,
        writes: eventWrites,
      }),
    );
  }
  const logGiB = usage.loggingBytes / GiB;
  const lg = PRICES.logging;
  items.push(
    item(
      'logging',
      'Cloud Logging (events, run logs)',
      logGiB,
      'GiB',
      logGiB * lg.usdPerGiB,
      Math.max(0, logGiB - lg.freeGiB) * lg.usdPerGiB,
    ),
  );

  const limit = ACTIVE_SERIES_PER_RESOURCE.limit;
  const overLimit = usage.series.resources.filter((r) => r.seriesPerResource > limit).map((r) => r.type);
  return {
    usage,
    items,
    totalListUsd: items.reduce((n, i) => n + i.listUsd, 0),
    totalUsd: items.reduce((n, i) => n + i.usd, 0),
    seriesLimit: limit,
    overLimit,
    warnings: warningsOf(inputs, usage, overLimit),
    pricesRead: PRICES_READ,
  };
}

/** How long a run may work: the function's timeout less the time it keeps to answer (scrape-config.ts). */
const ANSWER_MARGIN_MS = 5_000;

function warningsOf(inputs: PlanInputs, usage: MonthlyUsage, overLimit: readonly string[]): string[] {
  const warnings: string[] = [];
  const perInvocationMs = usage.workMsPerRound / usage.shards + inputs.timing.overheadMsPerInvocation;
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  if (perInvocationMs > inputs.functionTimeoutMs - ANSWER_MARGIN_MS)
    warnings.push(
      `a round's work is estimated at ${seconds(perInvocationMs)} per invocation, more than the ` +
        `${seconds(inputs.functionTimeoutMs - ANSWER_MARGIN_MS)} a ${seconds(inputs.functionTimeoutMs)} timeout leaves: ` +
        'shard the scrape (--shard-size) or write fewer series',
    );
  else if (perInvocationMs > inputs.resolutionMs)
    warnings.push(
      `a round's work is estimated at ${seconds(perInvocationMs)}, longer than the ${seconds(inputs.resolutionMs)} resolution`,
    );
  for (const type of overLimit)
    warnings.push(
      `each ${type} resource would get more series than Cloud Monitoring's quota of ` +
        `${ACTIVE_SERIES_PER_RESOURCE.limit.toLocaleString('en-US')}: writes beyond it are refused`,
    );
  return warnings;
}

function item(
  key: CostItemKey,
  label: string,
  quantity: number,
  unit: string,
  listUsd: number,
  usd: number,
): CostItem {
  return { key, label, quantity, unit, listUsd, usd };
}

function firestoreItem(key: CostItemKey, label: string, ops: FirestoreOps, billable: FirestoreOps): CostItem {
  const fs = PRICES.firestore;
  const usd = (o: FirestoreOps): number =>
    (o.reads / 1e5) * fs.usdPer100kReads + (o.writes / 1e5) * fs.usdPer100kWrites;
  return {
    key,
    label,
    quantity: ops.reads + ops.writes,
    unit: 'operations',
    listUsd: usd(ops),
    usd: usd(billable),
  };
}

/** What is left of two amounts once a free allotment is spent on the first, then on the second. */
export function afterFree(free: number, [first, second]: readonly [number, number]): [number, number] {
  const onFirst = Math.min(first, free);
  return [first - onFirst, second - Math.min(second, free - onFirst)];
}
