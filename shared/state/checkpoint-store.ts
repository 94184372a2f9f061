import type { Firestore } from '@google-cloud/firestore';

/**
 * The event watcher's checkpoint, as an append-only journal: each save is a new small document holding the
 * resourceVersion to resume from and the identities of the occurrences written since the previous save. Loading
 * the journal of the last `horizonMs` (longer than the API server keeps events) gives both where to resume and
 * which occurrences a relist must not write again. No document is ever rewritten, so saves at about one a
 * second stay within Firestore's one sustained write per second per document.
 */
export interface Checkpoint {
  /** Where to resume watching; undefined when there is no checkpoint (start with a list). */
  readonly resourceVersion: string | undefined;
  /** When the newest checkpoint was saved (epoch ms), 0 when none. */
  readonly savedAt: number;
  /** Identities (see occurrenceId) of occurrences already written within the horizon. */
  readonly written: Set<number>;
}

export interface CheckpointStore {
  load(): Promise<Checkpoint>;
  save(resourceVersion: string, newlyWritten: readonly number[], holder: string): Promise<void>;
  /** Deletes journal entries older than the horizon. */
  prune(): Promise<number>;
}

interface JournalDocument {
  savedAt: number;
  /** Firestore TTL policies can remove the document after this time. */
  expireAt: Date;
  resourceVersion: string;
  holder: string;
  /** Occurrence identities, 8 bytes each (float64, little-endian). */
  written: Buffer;
}

export interface CheckpointOptions {
  /** How far back the journal matters: longer than the API server's event TTL (1 h by default). */
  horizonMs: number;
  now?: () => number;
}

export function firestoreCheckpointStore(
  db: Firestore,
  collectionPath: string,
  options: CheckpointOptions,
): CheckpointStore {
  const collection = db.collection(collectionPath);
  const now = options.now ?? Date.now;
  let sequence = 0;
  return {
    async load() {
      const snapshot = await collection
        .where('savedAt', '>=', now() - options.horizonMs)
        .orderBy('savedAt')
        .get();
      const written = new Set<number>();
      let resourceVersion: string | undefined;
      let savedAt = 0;
      for (const doc of snapshot.docs) {
        const data = doc.data() as JournalDocument;
        const ids = new Float64Array(
          data.written.buffer.slice(
            data.written.byteOffset,
            data.written.byteOffset + data.written.byteLength,
          ),
        );
        for (const id of ids) written.add(id);
        if (data.savedAt >= savedAt) {
          savedAt = data.savedAt;
          resourceVersion = data.resourceVersion;
        }
      }
      return { resourceVersion, savedAt, written };
    },
    async save(resourceVersion, newlyWritten, holder) {
      const savedAt = now();
      const doc: JournalDocument = {
        savedAt,
        expireAt: new Date(savedAt + options.horizonMs),
        resourceVersion,
        holder,
        written: Buffer.from(Float64Array.from(newlyWritten).buffer),
      };
      // Time first so ids sort in saving order; holder and a sequence keep two savers apart.
      await collection.doc(`${String(savedAt).padStart(15, '0')}-${holder}-${sequence++}`).create(doc);
    },
    async prune() {
      const old = await collection
        .where('savedAt', '<', now() - options.horizonMs)
        .select()
        .get();
      const writer = db.bulkWriter();
      for (const doc of old.docs) void writer.delete(doc.ref);
      await writer.close();
      return old.size;
    },
  };
}

/** A checkpoint kept in this process only (the CLI, tests): a restart starts with a list. */
export function memoryCheckpointStore(): CheckpointStore {
  let latest: { resourceVersion: string; savedAt: number } | undefined;
  const written = new Set<number>();
  return {
    load: async () => ({
      resourceVersion: latest?.resourceVersion,
      savedAt: latest?.savedAt ?? 0,
      written: new Set(written),
    }),
    save: async (resourceVersion, ids) => {
      latest = { resourceVersion, savedAt: Date.now() };
      for (const id of ids) written.add(id);
    },
    prune: async () => 0,
  };
}
