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

interface Segment {
  fromMs: number;
  base: number;
  perSecond: number;
}

/** Segments older than this many are merged away: only the recent past is ever asked for. */
const MAX_SEGMENTS = 8;

export function createCounter(startMs: number, perSecond: number): Counter {
  const segments: Segment[] = [{ fromMs: startMs, base: 0, perSecond }];
  const exact = (ms: number): number => {
    for (let i = segments.length - 1; i >= 0; i--) {
      const s = segments[i] as Segment;
      if (ms >= s.fromMs || i === 0) return s.base + (s.perSecond * Math.max(0, ms - s.fromMs)) / 1000;
    }
    return 0;
  };
  return {
    at: (ms) => Math.floor(exact(ms)),
    setRate(ms, rate) {
      const last = segments[segments.length - 1] as Segment;
      if (ms < last.fromMs) throw new Error('a counter rate can only change going forward in time');
      segments.push({ fromMs: ms, base: exact(ms), perSecond: rate });
      if (segments.length > MAX_SEGMENTS) segments.shift();
    },
    get rate() {
      return (segments[segments.length - 1] as Segment).perSecond;
    },
    startMs,
  };
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
