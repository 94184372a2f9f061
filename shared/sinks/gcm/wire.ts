/**
 * CreateTimeSeriesRequest in protobuf's wire format, written series by series into the request's own buffer.
 * A series is the concatenation of parts that rounds share (its metric type, labels and monitored resource,
 * encoded once and copied after that) and of its one point, written in place: no object per point, and the
 * request's bytes are what goes on the wire.
 *
 * Field numbers are those of google/monitoring/v3/metric_service.proto, metric.proto and common.proto and of
 * google/api/metric.proto and monitored_resource.proto as the client library ships them.
 */
export const KIND_NUMBER = { GAUGE: 1, DELTA: 2, CUMULATIVE: 3 } as const;
export const VALUE_TYPE_NUMBER = { BOOL: 1, INT64: 2, DOUBLE: 3 } as const;

/** The service's limit on series per request. */
export const MAX_SERIES_PER_REQUEST = 200;

/** A whole CreateTimeSeriesRequest and where each of its series is in it. */
export interface EncodedRequest {
  readonly bytes: Buffer;
  /** starts[i] is where series i's field begins; starts[count] is the end of the request. */
  readonly starts: Uint32Array;
  readonly count: number;
}

export const varintLength = (n: number): number => {
  if (n < 128) return 1;
  if (n < 16_384) return 2;
  if (n < 2_097_152) return 3;
  if (n < 268_435_456) return 4;
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
};

/** int64 as protobuf writes it: negatives as ten-byte two's complement. */
export const int64Length = (n: number): number => (n >= 0 ? varintLength(n) : 10);

