/**
 * Google Cloud list prices (USD) the cost plan uses, read from the public price pages on PRICES_READ. Each
 * entry names its page, and `confirmed` says whether all its figures were seen on that page itself; the note
 * says which were not (quoted from the page by other public sources, or not found in this read), so check
 * those before relying on the total. Prices that vary by region are those of Tier 1 regions (us-central1 and
 * most of the US and Europe).
 */
export const PRICES_READ = '2026-11-21';

export interface PriceSource {
  readonly url: string;
  /** Every figure seen on the page itself (true), or some only quoted from it or not found (false). */
  readonly confirmed: boolean;
  readonly note?: string;
}

/** A price that falls with volume: `upTo` is the tier's upper bound (Infinity for the last tier). */
export interface PriceTier {
  readonly upTo: number;
  readonly usdPerUnit: number;
}

const OBSERVABILITY = 'https://cloud.google.com/stackdriver/pricing';
const CLOUD_RUN = 'https://cloud.google.com/run/pricing';
const PUBSUB = 'https://cloud.google.com/pubsub/pricing';
const FIRESTORE = 'https://cloud.google.com/firestore/pricing';
const SCHEDULER = 'https://cloud.google.com/scheduler/pricing';
const MONITORING_QUOTAS = 'https://cloud.google.com/monitoring/quotas';

export const PRICES = {
  monitoring: {
    /** Chargeable metric data by volume, per MiB; the first 150 MiB a month per billing account are free. */
    freeMiB: 150,
    tiersPerMiB: [
      { upTo: 100_000, usdPerUnit: 0.258 },
      { upTo: 250_000, usdPerUnit: 0.151 },
      { upTo: Infinity, usdPerUnit: 0.061 },
    ] as readonly PriceTier[],
    /** How many bytes one scalar (int64, double) point counts as. */
    bytesPerPoint: 8,
    source: {
      url: OBSERVABILITY,
      confirmed: false,
      note: 'tiers and the free 150 MiB seen; the 8 bytes a scalar point counts as were not in this read',
    } as PriceSource,
  },
  /** Cloud Run functions (and Cloud Run services) with request-based billing: the scrape function. */
  runRequestBased: {
    usdPerVcpuSecond: 0.000024,
    usdPerGibSecond: 0.0000025,
    usdPerMillionRequests: 0.4,
    freeVcpuSeconds: 180_000,
    freeGibSeconds: 360_000,
    freeRequests: 2_000_000,
    source: {
      url: CLOUD_RUN,
      confirmed: false,
      note: 'CPU price and the free tier seen; memory and request prices quoted by other sources',
    } as PriceSource,
  },
  /**
   * Instance-based billing (CPU always allocated): the events service's one always-on instance. Cloud Run's
   * free tier is one spending discount per billing account, worth the same in both modes (the request-based
   * free seconds at request-based prices).
   */
  runInstanceBased: {
    usdPerVcpuSecond: 0.000018,
    usdPerGibSecond: 0.000002,
    source: {
      url: CLOUD_RUN,
      confirmed: false,
      note: 'CPU price seen; memory price and the 240,000 vCPU-s / 450,000 GiB-s free tier quoted by other sources',
    } as PriceSource,
  },
  pubsub: {
    usdPerTiB: 40,
    freeGiB: 10,
    /** Every publish, push or pull request is billed as at least this many bytes. */
    minBytesPerRequest: 1000,
    source: { url: PUBSUB, confirmed: true } as PriceSource,
  },
  firestore: {
    usdPer100kReads: 0.03,
    usdPer100kWrites: 0.09,
    /** Free per day, for the (default) database only. */
    freeReadsPerDay: 50_000,
    freeWritesPerDay: 20_000,
    source: {
      url: FIRESTORE,
      confirmed: false,
      note: "free quota seen; us-central1 Standard edition read and write prices quoted from Google's edition comparison, they vary by location",
    } as PriceSource,
  },
  scheduler: {
    usdPerJobMonth: 0.1,
    freeJobs: 3,
    source: {
      url: SCHEDULER,
      confirmed: true,
      note: 'per job per 31 days; 3 free jobs per billing account',
    } as PriceSource,
  },
  logging: {
    usdPerGiB: 0.5,
    freeGiB: 50,
    source: {
      url: OBSERVABILITY,
      confirmed: true,
      note: 'storage ingestion; first 50 GiB per project a month free',
    } as PriceSource,
  },
} as const;

/**
 * Cloud Monitoring's quota of active series (a point in the last 24 h) per monitored resource for
 * user-defined metrics. The quotas page's row was not in this read; the figure is as public write-ups of the
 * "too many time series" error quote it. The Monitoring stand-in (test/stand-ins/gcm) defaults to the same.
 */
export const ACTIVE_SERIES_PER_RESOURCE = {
  limit: 200_000,
  source: { url: MONITORING_QUOTAS, confirmed: false } as PriceSource,
} as const;

/** The cost of `quantity` units under tiered prices, after `free` units. */
export function tieredCost(quantity: number, free: number, tiers: readonly PriceTier[]): number {
  let cost = 0;
  let from = free;
  for (const tier of tiers) {
    if (quantity <= from) break;
    const upTo = Math.min(quantity, tier.upTo);
    if (upTo > from) cost += (upTo - from) * tier.usdPerUnit;
    from = Math.max(from, tier.upTo);
  }
  return cost;
}
