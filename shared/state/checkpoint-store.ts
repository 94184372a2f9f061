import type { Firestore } from '@google-cloud/firestore';
import { WrittenOccurrences, type OccurrenceIds } from '../events/written-occurrences.js';

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
  /** Identities (see occurrenceId) of occurrences already written within the horizon; the watcher adds to it. */
  readonly written: OccurrenceIds;
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
  /** A save with more identities than this is split over several documents (one holds at most 1 MiB). */
  maxIdsPerDocument?: number;
}

/** 400 KB of identities a document; a batch commit carries at most 10 MiB, so 20 documents at a time. */
const MAX_IDS_PER_DOCUMENT = 50_000;
const DOCUMENTS_PER_COMMIT = 20;

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
      const written = new WrittenOccurrences({ horizonMs: options.horizonMs, now });
      let resourceVersion: string | undefined;
      let savedAt = 0;
      for (const doc of snapshot.docs) {
        const data = doc.data() as JournalDocument;
        const bytes = data.written;
        // A view when the bytes are aligned for doubles, else a copy.
        const ids =
          bytes.byteOffset % 8 === 0
            ? new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8)
            : new Float64Array(Uint8Array.prototype.slice.call(bytes).buffer);
        for (const id of ids) written.add(id, data.savedAt);
        if (data.savedAt >= savedAt) {
          savedAt = data.savedAt;
          resourceVersion = data.resourceVersion;
        }
      }
      return { resourceVersion, savedAt, written };
    },
    async save(resourceVersion, newlyWritten, holder) {
      const savedAt = now();
      const perDocument = options.maxIdsPerDocument ?? MAX_IDS_PER_DOCUMENT;
      const documents: JournalDocument[] = [];
      for (let i = 0; i === 0 || i < newlyWritten.length; i += perDocument) {
        documents.push({
          savedAt,
          expireAt: new Date(savedAt + options.horizonMs),
          resourceVersion,
          holder,
          written: Buffer.from(Float64Array.from(newlyWritten.slice(i, i + perDocument)).buffer),
        });
      }
      // Time first so ids sort in saving order; holder and a sequence keep two savers apart.
      const ref = () => collection.doc(`${String(savedAt).padStart(15, '0')}-${holder}-${sequence++}`);
      if (documents.length === 1) return void (await ref().create(documents[0] as JournalDocument));
      // A large list's save: each document stands on its own (the same resourceVersion, its own ids).
      for (let i = 0; i < documents.length; i += DOCUMENTS_PER_COMMIT) {
        const batch = db.batch();
        for (const doc of documents.slice(i, i + DOCUMENTS_PER_COMMIT)) batch.create(ref(), doc);
        await batch.commit();
      }
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

/**
 * A checkpoint kept in this process only (the CLI, tests): a restart starts with a list. The identities are
 * shared with the watcher, which adds them as the sinks acknowledge them.
 */
export function memoryCheckpointStore(options: Partial<CheckpointOptions> = {}): CheckpointStore {
  let latest: { resourceVersion: string; savedAt: number } | undefined;
  const written = new WrittenOccurrences({ horizonMs: options.horizonMs ?? 75 * 60_000, now: options.now });
  return {
    load: async () => ({
      resourceVersion: latest?.resourceVersion,
      savedAt: latest?.savedAt ?? 0,
      written,
    }),
    save: async (resourceVersion, ids) => {
      latest = { resourceVersion, savedAt: Date.now() };
      for (const id of ids) if (!written.has(id)) written.add(id);
    },
    prune: async () => 0,
  };
}
