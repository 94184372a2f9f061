/**
 * Where a round carves its nodes' value arrays from: buffers of a few MiB, reused round after round.
 *
 * Why: a typed array of its own per node lives outside V8's heap, and V8 counts such memory as "external". A
 * 1000-node round holds ~55 MiB of value arrays until its sinks have written, and that much new external memory
 * started two full collections every round (V8 starts one at 64 MiB of external growth). Carved from buffers
 * that the next round reuses, the same bytes serve every round and no collection is needed to free them.
 *
 * The contract that makes reuse safe: an array from an arena is valid until the arena is given back to its pool,
 * and a round gives its arena back only when nothing reads its blocks any more (every sink's write settled).
 */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** Where a block's flat arrays come from. */
export interface ValueAllocator {
  /** `n` doubles, every one NaN ("absent" in a block's values and times). */
  values(n: number): Float64Array;
  /** `n` integers, uninitialised (the caller writes every one it reads). */
  ints(n: number): Int32Array;
  /** Room for `n` labelled points: value, set, label and metric columns, uninitialised (the caller counts them). */
  columns(n: number): PointColumns;
}

export type PointColumns = [value: Float64Array, set: Int32Array, label: Int32Array, metric: Uint16Array];

/** Arrays of their own, for callers that keep their blocks as long as they like. */
export const FRESH_ARRAYS: ValueAllocator = {
  values: (n) => new Float64Array(n).fill(NaN),
  ints: (n) => new Int32Array(n),
  columns: (n) => columnsIn(new ArrayBuffer(n * COLUMN_BYTES), 0, n),
};

const COLUMN_BYTES = 8 + 4 + 4 + 2;

function columnsIn(buffer: ArrayBuffer, at: number, n: number): PointColumns {
  return [
    new Float64Array(buffer, at, n),
    new Int32Array(buffer, at + n * 8, n),
    new Int32Array(buffer, at + n * 12, n),
    new Uint16Array(buffer, at + n * 16, n),
  ];
}

export class ValueArena implements ValueAllocator {
  private readonly chunks: ArrayBuffer[] = [];
  /** Chunks handed out since the last reset: the current one is chunks[used - 1]. */
  private used = 0;
  private offset = CHUNK_BYTES;

  values(n: number): Float64Array {
    const { buffer, byteOffset } = this.carve(n * 8);
    return new Float64Array(buffer, byteOffset, n).fill(NaN);
  }

  ints(n: number): Int32Array {
    const { buffer, byteOffset } = this.carve(n * 4);
    return new Int32Array(buffer, byteOffset, n);
  }

  columns(n: number): PointColumns {
    const { buffer, byteOffset } = this.carve(n * COLUMN_BYTES);
    return columnsIn(buffer, byteOffset, n);
  }

  /**
   * Makes every array handed out so far invalid, so their bytes serve again. Chunks the last round did not
   * use are let go, so that a cluster that shrank does not keep its largest round's memory.
   */
  reset(): void {
    this.chunks.length = this.used;
    this.used = 0;
    this.offset = CHUNK_BYTES;
  }

  private carve(bytes: number): { buffer: ArrayBuffer; byteOffset: number } {
    // Multiples of 8 keep every Float64Array aligned.
    const size = Math.ceil(bytes / 8) * 8;
    if (size > CHUNK_BYTES) return { buffer: new ArrayBuffer(size), byteOffset: 0 };
    if (this.offset + size > CHUNK_BYTES) {
      if (this.used === this.chunks.length) this.chunks.push(new ArrayBuffer(CHUNK_BYTES));
      this.used++;
      this.offset = 0;
    }
    const byteOffset = this.offset;
    this.offset += size;
    return { buffer: this.chunks[this.used - 1] as ArrayBuffer, byteOffset };
  }
}

/** Arenas for rounds that may overlap in one process (an instance serving two requests at once). */
export class ArenaPool {
  private readonly free: ValueArena[] = [];

  take(): ValueArena {
    return this.free.pop() ?? new ValueArena();
  }

  /** Only once nothing reads the arrays of `arena` any more. */
  give(arena: ValueArena): void {
    arena.reset();
    this.free.push(arena);
  }
}
