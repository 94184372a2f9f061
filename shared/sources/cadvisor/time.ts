/**
 * cAdvisor's timestamps: Go's time.Time in RFC 3339 with up to nine fractional digits. Samples a second apart
 * need more than milliseconds for exact rates, so an instant is whole milliseconds plus the nanoseconds below.
 */
export interface Instant {
  /** Milliseconds since the epoch. */
  readonly ms: number;
  /** Nanoseconds below the millisecond, 0 to 999,999. */
  readonly ns: number;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** The instant of an RFC 3339 time; undefined when the text is not one (or is Go's zero time). */
export function parseInstant(text: unknown): Instant | undefined {
  if (typeof text !== 'string') return undefined;
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [, date, time, fraction = '', zone = 'Z'] = m;
  // Go's zero time (0001-01-01T00:00:00Z) marks "never": no instant.
  if (date === undefined || date.startsWith('0001-')) return undefined;
  const seconds = Date.parse(`${date}T${time}${zone.toUpperCase()}`);
  if (!Number.isFinite(seconds)) return undefined;
  const digits = fraction.padEnd(9, '0');
  return { ms: seconds + Number(digits.slice(0, 3)), ns: Number(digits.slice(3)) };
}

/** Nanoseconds from `a` to `b`; exact while the gap stays under about 100 days. */
export function nanosBetween(a: Instant, b: Instant): number {
  return (b.ms - a.ms) * 1_000_000 + (b.ns - a.ns);
}

export function compareInstants(a: Instant, b: Instant): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.ns - b.ns;
}
