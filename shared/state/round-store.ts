import type { DocumentReference, Firestore } from '@google-cloud/firestore';
import {
  claimedRecord,
  complete,
  decideClaim,
  decideFinaliser,
  decideReport,
  type ClaimResult,
  type Finalised,
  type ReportResult,
  type RoundPlan,
  type RoundRecord,
  type ShardOutcome,
  type ShardRecord,
  type ShardState,
  SHARD_OUTCOMES,
} from './round-record.js';

/** What a shard tells its round when it is over (see decideReport). */
export interface ShardReport {
  readonly outcome: ShardOutcome;
  readonly nodes: { readonly total: number; readonly ok: number };
  readonly partial?: string;
  readonly error?: string;
}

/** The records of sharded rounds: one per round, one per shard of it. Every change is a transaction. */
export interface RoundStore {
  /** Creates the round's record, or answers the one an earlier call for the same round made. */
  open(plan: RoundPlan): Promise<{ readonly record: RoundRecord; readonly created: boolean }>;
  markPublished(roundTime: number): Promise<void>;
  get(roundTime: number): Promise<RoundRecord | undefined>;
  claim(roundTime: number, shard: string, now: number, leaseMs: number): Promise<ClaimResult>;
  /** A terminal report; "finalise" makes the caller the one that writes the totals. */
  report(roundTime: number, shard: string, report: ShardReport): Promise<ReportResult>;
  /** Gives up a claim after an error a redelivery may not meet: the next delivery claims at once. */
  release(roundTime: number, shard: string, error: string): Promise<void>;
  /** Takes the writing of the totals if nobody has; answers whether `who` writes them. */
  claimFinaliser(roundTime: number, who: string): Promise<boolean>;
  /** The records of the round's shards, by shard. */
  shards(roundTime: number): Promise<Map<string, ShardRecord>>;
  finish(roundTime: number, finalised: Finalised): Promise<void>;
}

/** A shard's record once it reported. */
function reportedRecord(
  shard: string,
  current: ShardRecord | undefined,
  state: ShardState,
  report: ShardReport,
): ShardRecord {
  return {
    shard,
    state,
    attempts: current?.attempts ?? 1,
    leaseUntil: 0,
    nodes: report.nodes,
    ...(report.partial !== undefined ? { partial: report.partial } : {}),
    ...(report.error !== undefined ? { error: report.error } : {}),
  };
}

/** Round records are kept a week (a TTL policy on expireAt may delete them after). */
const KEEP_MS = 7 * 24 * 3600 * 1000;

/** A record as stored: with the time after which its round's documents may be deleted. */
function withExpiry(record: object, roundTime: number): Record<string, unknown> {
  return { ...record, expireAt: new Date(roundTime + KEEP_MS) };
}

/** A stored record without its expiry; undefined when the document does not exist. */
function withoutExpiry<T extends object>(data: unknown): T | undefined {
  if (data === undefined) return undefined;
  const { expireAt: _, ...record } = data as T & { expireAt?: unknown };
  return record as T;
}

/**
 * Rounds in Firestore under `<root>/rounds/<roundTime>`, their shards in its `shards` subcollection. Each
 * shard's partial sums sit in its own document (a few KiB), so the round's document stays small however many
 * namespaces there are, and the transactions that all shards run on it stay cheap.
 */
