import { varintSize } from './wire.js';

/**
 * The protobuf-encoded size of a LogEntry, computed from the plain values the sink hands the client: Cloud
 * Logging's 256 KiB entry limit is on its own (internal) sizes, the closest public measure of which is the
 * encoded entry. The JSON payload is sized as the client converts it: objects become google.protobuf.Struct,
 * arrays ListValue, and every value a google.protobuf.Value (a oneof, so even null, 0 and "" take bytes).
 */
export interface SizedEntry {
  readonly logName: string;
  readonly resource: { readonly type: string; readonly labels: Readonly<Record<string, string>> };
  readonly timestamp: { readonly seconds: number; readonly nanos: number };
  /** Its LogSeverity number (INFO is 200, WARNING 400). */
  readonly severityNumber: number;
  readonly insertId: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly jsonPayload: Readonly<Record<string, unknown>>;
}

/** A length-delimited field with a one-byte tag (field numbers 1 to 15). */
function delimited(contentBytes: number): number {
  return 1 + varintSize(contentBytes) + contentBytes;
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function stringField(text: string): number {
  return delimited(utf8Bytes(text));
}

/** map<string, string>: one delimited entry per key, each holding a key and a value field. */
export function stringMapSize(map: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const key in map) total += delimited(stringField(key) + stringField(map[key] as string));
  return total;
}

/** A google.protobuf.Value's content (without its own tag and length). */
export function valueSize(value: unknown): number {
  if (value === null) return 2;
  switch (typeof value) {
    case 'number':
      return 9;
    case 'boolean':
      return 2;
    case 'string':
      return stringField(value);
    case 'object':
      if (Array.isArray(value)) {
        let list = 0;
        for (const item of value) list += delimited(valueSize(item));
        return delimited(list);
      }
      return delimited(structSize(value as Record<string, unknown>));
    default:
      // The client stringifies what JSON cannot hold; events, being parsed JSON, never carry such values.
      return stringField(String(value));
  }
}

/** A google.protobuf.Struct's content: one map entry per defined field. */
export function structSize(object: Readonly<Record<string, unknown>>): number {
  let total = 0;
  for (const key in object) {
    const value = object[key];
    if (value === undefined) continue;
    total += delimited(stringField(key) + delimited(valueSize(value)));
  }
  return total;
}

function timestampSize(t: SizedEntry['timestamp']): number {
  // seconds (int64) and nanos (int32) are both written when set, zero included; a negative int64 takes 10.
  return 1 + (t.seconds < 0 ? 10 : varintSize(t.seconds)) + 1 + varintSize(t.nanos);
}

/** The encoded LogEntry, log name and resource included (the service fills them in from the request). */
export function logEntrySize(entry: SizedEntry): number {
  const resource = stringField(entry.resource.type) + stringMapSize(entry.resource.labels);
  return (
    stringField(entry.logName) +
    delimited(resource) +
    delimited(timestampSize(entry.timestamp)) +
    1 +
    varintSize(entry.severityNumber) +
    stringField(entry.insertId) +
    stringMapSize(entry.labels) +
    delimited(structSize(entry.jsonPayload))
  );
}
