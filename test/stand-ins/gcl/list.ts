import { INVALID_ARGUMENT, type Refusal } from './rules.js';
import type { StoredEntry, WireEntry } from './entries.js';

/**
 * ListLogEntries over the stand-in's distinct entries. The filter understands what the tests ask: comparisons
 * `FIELD = "value"` joined by AND, on logName, insertId, severity, resource.type, resource.labels.K, labels.K
 * and jsonPayload paths, and timestamp comparisons; anything else is refused rather than half-understood.
 */
export interface ListRequest {
  resourceNames: string[];
  filter: string;
  orderBy: string;
  pageSize: number;
  pageToken: string;
}

export interface ListResponse {
  entries: WireEntry[];
  nextPageToken: string;
}

/** The client's getEntries adds `timestamp >= "<a day ago>"` unless the filter names timestamp itself. */
const TIME_CLAUSE = /^\s*timestamp\s*(>=|<=|>|<|=)\s*"([^"]+)"\s*$/;
const CLAUSE = /^\s*([A-Za-z_][\w.]*(?:\."[^"]+")?(?:\.[\w]+)*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))\s*$/;

export function listEntries(request: ListRequest, entries: readonly StoredEntry[]): ListResponse | Refusal {
  const projects = new Set<string>();
  for (const name of request.resourceNames) {
    const match = /^projects\/([^/]+)$/.exec(name);
    if (match === null) return { code: INVALID_ARGUMENT, message: `unsupported resource name "${name}"` };
    projects.add(match[1] as string);
  }
  if (projects.size === 0) return { code: INVALID_ARGUMENT, message: 'resource_names is required' };

  const tests: ((e: StoredEntry) => boolean)[] = [];
  const filter = request.filter.trim();
  for (const clause of filter === '' ? [] : filter.split(/\s+AND\s+/)) {
    const time = TIME_CLAUSE.exec(clause);
    if (time !== null) {
      const at = Date.parse(time[2] as string);
      if (Number.isNaN(at)) return { code: INVALID_ARGUMENT, message: `unreadable time in "${clause}"` };
      const op = time[1] as string;
      tests.push((e) => compare(op, e.timestampMs, at));
      continue;
    }
    const match = CLAUSE.exec(clause);
    if (match === null) return { code: INVALID_ARGUMENT, message: `unsupported filter clause "${clause}"` };
    const path = match[1] as string;
    const want = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] as string);
    const read = reader(path);
    if (read === undefined) return { code: INVALID_ARGUMENT, message: `unsupported filter field "${path}"` };
    tests.push((e) => read(e) === want);
  }

  const order = request.orderBy.trim().toLowerCase();
  if (order !== '' && order !== 'timestamp asc' && order !== 'timestamp desc')
    return { code: INVALID_ARGUMENT, message: `unsupported order_by "${request.orderBy}"` };
  const sign = order === 'timestamp desc' ? -1 : 1;
  const matching = entries
    .filter((e) => projects.has(e.project) && tests.every((t) => t(e)))
    .sort(
      (a, b) =>
        sign *
        (a.timestampMs - b.timestampMs ||
          a.timestamp.localeCompare(b.timestamp) ||
          a.insertId.localeCompare(b.insertId)),
    );
  const size = request.pageSize > 0 ? Math.min(request.pageSize, 1000) : 50;
  const from = request.pageToken === '' ? 0 : Number(request.pageToken);
  if (!Number.isInteger(from) || from < 0) return { code: INVALID_ARGUMENT, message: 'invalid page token' };
  const page = matching.slice(from, from + size);
  return {
    entries: page.map((e) => e.wire),
    nextPageToken: from + size < matching.length ? String(from + size) : '',
  };
}

function reader(path: string): ((e: StoredEntry) => unknown) | undefined {
  const parts = path.split('.').map((p) => p.replace(/^"|"$/g, ''));
  const [head, ...rest] = parts;
  switch (head) {
    case 'logName':
      return rest.length === 0 ? (e) => e.logName : undefined;
    case 'insertId':
      return rest.length === 0 ? (e) => e.insertId : undefined;
    case 'severity':
      return rest.length === 0 ? (e) => e.severity : undefined;
    case 'resource':
      if (rest.length === 1 && rest[0] === 'type') return (e) => e.resource.type;
      if (rest.length === 2 && rest[0] === 'labels') return (e) => e.resource.labels[rest[1] as string];
      return undefined;
    case 'labels':
      return rest.length === 1 ? (e) => e.labels[rest[0] as string] : undefined;
    case 'jsonPayload':
      return rest.length > 0 ? (e) => dig(e.payload, rest) : undefined;
    default:
      return undefined;
  }
}

function dig(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return typeof at === 'number' || typeof at === 'boolean' ? String(at) : at;
}

function compare(op: string, value: number, bound: number): boolean {
  switch (op) {
    case '>=':
      return value >= bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '<':
      return value < bound;
    default:
      return value === bound;
  }
}
