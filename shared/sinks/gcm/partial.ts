import { GRPC } from './api.js';

/**
 * What a failed CreateTimeSeries says about its points. The CreateTimeSeriesSummary counts points per error
 * status; the message names the failed series by index, in forms the service has used over the years:
 *   <reason>: k8s_node{...} timeSeries[3]: custom.googleapis.com/x{...}; <reason>: ... timeSeries[0-31]: ...
 *   Field timeSeries[66] had an invalid value: Duplicate TimeSeries encountered. ...
 *   timeSeries[0-2] (example metric.type="..."): write for resource=... failed with: <reason>
 */
export interface FailedSeries {
  readonly index: number;
  /** The segment of the message about this series, for matching with the summary and for logs. */
  readonly text: string;
}

const LEAD = /^One or more TimeSeries could not be written:\s*/i;

/** Message segments split at ";" outside braces, quotes and brackets. */
export function segments(message: string): string[] {
  const body = message.replace(LEAD, '');
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '"' && body[i - 1] !== '\\') quote = !quote;
    else if (quote) continue;
    else if (c === '{' || c === '[' || c === '(') depth++;
    else if ((c === '}' || c === ']' || c === ')') && depth > 0) depth--;
    else if (c === ';' && depth === 0) {
      out.push(body.slice(from, i).trim());
      from = i + 1;
    }
  }
  out.push(body.slice(from).trim());
  return out.filter((s) => s !== '');
}

/** The series indexes a message names, each with its segment; ranges like [0-31] and lists like [1,4] expand. */
export function failedSeries(message: string, seriesCount: number): FailedSeries[] {
  const found = new Map<number, FailedSeries>();
  for (const text of segments(message)) {
    for (const match of text.matchAll(/timeSeries\[([\d\s,-]+)\]/g)) {
      for (const part of (match[1] as string).split(',')) {
        const [a, b] = part.split('-').map((x) => Number(x.trim()));
        if (a === undefined || !Number.isInteger(a)) continue;
        const last = b !== undefined && Number.isInteger(b) ? b : a;
        for (let i = a; i <= Math.min(last, seriesCount - 1); i++)
          if (!found.has(i)) found.set(i, { index: i, text });
      }
    }
  }
  return [...found.values()].sort((x, y) => x.index - y.index);
}

/** Why points were refused, as the report names it. */
export const REJECT_REASONS = [
  'too-frequent',
  'duplicate-series',
  'out-of-order',
  'too-old',
  'too-new',
  'bad-interval',
  'series-limit',
  'bad-metric',
  'bad-resource',
  'internal',
  'invalid',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** The reason a message (or a summary error's message) gives, by the service's wording. */
export function classify(text: string): RejectReason {
  if (/more frequently than the maximum sampling period/i.test(text)) return 'too-frequent';
  if (/duplicate time ?series/i.test(text)) return 'duplicate-series';
  if (/written in order|than the most recent point/i.test(text)) return 'out-of-order';
  if (/in the future/i.test(text)) return 'too-new';
  if (/too old|older than|in the past|25 ?h/i.test(text)) return 'too-old';
  if (/start time|end time|interval/i.test(text)) return 'bad-interval';
  if (/active time series|time series limit|cardinality/i.test(text)) return 'series-limit';
  if (/monitored resource|resource type|resource label/i.test(text)) return 'bad-resource';
  if (/metric descriptor|metric label|metric type|value type|metric kind/i.test(text)) return 'bad-metric';
  if (/internal error/i.test(text)) return 'internal';
  return 'invalid';
}

/** A whole-call failure's reason, by its gRPC code. */
export function reasonOfCode(code: number, message: string): string {
  switch (code) {
    case GRPC.UNAVAILABLE:
      return 'unavailable';
    case GRPC.DEADLINE_EXCEEDED:
      return 'deadline-exceeded';
    case GRPC.RESOURCE_EXHAUSTED:
      return 'rate-limited';
    case GRPC.CANCELLED:
      return 'cancelled';
    case GRPC.PERMISSION_DENIED:
    case GRPC.UNAUTHENTICATED:
      return 'permission-denied';
    case GRPC.NOT_FOUND:
      return 'not-found';
    case GRPC.INVALID_ARGUMENT:
      return classify(message);
    case GRPC.INTERNAL:
      return 'internal';
    default:
      return `grpc-${code}`;
  }
}
