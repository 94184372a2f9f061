/**
 * Reading the log sink's point lines, `metric{label="value",...} value`, back into comparable points. The
 * label values are JSON strings (they may hold commas, quotes and braces), so they are scanned, not split.
 */
export interface LoggedPoint {
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const HEAD = /^([a-z_]+(?:\/[a-z_]+)?)\{/;

/** The point on a line, or undefined when the line is something else (a JSON log entry, a banner). */
export function parsePointLine(line: string): LoggedPoint | undefined {
  const head = HEAD.exec(line);
  if (head === null) return undefined;
  const labels: Record<string, string> = {};
  let i = head[0].length;
  while (line[i] !== '}') {
    const eq = line.indexOf('=', i);
    if (eq < 0 || line[eq + 1] !== '"') throw new Error(`bad label at ${i} in: ${line}`);
    const key = line.slice(i, eq);
    let end = eq + 2;
    while (line[end] !== '"') {
      if (end >= line.length) throw new Error(`unterminated label value in: ${line}`);
      end += line[end] === '\\' ? 2 : 1;
    }
    labels[key] = JSON.parse(line.slice(eq + 1, end + 1)) as string;
    i = end + 1;
    if (line[i] === ',') i++;
  }
  if (line[i + 1] !== ' ') throw new Error(`no value after the labels in: ${line}`);
  const text = line.slice(i + 2);
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new Error(`bad value "${text}" in: ${line}`);
  return { metric: head[1] as string, labels, value };
}

/** One string per point identity: the metric and its labels in key order. */
export function pointKey(metric: string, labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels).sort();
  return `${metric}{${keys.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

/** The points of some lines by their key; a key seen twice is an error (one round writes a series once). */
export function pointsByKey(lines: Iterable<string>): Map<string, LoggedPoint> {
  const points = new Map<string, LoggedPoint>();
  for (const line of lines) {
    const point = parsePointLine(line);
    if (point === undefined) continue;
    const key = pointKey(point.metric, point.labels);
    if (points.has(key)) throw new Error(`point written twice in one round: ${key}`);
    points.set(key, point);
  }
  return points;
}
