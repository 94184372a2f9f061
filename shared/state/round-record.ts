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
 * A shard's terminal report is two steps, so that shards never queue on the round's one document: it records
 * its outcome on its own document (reading the round's: decideReport), then, if every expected shard has an
 * outcome, tries to take the totals (decideFinaliser). Of two shards finishing together at least one sees the
 * set complete, and only one takes the totals; whoever takes them reads the shards' documents after, so every
 * outcome recorded before is in them.
 *
 * finalise: this report completes the set and its shard writes the totals; wait: the totals are written by
 * another party (with this shard) or others have yet to report; late: the totals were taken before this
 * shard recorded its outcome, so they leave it out; duplicate: the shard had reported already.
 */
export type ReportResult = 'finalise' | 'wait' | 'late' | 'duplicate';

/** The first step: the state the shard's document takes, or none for a duplicate. */
export function decideReport(
  round: RoundRecord,
  current: ShardRecord | undefined,
  outcome: ShardOutcome,
): { readonly result: 'recorded' | 'late' | 'duplicate'; readonly state?: ShardState } {
  if (current !== undefined && current.state !== 'claimed') return { result: 'duplicate' };
  if (round.finaliser !== undefined) return { result: 'late', state: 'late' };
  return { result: 'recorded', state: outcome };
}

/** Whether every expected shard has recorded an outcome (done or failed). */
export function complete(round: RoundPlan, outcomes: ReadonlySet<string>): boolean {
  return round.shards.every((s) => outcomes.has(s));
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
