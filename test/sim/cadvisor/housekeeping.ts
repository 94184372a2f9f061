import { hash32 } from '../rng.js';
import { compareInstants, type Instant } from './go-time.js';
import { containerOf, type ContainerModel, type HostModel } from './model.js';

function tick(host: HostModel, c: ContainerModel, k: number): Instant {
  const interval = host.housekeepingIntervalMs;
  const jitter = hash32(`${c.hash}:${k}`) % Math.max(1, Math.floor(interval / 20));
  return { ms: k * interval + c.phase.ms + jitter, ns: c.phase.ns };
}

/**
 * The instants of the samples cAdvisor holds for `name` at simulated time `nowMs`, oldest first: one per
 * housekeeping tick (with a little deterministic jitter), no earlier than the container's creation and at most
 * `historySamples` of them.
 */
export function sampleInstants(host: HostModel, name: string, nowMs: number): Instant[] {
  const c = containerOf(host, name);
  const interval = host.housekeepingIntervalMs;
  const now: Instant = { ms: nowMs, ns: 0 };
  let last = Math.floor((nowMs - c.phase.ms) / interval);
  while (compareInstants(tick(host, c, last), now) > 0) last--;
  const created: Instant = { ms: c.creationMs, ns: 0 };
  let first = Math.ceil((c.creationMs - c.phase.ms) / interval);
  while (compareInstants(tick(host, c, first - 1), created) >= 0) first--;
  while (compareInstants(tick(host, c, first), created) < 0) first++;
  first = Math.max(first, last - host.historySamples + 1);
  const out: Instant[] = [];
  for (let k = first; k <= last; k++) out.push(tick(host, c, k));
  return out;
}