function writeVarint(buf: Buffer, pos: number, n: number): number {
  if (n < 0x80000000) {
    // Within 31 bits the shifts are exact and much cheaper than division.
    while (n >= 128) {
      buf[pos++] = (n & 127) | 128;
      n >>>= 7;
    }
    buf[pos++] = n;
    return pos;
  }
  while (n >= 128) {
    buf[pos++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

function writeInt64(buf: Buffer, pos: number, n: number): number {
  if (n >= 0) return writeVarint(buf, pos, n);
  let v = BigInt.asUintN(64, BigInt(n));
  while (v >= 128n) {
    buf[pos++] = Number(v & 127n) | 128;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

/** A length-delimited field holding `body`. */
export function field(tag: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(1 + varintLength(body.length) + body.length);
  const at = writeVarint(out, writeVarint(out, 0, tag), body.length);
  out.set(body, at);
  return out;
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

/** map<string, string> entries, field `tag`, keys in the object's order. */
export function labelEntries(tag: number, labels: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  for (const key in labels)
    parts.push(field(tag, Buffer.concat([field(0x0a, text(key)), field(0x12, text(labels[key] as string))])));
  return Buffer.concat(parts);
}

/** Metric.type, whole field. */
export const metricTypeField = (type: string): Buffer => field(0x1a, text(type));
/** Metric.labels entries. */
export const metricLabelsField = (labels: Readonly<Record<string, string>>): Buffer =>
  labelEntries(0x12, labels);
/** TimeSeries.resource, whole field. */
export const resourceField = (type: string, labels: Readonly<Record<string, string>>): Buffer =>
  field(0x12, Buffer.concat([field(0x0a, text(type)), labelEntries(0x12, labels)]));

/** google.protobuf.Timestamp body. */
function timestampBody(ms: number): Buffer {
  const seconds = Math.floor(ms / 1000);
  const nanos = (((ms % 1000) + 1000) % 1000) * 1_000_000;
  const out = Buffer.allocUnsafe(22);
  let at = 0;
  if (seconds !== 0) {
    out[at++] = 0x08;
    at = writeInt64(out, at, seconds);
  }
  if (nanos !== 0) {
    out[at++] = 0x10;
    at = writeVarint(out, at, nanos);
  }
  return out.subarray(0, at);
}

/** TimeInterval.end_time (or, with tag 0x0a, start_time), whole field. */
export const timeField = (tag: number, ms: number): Buffer => field(tag, timestampBody(ms));

const EMPTY = Buffer.alloc(0);
const scratch = new Float64Array(1);
const scratchBytes = new Uint8Array(scratch.buffer);

/** What a series is made of, apart from its point's value. */
export interface SeriesParts {
  readonly type: Buffer;
  readonly labels: Buffer;
  /** Labels of the point itself (a filesystem's resource_id), after the set's. */
  readonly pointLabels: Buffer;
  readonly resource: Buffer;
  readonly kind: number;
  readonly valueType: number;
  /** TimeInterval.start_time, whole field; empty for a gauge. */
  readonly start: Buffer;
  /** TimeInterval.end_time, whole field. */
  readonly end: Buffer;
}

/**
 * Cuts series into requests of at most 200 as they are added. Completed requests wait in `ready` until taken.
 */
export class RequestBuilder {
  readonly ready: EncodedRequest[] = [];
  private buf: Buffer;
  private pos: number;
  private starts = new Uint32Array(MAX_SERIES_PER_REQUEST + 1);
  private count = 0;

  /** @param name CreateTimeSeriesRequest.name, whole field. */
  constructor(
    private readonly name: Buffer,
    private capacity = 64 * 1024,
  ) {
    this.buf = this.fresh();
    this.pos = name.length;
  }

  add(p: SeriesParts, int: boolean, value: number): void {
    const metricLen = p.type.length + p.labels.length + p.pointLabels.length;
    const intervalLen = p.start.length + p.end.length;
    const valueLen = int ? 1 + int64Length(value) : 9;
    const pointLen = 1 + varintLength(intervalLen) + intervalLen + 1 + 1 + valueLen;
    const bodyLen =
      1 + varintLength(metricLen) + metricLen + p.resource.length + 4 + 1 + varintLength(pointLen) + pointLen;
    const fieldLen = 1 + varintLength(bodyLen) + bodyLen;
    if (this.pos + fieldLen > this.buf.length) this.grow(fieldLen);
    const b = this.buf;
    this.starts[this.count++] = this.pos;
    let at = this.pos;
    b[at++] = 0x12; // time_series
    at = writeVarint(b, at, bodyLen);
    b[at++] = 0x0a; // metric
    at = writeVarint(b, at, metricLen);
    at = copy(b, at, p.type);
    at = copy(b, at, p.labels);
    at = copy(b, at, p.pointLabels);
    at = copy(b, at, p.resource);
    b[at++] = 0x18; // metric_kind
    b[at++] = p.kind;
    b[at++] = 0x20; // value_type
    b[at++] = p.valueType;
    b[at++] = 0x2a; // points
    at = writeVarint(b, at, pointLen);
    b[at++] = 0x0a; // interval
    at = writeVarint(b, at, intervalLen);
    at = copy(b, at, p.start);
    at = copy(b, at, p.end);
    b[at++] = 0x12; // value
    b[at++] = valueLen;
    if (int) {
      b[at++] = 0x10; // int64_value
      at = writeInt64(b, at, value);
    } else {
      b[at++] = 0x19; // double_value
      scratch[0] = value;
      for (let i = 0; i < 8; i++) b[at++] = scratchBytes[i] as number;
    }
    this.pos = at;
    if (this.count === MAX_SERIES_PER_REQUEST) this.flush();
  }

  /** What a request of the current round takes: where the next round's builder can start. */
  get capacityHint(): number {
    return this.capacity;
  }

  /** Ends the request being filled, if it holds any series. */
  flush(): void {
    if (this.count === 0) return;
    this.starts[this.count] = this.pos;
    this.ready.push({
      bytes: this.buf.subarray(0, this.pos),
      starts: this.starts.slice(0, this.count + 1),
      count: this.count,
    });
    // The next request of a round is about as large as this one.
    this.capacity = Math.max(this.capacity, this.pos + (this.pos >> 3));
    this.buf = this.fresh();
    this.pos = this.name.length;
    this.count = 0;
  }

  private fresh(): Buffer {
    const b = Buffer.allocUnsafe(this.capacity);
    this.name.copy(b, 0);
    return b;
  }

  private grow(atLeast: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + atLeast));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

function copy(b: Buffer, at: number, part: Buffer): number {
  const n = part.length;
  if (n === 0) return at;
  if (n < 16) for (let i = 0; i < n; i++) b[at + i] = part[i] as number;
  else b.set(part, at);
  return at + n;
}

/** CreateTimeSeriesRequest.name, whole field. */
export const nameField = (project: string): Buffer => field(0x1a, text(`projects/${project}`));

/** The same request with only some of its series, in the order given. */
export function subsetRequest(request: EncodedRequest, indexes: readonly number[]): EncodedRequest {
  const head = request.starts[0] as number;
  let total = head;
  for (const i of indexes) total += (request.starts[i + 1] as number) - (request.starts[i] as number);
  const bytes = Buffer.allocUnsafe(total);
  request.bytes.copy(bytes, 0, 0, head);
  const starts = new Uint32Array(indexes.length + 1);
  let at = head;
  indexes.forEach((i, k) => {
    starts[k] = at;
    at += request.bytes.copy(bytes, at, request.starts[i] as number, request.starts[i + 1] as number);
  });
  starts[indexes.length] = at;
  return { bytes, starts, count: indexes.length };
}

export { EMPTY as NO_BYTES };
