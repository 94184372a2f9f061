/**
 * Keeps a process's writes in round order. Every point of a round ends at the round's time, so a series stays
 * in order as long as rounds are written one after the other, oldest first: a run whose previous run is still
 * writing waits for it (within its own deadline); a round older than one already written, or closer to it than
 * Cloud Monitoring's minimum sampling period, is not written at all.
 */
export const MIN_SAMPLING_PERIOD_MS = 10_000;

export type Admission =
  | { readonly admitted: true; readonly release: () => void; readonly repeat: boolean }
  | { readonly admitted: false; readonly reason: 'round-out-of-order' | 'too-frequent' | 'deadline' };

export class RoundOrder {
  private tail: Promise<void> = Promise.resolve();
  /** The newest round a write was started for. */
  private newest = Number.NEGATIVE_INFINITY;

  constructor(private readonly minPeriodMs = MIN_SAMPLING_PERIOD_MS) {}

  /** Waits for the writes started before, then admits the round or says why not. */
  async admit(roundTime: number, signal: AbortSignal): Promise<Admission> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const before = this.tail;
    this.tail = before.then(() => mine);
    const aborted = new Promise<'aborted'>((resolve) => {
      if (signal.aborted) resolve('aborted');
      signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    const turn = await Promise.race([before.then(() => 'turn' as const), aborted]);
    if (turn === 'aborted') {
      // Our place in the line passes on once the writes before it are done.
      void before.then(release);
      return { admitted: false, reason: 'deadline' };
    }
    if (roundTime < this.newest) {
      release();
      return { admitted: false, reason: 'round-out-of-order' };
    }
    if (roundTime > this.newest && roundTime - this.newest < this.minPeriodMs) {
      release();
      return { admitted: false, reason: 'too-frequent' };
    }
    // The same round again (the scheduler retrying it) may write what the first attempt did not.
    const repeat = roundTime === this.newest;
    this.newest = roundTime;
    return { admitted: true, release, repeat };
  }
}
