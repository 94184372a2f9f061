import { checkOrder, checkSeries, LIMITS, MESSAGES, type CheckContext } from './rules.js';
import { resourceKeyOf, type ProjectStore } from './store.js';
import type { WireTimeSeries } from './wire.js';

/**
 * CreateTimeSeries' per-series work: every series is checked on its own, the good ones are stored, and each
 * failure is kept with its index for the partial-failure answer.
 */
export interface SeriesFailure {
  readonly index: number;
  readonly code: number;
  readonly message: string;
}

export interface WriteOutcome {
  readonly stored: number;
  readonly failures: readonly SeriesFailure[];
}

export interface WriteContext extends CheckContext {
  readonly maxActiveSeriesPerResource: number;
  /** Takes one per-point failure from the fault budget, if any is armed. */
  readonly pointFault: () => { code: number; message: string } | undefined;
}

const INVALID_ARGUMENT = 3;

export function writeSeries(
  store: ProjectStore,
  series: readonly WireTimeSeries[],
  keys: readonly string[],
  ctx: WriteContext,
): WriteOutcome {
  const failures: SeriesFailure[] = [];
  const seen = new Set<string>();
  let stored = 0;
  series.forEach((ts, index) => {
    const key = keys[index] as string;
    const fail = (message: string, code = INVALID_ARGUMENT): void => {
      failures.push({ index, code, message });
    };
    if (seen.has(key)) return fail(MESSAGES.duplicate);
    seen.add(key);
    const fault = ctx.pointFault();
    if (fault !== undefined) return fail(fault.message, fault.code);
    const problem = checkSeries(ts, ctx);
    if (problem !== undefined) return fail(problem);
    const descriptor = ctx.descriptor(ts.metric?.type ?? '');
    const kind = descriptor?.metricKind ?? 'GAUGE';
    const existing = store.series.get(key);
    const order = checkOrder(ts, existing, kind, ctx);
    if (order !== undefined) return fail(order);
    const resourceKey = resourceKeyOf(ts);
    if (
      !store.isActive(resourceKey, key, ctx.now, LIMITS.activeWindowMs) &&
      store.activeCount(resourceKey, ctx.now, LIMITS.activeWindowMs) >= ctx.maxActiveSeriesPerResource
    )
      return fail(MESSAGES.seriesLimit);
    store.store(ts, key, resourceKey, kind, descriptor?.valueType ?? 'DOUBLE');
    stored++;
  });
  return { stored, failures };
}

/** Indexes as the service writes them: runs collapsed, `0-31,40,42-43`. */
export function indexRanges(indexes: readonly number[]): string {
  const sorted = [...indexes].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Failures grouped by status, in order of first appearance: the summary's errors and the message's parts. */
export function groupFailures(
  failures: readonly SeriesFailure[],
): { code: number; message: string; indexes: number[] }[] {
  const groups = new Map<string, { code: number; message: string; indexes: number[] }>();
  for (const f of failures) {
    const id = `${f.code}\u0000${f.message}`;
    let g = groups.get(id);
    if (g === undefined) groups.set(id, (g = { code: f.code, message: f.message, indexes: [] }));
    g.indexes.push(f.index);
  }
  return [...groups.values()];
}

/** The service's partial-failure message: each reason with an example resource, the indexes and metric. */
export function failureMessage(
  groups: readonly { message: string; indexes: number[] }[],
  series: readonly WireTimeSeries[],
): string {
  const parts = groups.map((g) => {
    const example = series[g.indexes[0] as number];
    const labels = (l: Record<string, string> | undefined): string =>
      Object.entries(l ?? {})
        .map(([k, v]) => `${k}:${v}`)
        .join(',');
    return (
      `${g.message}: ${example?.resource?.type ?? ''}{${labels(example?.resource?.labels)}} ` +
      `timeSeries[${indexRanges(g.indexes)}]: ${example?.metric?.type ?? ''}{${labels(example?.metric?.labels)}}`
    );
  });
  return `One or more TimeSeries could not be written: ${parts.join('; ')}`;
}