export function firestoreRoundStore(db: Firestore, root: string): RoundStore {
  const roundRef = (roundTime: number): DocumentReference => db.doc(`${root}/rounds/${roundTime}`);
  const shardRef = (roundTime: number, shard: string): DocumentReference =>
    db.doc(`${root}/rounds/${roundTime}/shards/${shard}`);
  const readRound = (data: unknown): RoundRecord | undefined => withoutExpiry<RoundRecord>(data);
  const readShard = (data: unknown): ShardRecord | undefined => withoutExpiry<ShardRecord>(data);
  const roundDoc = (record: RoundRecord): Record<string, unknown> => withExpiry(record, record.roundTime);
  const shardDoc = (roundTime: number, record: ShardRecord): Record<string, unknown> =>
    withExpiry(record, roundTime);
  const claimFinaliser = (roundTime: number, who: string): Promise<boolean> =>
    db.runTransaction(async (tx) => {
      const ref = roundRef(roundTime);
      const round = readRound((await tx.get(ref)).data());
      if (round === undefined || !decideFinaliser(round, who)) return false;
      if (round.finaliser === undefined) tx.update(ref, { finaliser: who });
      return true;
    });
  return {
    open: (plan) =>
      db.runTransaction(async (tx) => {
        const ref = roundRef(plan.roundTime);
        const existing = readRound((await tx.get(ref)).data());
        if (existing !== undefined) return { record: existing, created: false };
        const record: RoundRecord = { ...plan, published: false };
        tx.create(ref, roundDoc(record));
        return { record, created: true };
      }),
    markPublished: async (roundTime) => {
      await roundRef(roundTime).update({ published: true });
    },
    get: async (roundTime) => readRound((await roundRef(roundTime).get()).data()),
    claim: async (roundTime, shard, now, leaseMs) => {
      // The round's record is read outside the transaction: every shard claims at about the same time, and
      // locking the one document they share would queue them. A round finalised just after this read is
      // still caught when the shard reports (decideReport answers "late").
      const round = readRound((await roundRef(roundTime).get()).data());
      return db.runTransaction(async (tx) => {
        const currentShard = readShard((await tx.get(shardRef(roundTime, shard))).data());
        const result = decideClaim(round, shard, currentShard, now);
        if (result === 'claimed')
          tx.set(
            shardRef(roundTime, shard),
            shardDoc(roundTime, claimedRecord(shard, currentShard, now + leaseMs)),
          );
        return result;
      });
    },
    report: async (roundTime, shard, report) => {
      const first = await db.runTransaction(async (tx) => {
        const [roundSnap, current] = await tx.getAll(roundRef(roundTime), shardRef(roundTime, shard));
        const round = readRound(roundSnap?.data());
        if (round === undefined) return { result: 'late' as const };
        const currentShard = readShard(current?.data());
        const decision = decideReport(round, currentShard, report.outcome);
        if (decision.state !== undefined)
          tx.set(
            shardRef(roundTime, shard),
            shardDoc(roundTime, reportedRecord(shard, currentShard, decision.state, report)),
          );
        return { result: decision.result, round };
      });
      if (first.result !== 'recorded') return first.result;
      // Every shard document belongs to an expected shard (claims need one), so a count tells completeness.
      const outcomes = await db
        .collection(`${root}/rounds/${roundTime}/shards`)
        .where('state', 'in', [...SHARD_OUTCOMES])
        .count()
        .get();
      if (outcomes.data().count < first.round.shards.length) return 'wait';
      return (await claimFinaliser(roundTime, shard)) ? 'finalise' : 'wait';
    },
    release: (roundTime, shard, error) =>
      db.runTransaction(async (tx) => {
        const ref = shardRef(roundTime, shard);
        const current = readShard((await tx.get(ref)).data());
        if (current?.state === 'claimed') tx.update(ref, { leaseUntil: 0, error });
      }),
    claimFinaliser,
    shards: async (roundTime) => {
      const snapshot = await db.collection(`${root}/rounds/${roundTime}/shards`).get();
      const out = new Map<string, ShardRecord>();
      for (const doc of snapshot.docs) {
        const record = readShard(doc.data());
        if (record !== undefined) out.set(record.shard, record);
      }
      return out;
    },
    finish: async (roundTime, finalised) => {
      await roundRef(roundTime).update({ finalised });
    },
  };
}

/** Round records of one process: the CLI and tests. */
export function memoryRoundStore(): RoundStore {
  const rounds = new Map<number, RoundRecord>();
  const shards = new Map<number, Map<string, ShardRecord>>();
  const shardsOf = (roundTime: number): Map<string, ShardRecord> => {
    let m = shards.get(roundTime);
    if (m === undefined) shards.set(roundTime, (m = new Map()));
    return m;
  };
  const update = (roundTime: number, change: Partial<RoundRecord>): void => {
    const round = rounds.get(roundTime);
    if (round !== undefined) rounds.set(roundTime, { ...round, ...change });
  };
  const claimFinaliser = async (roundTime: number, who: string): Promise<boolean> => {
    const round = rounds.get(roundTime);
    if (round === undefined || !decideFinaliser(round, who)) return false;
    rounds.set(roundTime, { ...round, finaliser: who });
    return true;
  };
  return {
    open: async (plan) => {
      const existing = rounds.get(plan.roundTime);
      if (existing !== undefined) return { record: existing, created: false };
      const record: RoundRecord = { ...plan, published: false };
      rounds.set(plan.roundTime, record);
      return { record, created: true };
    },
    markPublished: async (roundTime) => update(roundTime, { published: true }),
    get: async (roundTime) => rounds.get(roundTime),
    claim: async (roundTime, shard, now, leaseMs) => {
      const current = shardsOf(roundTime).get(shard);
      const result = decideClaim(rounds.get(roundTime), shard, current, now);
      if (result === 'claimed') shardsOf(roundTime).set(shard, claimedRecord(shard, current, now + leaseMs));
      return result;
    },
    report: async (roundTime, shard, report) => {
      const round = rounds.get(roundTime);
      if (round === undefined) return 'late';
      const current = shardsOf(roundTime).get(shard);
      const decision = decideReport(round, current, report.outcome);
      if (decision.state !== undefined)
        shardsOf(roundTime).set(shard, reportedRecord(shard, current, decision.state, report));
      if (decision.result !== 'recorded') return decision.result;
      const outcomes = new Set(
        [...shardsOf(roundTime).values()].flatMap((r) =>
          r.state === 'done' || r.state === 'failed' ? [r.shard] : [],
        ),
      );
      if (!complete(round, outcomes)) return 'wait';
      return (await claimFinaliser(roundTime, shard)) ? 'finalise' : 'wait';
    },
    release: async (roundTime, shard, error) => {
      const current = shardsOf(roundTime).get(shard);
      if (current?.state === 'claimed') shardsOf(roundTime).set(shard, { ...current, leaseUntil: 0, error });
    },
    claimFinaliser,
    shards: async (roundTime) => new Map(shardsOf(roundTime)),
    finish: async (roundTime, finalised) => update(roundTime, { finalised }),
  };
}
