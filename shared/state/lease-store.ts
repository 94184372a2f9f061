import type { Firestore } from '@google-cloud/firestore';

/**
 * One active writer at a time: a lease document (holder, expiry) taken and renewed in transactions. During a
 * deploy two revisions run side by side; only the holder writes, and a holder that cannot renew stops writing
 * before its lease can have expired (see LeaseState.validUntil).
 */
export interface LeaseState {
  readonly held: boolean;
  /** Who holds it now (this instance or another). */
  readonly holder: string | undefined;
  /** Local time until which this instance may write: the expiry minus a safety margin. */
  readonly validUntil: number;
}

export interface LeaseStore {
  /** Takes the lease if free, expired or already ours, and extends it; answers who holds it. */
  acquire(holder: string): Promise<LeaseState>;
  /** Gives the lease up if ours, so a successor need not wait for it to expire. */
  release(holder: string): Promise<void>;
}

interface LeaseDocument {
  holder: string;
  expireAt: number;
  acquiredAt: number;
}

export interface LeaseOptions {
  ttlMs: number;
  /** Stop writing this long before the lease expires (clock drift between instances, write latency). */
  marginMs: number;
  now?: () => number;
}

export function firestoreLeaseStore(db: Firestore, path: string, options: LeaseOptions): LeaseStore {
  const ref = db.doc(path);
  const now = options.now ?? Date.now;
  return {
    acquire: (holder) =>
      db.runTransaction(async (tx) => {
        const snapshot = await tx.get(ref);
        const current = snapshot.exists ? (snapshot.data() as LeaseDocument) : undefined;
        const t = now();
        if (current !== undefined && current.holder !== holder && current.expireAt > t) {
          return { held: false, holder: current.holder, validUntil: 0 };
        }
        const next: LeaseDocument = {
          holder,
          expireAt: t + options.ttlMs,
          acquiredAt: current?.holder === holder ? current.acquiredAt : t,
        };
        tx.set(ref, next);
        return { held: true, holder, validUntil: t + options.ttlMs - options.marginMs };
      }),
    release: (holder) =>
      db.runTransaction(async (tx) => {
        const snapshot = await tx.get(ref);
        if (snapshot.exists && (snapshot.data() as LeaseDocument).holder === holder) tx.delete(ref);
      }),
  };
}

/** A lease for a single process (the CLI, tests): always held by whoever asks first. */
export function memoryLeaseStore(options: LeaseOptions): LeaseStore {
  const now = options.now ?? Date.now;
  let current: LeaseDocument | undefined;
  return {
    acquire: async (holder) => {
      const t = now();
      if (current !== undefined && current.holder !== holder && current.expireAt > t)
        return { held: false, holder: current.holder, validUntil: 0 };
      current = { holder, expireAt: t + options.ttlMs, acquiredAt: current?.acquiredAt ?? t };
      return { held: true, holder, validUntil: t + options.ttlMs - options.marginMs };
    },
    release: async (holder) => {
      if (current?.holder === holder) current = undefined;
    },
  };
}
