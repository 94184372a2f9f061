import type { LoggedPoint } from '../../support/point-lines.js';
import type { ExpectedPoint } from './heapster-points.js';

/** Every difference between the points a round wrote and the expectation, summarised for an assertion. */
export function differences(
  actual: ReadonlyMap<string, LoggedPoint>,
  expected: ReadonlyMap<string, ExpectedPoint>,
  show = 15,
): string[] {
  const missing: string[] = [];
  const wrong: string[] = [];
  const extra: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got === undefined) missing.push(key);
    else if (!(Math.abs(got.value - want.value) <= want.tolerance))
      wrong.push(`${key}: wrote ${got.value}, expected ${want.value} (within ${want.tolerance})`);
  }
  for (const key of actual.keys()) if (!expected.has(key)) extra.push(key);
  const out: string[] = [];
  const list = (title: string, items: string[]): void => {
    if (items.length === 0) return;
    out.push(`${items.length} ${title}:`, ...items.slice(0, show).map((s) => `  ${s}`));
  };
  list('points missing', missing);
  list('points with a wrong value', wrong);
  list('points not expected', extra);
  return out;
}

/** Points per `type` label. */
export function countPerType(
  points: Iterable<{ labels: Readonly<Record<string, string>> }>,
): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const p of points) {
    const type = p.labels['type'] ?? '(none)';
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}
