import type { Problems } from './config-error.js';

/**
 * Readers for single option values. Each reports a problem (and answers the fallback) rather than throwing,
 * so every error in a configuration is reported at once.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations as Heapster took them: 500ms, 15s, 1m, 1m30s, 2h. Answers milliseconds. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, n, unit] of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g))
    total += Number(n) * (UNITS[unit as string] as number);
  return total;
}

export function readDuration(
  problems: Problems,
  variable: string,
  raw: string | null | undefined,
  fallbackMs: number,
  bounds: { minMs?: number; maxMs?: number } = {},
): number {
  if (raw === null || raw === undefined || raw.trim() === '') return fallbackMs;
  const ms = parseDuration(raw);
  if (ms === undefined) {
    problems.add(variable, `"${raw}" is not a duration`, `${variable}=${fallbackMs / 1000}s`);
    return fallbackMs;
  }
  if (
    (bounds.minMs !== undefined && ms < bounds.minMs) ||
    (bounds.maxMs !== undefined && ms > bounds.maxMs)
  ) {
    const range = `between ${(bounds.minMs ?? 0) / 1000}s and ${bounds.maxMs === undefined ? 'any' : `${bounds.maxMs / 1000}s`}`;
    problems.add(
      variable,
      `${raw} is out of range: it must be ${range}`,
      `${variable}=${fallbackMs / 1000}s`,
    );
    return fallbackMs;
  }
  return ms;
}

export function readInt(
  problems: Problems,
  variable: string,
  raw: string | null | undefined,
  fallback: number,
  bounds: { min: number; max: number },
): number {
  if (raw === null || raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < bounds.min || n > bounds.max) {
    problems.add(
      variable,
      `"${raw}" must be a whole number from ${bounds.min} to ${bounds.max}`,
      `${variable}=${fallback}`,
    );
    return fallback;
  }
  return n;
}

export function readBool(
  problems: Problems,
  variable: string,
  raw: string | null | undefined,
  fallback: boolean,
): boolean {
  if (raw === null || raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  problems.add(variable, `"${raw}" must be true or false`, `${variable}=${fallback}`);
  return fallback;
}

export function readChoice<T extends string>(
  problems: Problems,
  variable: string,
  raw: string | null | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (raw === null || raw === undefined || raw.trim() === '') return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  problems.add(variable, `"${raw}" is not one of ${choices.join(', ')}`, `${variable}=${fallback}`);
  return fallback;
}

/** Options a source or sink does not know are errors too: a typo must not be silently ignored. */
export function rejectUnknownOptions(
  problems: Problems,
  variable: string,
  uri: string,
  options: URLSearchParams,
  known: readonly string[],
): void {
  for (const key of new Set(options.keys())) {
    if (!known.includes(key))
      problems.add(
        variable,
        `unknown option "${key}" in ${uri}; known options: ${known.join(', ')}`,
        `${known[0]}=...`,
      );
  }
}
