import type { ScrapeConfig } from '../config/scrape-config.js';
import type { SourceConfig } from '../config/source-uri.js';
import type { RefreshedInventory } from '../kube/inventory-cache.js';
import { countBatch, type Batch } from '../metrics/model.js';
import type { Severity } from '../runtime/log.js';
import type { WriteReport } from '../sinks/sink.js';
import type { ScrapeRound } from './run-scrape.js';
import type { NodeFailureReason } from './scrape-node.js';

export interface NodeFailure {
  readonly node: string;
  readonly reason: NodeFailureReason;
  readonly message: string;
  readonly status?: number;
}

/** What one source did this round. */
export interface SourceReport {
  readonly source: SourceConfig['kind'];
  /** Nodes or hosts it named (0 when it could not name any). */
  readonly nodes: number;
  readonly failed: number;
  /** Why it named nothing: the cluster could not be listed, the hosts file read or fleet asked. */
  readonly error?: string;
}

/** What one round did: the function's answer body and its structured log line. */
export interface ScrapeReport {
  readonly cluster: string;
  readonly shard: string;
  readonly roundTime: string;
  readonly durationMs: number;
  readonly nodes: {
    readonly total: number;
    readonly ok: number;
    readonly failed: number;
    readonly failures: readonly NodeFailure[];
  };
  readonly sources: readonly SourceReport[];
  readonly pods: number;
  readonly points: number;
  readonly pointsPerType: Readonly<Record<string, number>>;
  readonly sinks: readonly WriteReport[];
  /** Rates withheld because a counter reset or a container restarted. */
  readonly counterResets: number;
  readonly state: { readonly savedDocuments?: number; readonly error?: string };
  /** A few of the entries the parser or enricher skipped, with their node. */
  readonly problems: readonly string[];
  /** How a warm instance's kept inventory was brought up to date (absent when the round listed everything). */
  readonly inventory?: InventoryReport;
  /**
   * Why a source named nothing this round (several: joined by "; ", each after its source). The run answers
   * 503 only when no source named anything.
   */
  readonly error?: string;
  /** The HTTP status the function answers: non-2xx only when a retry by the scheduler could help. */
  readonly status: number;
  readonly severity: Severity;
}

export type InventoryReport = Pick<RefreshedInventory, 'listed' | 'changes'>;

export interface ReportInput {
  config: ScrapeConfig;
  round: ScrapeRound;
  started: number;
  now: number;
  /** Set when the run failed before any source could name anything. */
  discoveryError?: string;
  sources?: readonly SourceReport[];
  nodesTotal?: number;
  failures?: readonly NodeFailure[];
  batch?: Batch;
  sinks?: readonly WriteReport[];
  resets?: number;
  problems?: readonly string[];
  inventory?: InventoryReport;
  stateError?: string;
  savedDocuments?: number;
}

export function buildReport(input: ReportInput): ScrapeReport {
  const failures = input.failures ?? [];
  const sinks = input.sinks ?? [];
  const blocks = input.batch?.blocks ?? [];
  const counts = input.batch?.counts ?? countBatch(blocks);
  let pods = 0;
  for (const block of blocks) for (const set of block.sets) if (set.type === 'pod') pods++;
  const total = input.nodesTotal ?? 0;
  const allSinksFailed = sinks.length > 0 && sinks.every((s) => s.error !== undefined);
  const sources = input.sources ?? [];
  const failedSources = sources.filter((s) => s.error !== undefined);
  const error =
    input.discoveryError ??
    (failedSources.length > 0
      ? failedSources.map((s) => (sources.length > 1 ? `${s.source}: ${s.error}` : s.error)).join('; ')
      : undefined);
  // Nothing named by any source (or the run itself failing) is worth the scheduler's retry; one source of
  // several failing is not: the retry would only write the others' points again.
  const namedNothing =
    input.discoveryError !== undefined || (sources.length > 0 && failedSources.length === sources.length);
  const status = namedNothing || allSinksFailed ? 503 : 200;
  const someSinkTrouble = sinks.some((s) => s.error !== undefined || Object.keys(s.rejected).length > 0);
  const severity: Severity =
    status !== 200
      ? 'ERROR'
      : failures.length > 0 || someSinkTrouble || input.stateError !== undefined || error !== undefined
        ? 'WARNING'
        : 'INFO';
  return {
    cluster: input.config.clusterName,
    shard: input.round.shard,
    roundTime: new Date(input.round.roundTime).toISOString(),
    durationMs: input.now - input.started,
    nodes: { total, ok: total - failures.length, failed: failures.length, failures },
    sources,
    pods,
    points: counts.total,
    pointsPerType: counts.perType,
    sinks,
    counterResets: input.resets ?? 0,
    state: {
      ...(input.savedDocuments !== undefined ? { savedDocuments: input.savedDocuments } : {}),
      ...(input.stateError !== undefined ? { error: input.stateError } : {}),
    },
    problems: input.problems ?? [],
    ...(input.inventory !== undefined ? { inventory: input.inventory } : {}),
    ...(error !== undefined ? { error } : {}),
    status,
    severity,
  };
}
