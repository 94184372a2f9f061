/**
 * A cumulative counter that grows linearly at a rate that can change over time: the exact value at any
 * simulated time is known, so the simulator and its ground truth agree to the unit.
 */
export interface Counter {
  /** The integer value at simulated time `ms` (never decreasing in `ms` for ms >= start). */
  at(ms: number): number;
  /** Changes the growth rate (units per second) from simulated time `ms` on. */
  setRate(ms: number, perSecond: number): void;
  /** The current rate, units per second. */
  readonly rate: number;
  /** Simulated time at which the counter started from zero. */
  readonly startMs: number;
}

/** Segments older than this many are merged away: only the recent past is ever asked for. */
const MAX_SEGMENTS = 8;

/**
 * A class with the current segment in fields and older ones (rare: a rate changed) in one flat array, not
 * closures over an array of objects: a 5,000-node cluster holds over a million counters, and per-instance
 * closures (each named by the TypeScript loader, which makes it a dictionary-mode object) cost several
 * hundred bytes apiece.
 */
class LinearCounter implements Counter {
  private fromMs: number;
  private base = 0;
  private perSecond: number;
  /** Earlier segments as [fromMs, base, perSecond] triples, oldest first. */
  private earlier: number[] | undefined;

  constructor(
    readonly startMs: number,
    perSecond: number,
  ) {
    this.fromMs = startMs;
    this.perSecond = perSecond;
  }

  get rate(): number {
    return this.perSecond;
  }

  at(ms: number): number {
    return Math.floor(this.exact(ms));
  }

  setRate(ms: number, rate: number): void {
    if (ms < this.fromMs) throw new Error('a counter rate can only change going forward in time');
    const base = this.exact(ms);
    const earlier = (this.earlier ??= []);
    earlier.push(this.fromMs, this.base, this.perSecond);
    if (earlier.length > (MAX_SEGMENTS - 1) * 3) earlier.splice(0, 3);
    this.fromMs = ms;
    this.base = base;
    this.perSecond = rate;
  }

  private exact(ms: number): number {
    if (ms >= this.fromMs || this.earlier === undefined)
      return this.base + (this.perSecond * Math.max(0, ms - this.fromMs)) / 1000;
    const e = this.earlier;
    for (let i = e.length - 3; i >= 0; i -= 3) {
      const from = e[i] as number;
      if (ms >= from || i === 0)
        return (e[i + 1] as number) + ((e[i + 2] as number) * Math.max(0, ms - from)) / 1000;
    }
    return 0;
  }
}

export function createCounter(startMs: number, perSecond: number): Counter {
  return new LinearCounter(startMs, perSecond);
}

/**
 * A gauge that wanders deterministically between `base` and `base + span` as simulated seconds pass:
 * the same (time, seed) always gives the same value.
 */
export function wobble(base: number, span: number, ms: number, seed: number): number {
  if (span <= 0) return base;
  const tick = Math.floor(ms / 1000);
  const x = Math.imul(tick ^ seed, 0x9e3779b1) >>> 0;
  // Slow drift: mostly the tick's minute, plus a little per-second noise.
  const minute = Math.floor(tick / 60);
  const slow = Math.imul(minute ^ seed, 0x85ebca6b) >>> 0;
  return base + Math.floor(((slow % 1000) * 0.9 + (x % 1000) * 0.1) * (span / 1000));
}

/** Start of the stats window that simulated time `ms` falls in, for an entity whose phase is `phaseMs`. */
export function statTime(ms: number, intervalMs: number, phaseMs: number): number {
  return Math.floor((ms - phaseMs) / intervalMs) * intervalMs + phaseMs;
}
