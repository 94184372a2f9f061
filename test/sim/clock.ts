/**
 * The simulated cluster's clock: real time plus an offset that tests can advance, so two scrapes can be
 * "30 s apart" without waiting 30 s. Every time the simulator serves is read from this clock.
 */
export interface SimClock {
  /** Milliseconds since the epoch, as the simulated cluster sees it. */
  now(): number;
  /** Moves simulated time forward. */
  advance(ms: number): void;
}

export function createClock(startOffsetMs = 0): SimClock {
  let offset = startOffsetMs;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      if (!(ms >= 0)) throw new Error(`clock can only move forward, got ${ms} ms`);
      offset += ms;
    },
  };
}

/** Kubernetes serialises metav1.Time with whole seconds: 2020-04-20T22:52:27Z. */
export function k8sTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** metav1.MicroTime, used by eventTime: 2023-01-01T00:00:00.000000Z. */
export function k8sMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
