import type { Firestore } from '@google-cloud/firestore';

/**
 * Where the previous round's counters live between runs: one opaque blob per node (see
 * metrics/counter-state.ts), grouped by the shard that owns the nodes. Read at the start of a run and written
 * once at its end.
 */
export interface CounterStore {
  load(shard: string): Promise<Map<string, Uint8Array>>;
  save(shard: string, states: ReadonlyMap<string, Uint8Array>, roundTime: number): Promise<SaveReport>;
}

export interface SaveReport {
  documents: number;
  bytes: number;
}

/** Firestore's limit is 1 MiB per document; names and overhead stay well inside the margin left. */
const MAX_DOCUMENT_BYTES = 900 * 1024;
/** A commit carries at most 10 MiB; stay under it. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;

interface CounterDocument {
  shard: string;
  part: number;
  parts: number;
  roundTime: number;
  nodes: string[];
  states: Buffer[];
}

/**
 * Counters in Firestore under `<root>/counters/<shard>-<part>`: nodes packed in order into documents of at
 * most ~900 KiB, so a 1,000-node cluster takes a handful of documents and one write each per run (well under
 * Firestore's sustained one write per second per document).
 */
export function firestoreCounterStore(db: Firestore, root: string): CounterStore {
  const collection = db.collection(`${root}/counters`);
  return {
    async load(shard) {
      const snapshot = await collection.where('shard', '==', shard).get();
      const docs = snapshot.docs.map((d) => d.data() as CounterDocument);
      // Newer rounds win when an interrupted save left parts of two rounds behind.
      docs.sort((a, b) => a.roundTime - b.roundTime);
      const states = new Map<string, Uint8Array>();
      for (const doc of docs) {
        doc.nodes.forEach((node, i) => {
          const state = doc.states[i];
          if (state !== undefined)
            states.set(node, new Uint8Array(state.buffer, state.byteOffset, state.byteLength));
        });
      }
      return states;
    },
    async save(shard, states, roundTime) {
      const parts: { nodes: string[]; states: Buffer[]; bytes: number }[] = [];
      let current = { nodes: [] as string[], states: [] as Buffer[], bytes: 0 };
      for (const [node, state] of [...states.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const size = state.byteLength + node.length + 16;
        if (current.bytes + size > MAX_DOCUMENT_BYTES && current.nodes.length > 0) {
          parts.push(current);
          current = { nodes: [], states: [], bytes: 0 };
        }
        current.nodes.push(node);
        current.states.push(Buffer.from(state.buffer, state.byteOffset, state.byteLength));
        current.bytes += size;
      }
      if (current.nodes.length > 0) parts.push(current);
      const existing = await collection.where('shard', '==', shard).select('part').get();
      let batch = db.batch();
      let batchBytes = 0;
      const commits: Promise<unknown>[] = [];
      parts.forEach((part, i) => {
        if (batchBytes + part.bytes > MAX_BATCH_BYTES && batchBytes > 0) {
          commits.push(batch.commit());
          batch = db.batch();
          batchBytes = 0;
        }
        const doc: CounterDocument = {
          shard,
          part: i,
          parts: parts.length,
          roundTime,
          nodes: part.nodes,
          states: part.states,
        };
        batch.set(collection.doc(`${shard}-${i}`), doc);
        batchBytes += part.bytes;
      });
      for (const doc of existing.docs) {
        if ((doc.get('part') as number) >= parts.length) batch.delete(doc.ref);
      }
      commits.push(batch.commit());
      await Promise.all(commits);
      return { documents: parts.length, bytes: parts.reduce((sum, p) => sum + p.bytes, 0) };
    },
  };
}

/** Counters kept in this process only (the CLI's default, and tests). */
export function memoryCounterStore(): CounterStore {
  const shards = new Map<string, Map<string, Uint8Array>>();
  return {
    load: async (shard) => new Map(shards.get(shard) ?? []),
    save: async (shard, states) => {
      shards.set(shard, new Map(states));
      return { documents: 0, bytes: [...states.values()].reduce((sum, s) => sum + s.byteLength, 0) };
    },
  };
}
