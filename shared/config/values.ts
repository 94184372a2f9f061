import type { Problems } from './config-error.js';
import type { HeapsterUri } from './uri.js';

/**
 * Readers for single option values. Each reports a problem (and answers the fallback) rather than throwing,
 * so every error in a configuration is reported at once.
 */

/**
 * What a value is read for: a variable (`INTERVAL`, whose example is `INTERVAL=60s`) or an option inside a
 * source or sink URI, whose example must be a URI again (`log?points=false`), not `SINKS (...)=false`.
 */
export type Subject = string | { readonly variable: string; readonly example: (value: string) => string };

/** An option of a source or sink URI as a subject: named after the variable, with the user's URI as example. */
export function uriOption(variable: string, uri: HeapsterUri, option: string): Subject {
  return {
    variable: `${variable} (${uri.prefix} option ${option})`,
    example: (value) => withOption(uri, option, value),
  };
}

/** The URI with one option set to `value` (and any other options dropped), e.g. `log?points=false`. */
export function withOption(uri: HeapsterUri, option: string, value: string): string {
  return `${uri.prefix}${uri.url === undefined ? '' : `:${uri.url}`}?${option}=${value}`;
}

function nameOf(subject: Subject): string {
  return typeof subject === 'string' ? subject : subject.variable;
}

function exampleOf(subject: Subject, value: string): string {
  return typeof subject === 'string' ? `${subject}=${value}` : subject.example(value);
}

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
  subject: Subject,
  raw: string | null | undefined,
  fallbackMs: number,
  bounds: { minMs?: number; maxMs?: number } = {},
): number {
  if (raw === null || raw === undefined || raw.trim() === '') return fallbackMs;
  const ms = parseDuration(raw);
  if (ms === undefined) {
    problems.add(
      nameOf(subject),
      `"${raw}" is not a duration like 30s, 1m30s or 500ms`,
      exampleOf(subject, `${fallbackMs / 1000}s`),
    );
    return fallbackMs;
  }
  if (
    (bounds.minMs !== undefined && ms < bounds.minMs) ||
    (bounds.maxMs !== undefined && ms > bounds.maxMs)
  ) {
    const range = `between ${(bounds.minMs ?? 0) / 1000}s and ${bounds.maxMs === undefined ? 'any' : `${bounds.maxMs / 1000}s`}`;
    problems.add(
      nameOf(subject),
      `${raw} is out of range: it must be ${range}`,
      exampleOf(subject, `${fallbackMs / 1000}s`),
    );
    return fallbackMs;
  }
  return ms;
}

export function readInt(
  problems: Problems,
  subject: Subject,
  raw: string | null | undefined,
  fallback: number,
  bounds: { min: number; max: number },
): number {
  if (raw === null || raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < bounds.min || n > bounds.max) {
    problems.add(
      nameOf(subject),
      `"${raw}" must be a whole number from ${bounds.min} to ${bounds.max}`,
      exampleOf(subject, String(fallback)),
    );
    return fallback;
  }
  return n;
}

export function readBool(
  problems: Problems,
  subject: Subject,
  raw: string | null | undefined,
  fallback: boolean,
): boolean {
  if (raw === null || raw === undefined || raw.trim() === '') return fallback;
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  problems.add(nameOf(subject), `"${raw}" must be true or false`, exampleOf(subject, String(fallback)));
  return fallback;
}

export function readChoice<T extends string>(
  problems: Problems,
  subject: Subject,
  raw: string | null | undefined,
  choices: readonly T[],
  fallback: T,
): T {
  if (raw === null || raw === undefined || raw.trim() === '') return fallback;
  // LOG_LEVEL=debug means DEBUG: the choice is matched without regard to case.
  const chosen = choices.find((c) => c.toLowerCase() === raw.trim().toLowerCase());
  if (chosen !== undefined) return chosen;
  problems.add(nameOf(subject), `"${raw}" is not one of ${choices.join(', ')}`, exampleOf(subject, fallback));
  return fallback;
}

/**
 * Options a source or sink does not know are errors too: a typo must not be silently ignored. The example is
 * the user's URI with the option spelled as the nearest known one (or without it when none is near).
 */
export function rejectUnknownOptions(
  problems: Problems,
  variable: string,
  uri: string,
  options: URLSearchParams,
  known: readonly string[],
): void {
  for (const key of new Set(options.keys())) {
    if (known.includes(key)) continue;
    const typo = nearest(key, known);
    // The fix is renaming the option, unless the right one is there already: then it is dropping it.
    const near = typo !== undefined && !options.has(typo) ? typo : undefined;
    const pattern = new RegExp(`([?&])${escapeRegExp(encodeURIComponent(key))}=[^&]*&?`);
    const example =
      near === undefined
        ? uri.replace(pattern, '$1').replace(/[?&]$/, '')
        : uri.replace(pattern, (m) => m.replace(encodeURIComponent(key), near));
    problems.add(
      variable,
      `unknown option "${key}" in ${uri}${typo === undefined ? '' : ` (did you mean ${typo}?)`}; known options: ${known.join(', ')}`,
      example,
    );
  }
}

/**
 * The known name a typo most likely meant: same letters in another case, or a few edits away (one per three
 * letters, at most two, so that a short foreign option like `db` is not taken for `ca`).
 */
function nearest(key: string, known: readonly string[]): string | undefined {
  const allowed = Math.min(2, Math.floor(key.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = name.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, name);
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(
        (row[j] as number) + 1,
        (next[j - 1] as number) + 1,
        (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    row = next;
  }
  return row[b.length] as number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The cluster's name, on every point and in state paths: Heapster's default "default". */
export function readClusterName(problems: Problems, raw: string | undefined): string {
  const clusterName = (raw ?? 'default').trim();
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$/.test(clusterName)) {
    problems.add(
      'CLUSTER_NAME',
      `"${clusterName}" must be 1-100 letters, digits, "-", "_" or "." starting with a letter or digit`,
      'CLUSTER_NAME=prod-europe',
    );
  }
  return clusterName;
}
