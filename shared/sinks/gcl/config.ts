import type { Problems } from '../../config/config-error.js';
import type { HeapsterUri } from '../../config/uri.js';
import { readDuration, rejectUnknownOptions, uriOption } from '../../config/values.js';
import { splitEndpoint } from '../../config/endpoint.js';

/**
 * The `gcl` event sink's options, in Heapster's syntax:
 *   gcl?project=P&location=L&log=kubernetes.io/events&endpoint=HOST:PORT&timeout=10s
 * Project and location left out are taken from the runtime when the sink first writes.
 */
export interface GclSinkConfig {
  readonly project: string | undefined;
  /** The cluster's region or zone: the monitored resources' `location` label. */
  readonly location: string | undefined;
  /** The log ID, unencoded (`kubernetes.io/events`); the log name carries it URL-encoded. */
  readonly logId: string;
  /** HOST:PORT of a regional or Private Service Connect endpoint, or a local stand-in (plain text on loopback). */
  readonly endpoint: string | undefined;
  /** Per WriteLogEntries call, before it counts as DEADLINE_EXCEEDED. */
  readonly timeoutMs: number;
}

/** Heapster's GCL event sink wrote to this log, and GKE users query it under this name. */
export const DEFAULT_LOG_ID = 'kubernetes.io/events';
export const GCL_OPTIONS = ['project', 'location', 'log', 'endpoint', 'timeout'] as const;
const EXAMPLE = 'gcl?project=my-project&location=europe-west1';

/** A log ID: under 512 characters of letters, digits, "/", "_", "-" and ".". */
export function isValidLogId(logId: string): boolean {
  return /^[A-Za-z0-9/_.-]{1,511}$/.test(logId);
}

export function parseGclSink(problems: Problems, variable: string, uri: HeapsterUri): GclSinkConfig {
  const o = uri.options;
  const name = (option: string): string => `${variable} (gcl option ${option})`;
  rejectUnknownOptions(problems, variable, uri.text, o, GCL_OPTIONS);
  if (uri.url !== undefined)
    problems.add(variable, `the gcl sink takes no URL, only options: "${uri.text}"`, EXAMPLE);

  const project = text(o.get('project'));
  if (project !== undefined && !/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(project))
    problems.add(name('project'), `"${project}" is not a project ID`, EXAMPLE);
  const location = text(o.get('location'));
  if (location !== undefined && !/^[a-z0-9-]{1,63}$/.test(location))
    problems.add(name('location'), `"${location}" is not a region or zone`, EXAMPLE);
  const logId = text(o.get('log')) ?? DEFAULT_LOG_ID;
  if (!isValidLogId(logId))
    problems.add(
      name('log'),
      `"${logId}" is not a log ID: up to 511 letters, digits, "/", "_", "-" and "."`,
      `gcl?log=${DEFAULT_LOG_ID}`,
    );
  const endpoint = text(o.get('endpoint'));
  if (endpoint !== undefined && splitEndpoint(endpoint) === undefined)
    problems.add(
      name('endpoint'),
      `"${endpoint}" must be HOST:PORT`,
      'gcl?endpoint=logging.googleapis.com:443',
    );

  return {
    project,
    location,
    logId,
    endpoint,
    timeoutMs: readDuration(problems, uriOption(variable, uri, 'timeout'), o.get('timeout'), 10_000, {
      minMs: 1_000,
      maxMs: 300_000,
    }),
  };
}

function text(raw: string | null): string | undefined {
  const t = raw?.trim();
  return t === undefined || t === '' ? undefined : t;
}
