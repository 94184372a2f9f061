/**
 * InfluxDB 1.x writes what it can of a request and answers 400 "partial write: REASON dropped=N" for the rest
 * (2.x says the same in a 422): new tag values past `max-values-per-tag`, new series past
 * `max-series-per-database`, a field of another type than the one stored, points outside the retention
 * policy, lines that do not parse. Sending those lines again gets the same answer, so they are refused for
 * good: counted by reason, never retried, and the request's other lines count as written.
 */
export const REFUSALS = [
  'max-values-per-tag',
  'max-series-per-database',
  'field-type-conflict',
  'beyond-retention',
  'bad-line',
  'partial-write',
] as const;
export type Refusal = (typeof REFUSALS)[number];

export interface PartialWrite {
  readonly reason: Refusal;
  /** Lines the server did not write. */
  readonly refused: number;
  /** The lines the answer names (those that did not parse), for the log. */
  readonly badLines: string[];
}

const REASONS: readonly [RegExp, Refusal][] = [
  [/max-values-per-tag limit exceeded/, 'max-values-per-tag'],
  [/max-series-per-database limit exceeded/, 'max-series-per-database'],
  [/field type conflict/, 'field-type-conflict'],
  [/beyond retention policy/, 'beyond-retention'],
  [/unable to parse/, 'bad-line'],
];

/**
 * What a 400 or 422 answer to a request of `lines` lines says was refused; undefined when it is not a partial
 * write (the server refused the request as a whole) or the count cannot be told.
 */
export function parsePartialWrite(body: string, lines: number): PartialWrite | undefined {
  const text = errorText(body);
  const parseErrors = unparsedLines(text);
  const partial = /partial write: ([\s\S]*) dropped=(\d+)\s*$/.exec(text.trim());
  if (partial === null) {
    // 1.x refuses a request whose every line fails to parse as a whole, naming each line.
    return parseErrors.length === lines && lines > 0
      ? { reason: 'bad-line', refused: lines, badLines: parseErrors }
      : undefined;
  }
  const reasonText = partial[1] as string;
  const reason = REASONS.find(([pattern]) => pattern.test(reasonText))?.[1] ?? 'partial-write';
  // Lines that do not parse are not counted in `dropped`: the answer names each of them.
  const refused = reason === 'bad-line' ? parseErrors.length : Number(partial[2]);
  if (refused <= 0) return undefined;
  return { reason, refused: Math.min(refused, lines), badLines: parseErrors };
}

/**
 * The lines an answer says did not parse: one "unable to parse 'LINE': WHY" per line, joined by newlines (a
 * line may hold quotes of its own, so it ends at the last "': ").
 */
function unparsedLines(text: string): string[] {
  return text
    .split(/\n(?=unable to parse ')/)
    .filter((segment) => segment.includes("unable to parse '"))
    .map((segment) => {
      const start = segment.indexOf("unable to parse '") + "unable to parse '".length;
      const end = segment.lastIndexOf("': ");
      return segment.slice(start, end > start ? end : undefined);
    });
}

/** The error text of an InfluxDB answer: 1.x's {"error": ...}, 2.x's {"message": ...}, else the body. */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return body;
}
