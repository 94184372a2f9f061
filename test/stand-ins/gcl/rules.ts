/**
 * What Cloud Logging checks on each entry of a WriteLogEntries request, as the stand-in enforces it (limits
 * from Cloud Logging's quotas page and the LogEntry reference):
 * - an entry's encoded size at most 256 KiB; a request's at most 10 MB (10,485,760 bytes);
 * - log names `projects/P/logs/LOG_ID` with LOG_ID URL-encoded, under 512 characters of [A-Za-z0-9/_.-];
 * - at most 64 labels; keys over 512 bytes and values over 64 KiB are cut (with "...") rather than refused;
 * - timestamps at most 24 h ahead (refused otherwise); entries older than the retention period (30 days)
 *   are accepted but not stored, so no query finds them;
 * - Kubernetes monitored resources with exactly their labels.
 */
export const MAX_ENTRY_BYTES = 256 * 1024;
export const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
export const MAX_LABELS = 64;
export const MAX_LABEL_KEY_BYTES = 512;
export const MAX_LABEL_VALUE_BYTES = 64 * 1024;
export const MAX_FUTURE_MS = 24 * 3_600_000;
export const DEFAULT_RETENTION_MS = 30 * 24 * 3_600_000;

export const INVALID_ARGUMENT = 3;

export const K8S_RESOURCE_LABELS: Readonly<Record<string, readonly string[]>> = {
  k8s_container: ['project_id', 'location', 'cluster_name', 'namespace_name', 'pod_name', 'container_name'],
  k8s_pod: ['project_id', 'location', 'cluster_name', 'namespace_name', 'pod_name'],
  k8s_node: ['project_id', 'location', 'cluster_name', 'node_name'],
  k8s_cluster: ['project_id', 'location', 'cluster_name'],
};

export interface Refusal {
  readonly code: number;
  readonly message: string;
}

const LOG_NAME = /^projects\/([a-z0-9][a-z0-9-]*[a-z0-9])\/logs\/([^/]+)$/;

/** The project of a valid log name, or why it is not one. */
export function checkLogName(logName: string): { project: string } | Refusal {
  const match = LOG_NAME.exec(logName);
  const invalid = { code: INVALID_ARGUMENT, message: `Invalid log name "${logName}"` };
  if (match === null) return invalid;
  const encoded = match[2] as string;
  if (!/^[A-Za-z0-9_.%-]+$/.test(encoded)) return invalid;
  let logId: string;
  try {
    logId = decodeURIComponent(encoded);
  } catch {
    return invalid;
  }
  if (!/^[A-Za-z0-9/_.-]{1,511}$/.test(logId)) return invalid;
  return { project: match[1] as string };
}

export function checkResource(
  resource: { type: string; labels: Record<string, string> } | null,
): Refusal | undefined {
  if (resource === null || resource.type === '')
    return { code: INVALID_ARGUMENT, message: 'Log entry has no monitored resource' };
  const required = K8S_RESOURCE_LABELS[resource.type];
  if (required === undefined) return undefined;
  const keys = Object.keys(resource.labels).sort();
  const missing = required.filter((k) => (resource.labels[k] ?? '') === '');
  const extra = keys.filter((k) => !required.includes(k));
  if (missing.length > 0 || extra.length > 0)
    return {
      code: INVALID_ARGUMENT,
      message: `Invalid monitored resource ${resource.type}: missing labels [${missing.join(', ')}], unknown labels [${extra.join(', ')}]`,
    };
  return undefined;
}

export function checkSize(bytes: number): Refusal | undefined {
  if (bytes <= MAX_ENTRY_BYTES) return undefined;
  return {
    code: INVALID_ARGUMENT,
    message: `Log entry with size ${(bytes / 1024).toFixed(1)}K exceeds maximum size of 256.0K`,
  };
}

export function checkTimestamp(timestampMs: number, nowMs: number): Refusal | undefined {
  if (timestampMs <= nowMs + MAX_FUTURE_MS) return undefined;
  return {
    code: INVALID_ARGUMENT,
    message: `Log entry timestamp ${new Date(timestampMs).toISOString()} is more than 24 hours in the future`,
  };
}

/** Labels as stored: refused when too many, oversized keys and values cut. Answers how many were cut. */
export function checkLabels(
  labels: Record<string, string>,
): Refusal | { labels: Record<string, string>; cut: number } {
  const keys = Object.keys(labels);
  if (keys.length > MAX_LABELS)
    return {
      code: INVALID_ARGUMENT,
      message: `Log entry has ${keys.length} labels; at most ${MAX_LABELS} are allowed`,
    };
  let cut = 0;
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = labels[key] as string;
    const k = cutBytes(key, MAX_LABEL_KEY_BYTES);
    const v = cutBytes(value, MAX_LABEL_VALUE_BYTES);
    if (k !== key || v !== value) cut++;
    out[k] = v;
  }
  return { labels: out, cut };
}

function cutBytes(text: string, max: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  let end = max - 3;
  while (end > 0 && ((buf[end] as number) & 0xc0) === 0x80) end--;
  return `${buf.subarray(0, end).toString('utf8')}...`;
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === 'object' && value !== null && 'code' in value && 'message' in value;
}
