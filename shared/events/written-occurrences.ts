/**
 * The identities (see occurrenceId) of the occurrences written within the horizon, which is what a relist
 * checks before writing an event's current state again. Kept in generations of a minute: the newest in a
 * Set, older ones sealed into sorted Float64Arrays (8 bytes an id instead of about 40 in a Set), and a whole
 * generation dropped once it is older than the horizon. Memory so follows the rate of occurrences times the
 * horizon, not everything a long-lived process ever wrote.
 */
export interface OccurrenceIds {
  has(id: number): boolean;
  add(id: number): unknown;
  readonly size: number;
}

export interface WrittenOccurrencesOptions {
  /** How long an id is kept at least: longer than the API server keeps events (1 h by default). */
  readonly horizonMs: number;
  /** Ids written within one such period share a generation. */
  readonly generationMs?: number;
  readonly now?: () => number;
}

interface Generation {
  /** Start of the period (epoch ms); ids of later times may join it, never earlier ones. */
  readonly start: number;
  open: Set<number> | undefined;
  sealed: Float64Array;
}

export class WrittenOccurrences implements OccurrenceIds {
  private generations: Generation[] = [];
  private readonly generationMs: number;
  private readonly now: () => number;

  constructor(private readonly options: WrittenOccurrencesOptions) {
    // A minute: at 1000 occurrences/s the open Set (about 40 bytes an id) holds 60,000 ids, not 300,000.
    this.generationMs = options.generationMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    let n = 0;
    for (const g of this.generations) n += g.sealed.length + (g.open?.size ?? 0);
    return n;
  }

  has(id: number): boolean {
    for (let i = this.generations.length - 1; i >= 0; i--) {
      const g = this.generations[i] as Generation;
      if (g.open?.has(id) === true || contains(g.sealed, id)) return true;
    }
    return false;
  }

  /** Records an id written now, or at `at` (a journal document's save time; later times win when out of order). */
  add(id: number, at = this.now()): this {
    this.generationFor(at).open?.add(id);
    return this;
  }

  /** Seals the generations no longer written to and drops those past the horizon. */
  private generationFor(at: number): Generation {
    const start = Math.floor(at / this.generationMs) * this.generationMs;
    let last = this.generations[this.generations.length - 1];
    if (last === undefined || start > last.start) {
      if (last !== undefined) seal(last);
      const oldest = this.now() - this.options.horizonMs;
      this.generations = this.generations.filter((g) => g.start + this.generationMs >= oldest);
      last = { start, open: new Set(), sealed: new Float64Array(0) };
      this.generations.push(last);
    }
    last.open ??= new Set();
    return last;
  }
}

function seal(g: Generation): void {
  if (g.open === undefined) return;
  const merged = new Float64Array(g.sealed.length + g.open.size);
  merged.set(g.sealed);
  let i = g.sealed.length;
  for (const id of g.open) merged[i++] = id;
  merged.sort();
  g.sealed = merged;
  g.open = undefined;
}

function contains(sorted: Float64Array, id: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const value = sorted[mid] as number;
    if (value === id) return true;
    if (value < id) lo = mid + 1;
    else hi = mid;
  }
  return false;
}
