/**
 * Time as cAdvisor serialises it: Go's time.Time marshals to RFC 3339 with up to nine fractional digits and the
 * trailing zeros trimmed (2015-06-01T12:34:56.1234Z, or no fraction at all on a whole second). JavaScript dates
 * stop at milliseconds, so an instant here is whole milliseconds plus the nanoseconds below them.
 */
export interface Instant {
  /** Whole milliseconds since the epoch. */
  readonly ms: number;
  /** Extra nanoseconds, 0 to 999,999. */
  readonly ns: number;
}

export function goTime(at: Instant): string {
  const base = new Date(at.ms).toISOString(); // 2015-06-01T12:34:56.123Z
  const fraction = (base.slice(20, 23) + String(at.ns).padStart(6, '0')).replace(/0+$/, '');
  return base.slice(0, 19) + (fraction === '' ? '' : '.' + fraction) + 'Z';
}

const GO_TIME = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 time with up to nanosecond precision; undefined when it is not one. */
export function parseGoTime(text: string): Instant | undefined {
  const m = GO_TIME.exec(text);
  if (m === null) return undefined;
  const [, seconds, fraction = '', zone] = m as unknown as [string, string, string | undefined, string];
  const wholeSeconds = Date.parse(seconds + zone);
  if (Number.isNaN(wholeSeconds)) return undefined;
  const digits = fraction.padEnd(9, '0');
  return { ms: wholeSeconds + Number(digits.slice(0, 3)), ns: Number(digits.slice(3)) };
}

/** Nanoseconds from `a` to `b` (exact while the gap stays under about 100 days). */
export function nanosBetween(a: Instant, b: Instant): number {
  return (b.ms - a.ms) * 1_000_000 + (b.ns - a.ns);
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.ns - b.ns;
}

/** Go's zero time.Time, which a client sends for "no bound" in a ContainerInfoRequest. */
export function isGoZeroTime(at: Instant): boolean {
  return at.ms <= Date.parse('0001-01-01T00:00:00Z');
}
