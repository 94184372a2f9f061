/**
 * The bookkeeping of a sharded round, as pure decisions over its records: which shards the round expects,
 * which delivery of a shard's message does the work (Pub/Sub delivers at least once), and which single party
 * writes the namespace and cluster totals. The stores (round-store.ts) apply these inside transactions.
 */

/** What the coordinator decided when it published the round. */
export interface RoundPlan {
  readonly roundTime: number;
  /** The shards published, each with at least one node. */
  readonly shards: readonly string[];
  readonly nodes: number;
  /** Epoch ms at which the coordinator writes the totals with whatever shards reported by then. */
  readonly deadline: number;
}

export const SHARD_OUTCOMES = ['done', 'failed'] as const;
/** done: its nodes' points are written and its partial sums kept; failed: nothing of it is in the totals. */
export type ShardOutcome = (typeof SHARD_OUTCOMES)[number];

export interface Finalised {
  readonly at: number;
  readonly by: string;
  /** The shards whose sums are in the totals. */
  readonly included: readonly string[];
  /** Expected shards not in the totals (failed, or not reported by the deadline), with the reason. */
  readonly missing: readonly { readonly shard: string; readonly reason: string }[];
  /** Nodes of the included shards, and how many answered: only those are in the sums. */
  readonly nodes: { readonly total: number; readonly ok: number };
  readonly points: number;
  /** Sinks that failed to take the totals. */
  readonly error?: string;
}

export interface RoundRecord extends RoundPlan {
  readonly published: boolean;
  readonly reported: Readonly<Record<string, ShardOutcome>>;
  /** Who writes the totals: a shard id, or "coordinator". Set once. */
  readonly finaliser?: string;
  readonly finalised?: Finalised;
}

export const COORDINATOR = 'coordinator';

/** A shard's record in its round; `late` when it reported after the totals were written without it. */
export type ShardState = 'claimed' | ShardOutcome | 'late';

export interface ShardRecord {
  readonly shard: string;
  readonly state: ShardState;
  /** Deliveries that claimed it. */
  readonly attempts: number;
  /** While claimed: until when the claiming delivery owns it (then a redelivery may take over). */
  readonly leaseUntil: number;
  readonly nodes?: { readonly total: number; readonly ok: number };
  /** JSON of the shard's AggregatePartial, when done. */
  readonly partial?: string;
  /** Why the last attempt failed. */
  readonly error?: string;
}

export const CLAIM_RESULTS = ['claimed', 'duplicate', 'in-flight', 'finalised', 'unknown-round'] as const;
/**
 * claimed: this delivery does the work; duplicate: a delivery already finished it; in-flight: another delivery
 * holds it; finalised: the round's totals are written, too late to count; unknown-round: no record (a message
 * of another deployment, or the record expired) or the round does not expect this shard.
 */
export type ClaimResult = (typeof CLAIM_RESULTS)[number];

export function decideClaim(
  round: RoundRecord | undefined,
  shard: string,
  current: ShardRecord | undefined,
  now: number,
): ClaimResult {
  if (round === undefined || !round.shards.includes(shard)) return 'unknown-round';
  if (current !== undefined && current.state !== 'claimed') return 'duplicate';
  if (round.finaliser !== undefined) return 'finalised';
  if (current !== undefined && current.leaseUntil > now) return 'in-flight';
  return 'claimed';
}

export function claimedRecord(
  shard: string,
  current: ShardRecord | undefined,
  leaseUntil: number,
): ShardRecord {
  return { shard, state: 'claimed', attempts: (current?.attempts ?? 0) + 1, leaseUntil };
}

/**
 * finalise: this report completes the set and its shard writes the totals; wait: others have yet to report;
 * late: the totals were already claimed without it; duplicate: the shard had reported already.
 */
export type ReportResult = 'finalise' | 'wait' | 'late' | 'duplicate';

export interface ReportDecision {
  readonly result: ReportResult;
  /** What the round's record becomes; undefined when it stays as it is. */
  readonly round?: RoundRecord;
  /** The shard's state to store. */
  readonly state: ShardState;
}

export function decideReport(
  round: RoundRecord,
  shard: string,
  current: ShardRecord | undefined,
  outcome: ShardOutcome,
): ReportDecision {
  if (current !== undefined && current.state !== 'claimed')
    return { result: 'duplicate', state: current.state };
  if (round.finaliser !== undefined) return { result: 'late', state: 'late' };
  const reported = { ...round.reported, [shard]: outcome };
  const complete = round.shards.every((s) => reported[s] !== undefined);
  return complete
    ? { result: 'finalise', round: { ...round, reported, finaliser: shard }, state: outcome }
    : { result: 'wait', round: { ...round, reported }, state: outcome };
}

/** Whether `who` may write the totals: nobody else claimed them. */
export function decideFinaliser(round: RoundRecord, who: string): boolean {
  return round.finaliser === undefined || round.finaliser === who;
}

/** The expected shards whose sums the totals can include, and those they cannot. */
export function splitShards(
  round: RoundPlan,
  done: ReadonlySet<string>,
): { included: string[]; missing: string[] } {
  return {
    included: round.shards.filter((s) => done.has(s)),
    missing: round.shards.filter((s) => !done.has(s)),
  };
}
