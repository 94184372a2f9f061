import type { MonitoredResource } from './resources.js';
import type { TimeInterval, TimeSeries } from './api.js';

/**
 * CreateTimeSeriesRequest in protobuf's wire format, written straight from the series. A round shares most of
 * each series' bytes (a set's resource and labels, the round's interval, each metric's type), so they are
 * encoded once per object and copied after that: a tenth of the cost of building protobuf messages from the
 * same objects, which at a few million points a round is most of the sink's CPU.
 *
 * Field numbers are those of google/monitoring/v3/metric_service.proto, metric.proto and common.proto and of
 * google/api/metric.proto and monitored_resource.proto as the client library ships them.
 */
const KIND_NUMBER = { GAUGE: 1, DELTA: 2, CUMULATIVE: 3 } as const;
const VALUE_TYPE_NUMBER = { BOOL: 1, INT64: 2, DOUBLE: 3 } as const;

const varintLength = (n: number): number => {
  let len = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    len++;
  }
  return len;
};

class Writer {
  buf: Buffer;
  pos = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }
  varint(n: number): void {
    while (n >= 128) {
      this.buf[this.pos++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }
  /** int64 as protobuf writes it: negatives as ten-byte two's complement. */
  int64(n: number): void {
    if (n >= 0) return this.varint(n);
    let v = BigInt.asUintN(64, BigInt(n));
    while (v >= 128n) {
      this.buf[this.pos++] = Number(v & 127n) | 128;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  double(d: number): void {
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }
}

const int64Length = (n: number): number => (n >= 0 ? varintLength(n) : 10);

/** A length-delimited field holding `body`. */
function field(tag: number, body: Uint8Array): Buffer {
  const w = new Writer(1 + varintLength(body.length) + body.length);
  w.varint(tag);
  w.varint(body.length);
  w.bytes(body);
  return w.buf.subarray(0, w.pos);
}

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

/** map<string, string> entries, field `tag`, keys in the object's order. */
function labelEntries(tag: number, labels: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  for (const key in labels) {
    const value = labels[key] as string;
    parts.push(field(tag, Buffer.concat([field(0x0a, text(key)), field(0x12, text(value))])));
  }
  return Buffer.concat(parts);
}

function timestamp(seconds: number, nanos: number): Buffer {
  const w = new Writer(24);
  if (seconds !== 0) {
    w.varint(0x08);
    w.int64(seconds);
  }
  if (nanos !== 0) {
    w.varint(0x10);
    w.varint(nanos);
  }
  return w.buf.subarray(0, w.pos);
}

/** Encodes requests, remembering the bytes of the objects rounds share. Keep one per sink. */
export class RequestEncoder {
  private readonly resources = new WeakMap<MonitoredResource, Buffer>();
  private readonly metricLabels = new WeakMap<Readonly<Record<string, string>>, Buffer>();
  private readonly intervals = new WeakMap<TimeInterval, Buffer>();
  private readonly types = new Map<string, Buffer>();
  private readonly names = new Map<string, Buffer>();

  encode(project: string, series: readonly TimeSeries[]): Buffer {
    let name = this.names.get(project);
    if (name === undefined) this.names.set(project, (name = field(0x1a, text(`projects/${project}`))));
    const parts: {
      s: TimeSeries;
      metric: Buffer;
      labels: Buffer;
      resource: Buffer;
      interval: Buffer;
      point: number;
      body: number;
    }[] = [];
    let total = name.length;
    for (const s of series) {
      const metric = this.type(s.metric.type);
      const labels = this.labels(s.metric.labels);
      const resource = this.resource(s.resource);
      const interval = this.interval(s.points[0].interval);
      const v = s.points[0].value;
      const valueBody = 'int64Value' in v ? 1 + int64Length(v.int64Value) : 9;
      const point = interval.length + 1 + varintLength(valueBody) + valueBody;
      const metricBody = metric.length + labels.length;
      const body =
        1 + varintLength(metricBody) + metricBody + resource.length + 2 + 2 + 1 + varintLength(point) + point;
      total += 1 + varintLength(body) + body;
      parts.push({ s, metric, labels, resource, interval, point, body });
    }
    const w = new Writer(total);
    w.bytes(name);
    for (const p of parts) {
      w.varint(0x12); // time_series
      w.varint(p.body);
      w.varint(0x0a); // metric
      w.varint(p.metric.length + p.labels.length);
      w.bytes(p.metric);
      w.bytes(p.labels);
      w.bytes(p.resource);
      w.varint(0x18); // metric_kind
      w.varint(KIND_NUMBER[p.s.metricKind]);
      w.varint(0x20); // value_type
      w.varint(VALUE_TYPE_NUMBER[p.s.valueType]);
      w.varint(0x2a); // points
      w.varint(p.point);
      w.bytes(p.interval);
      const v = p.s.points[0].value;
      w.varint(0x12); // value
      if ('int64Value' in v) {
        w.varint(1 + int64Length(v.int64Value));
        w.varint(0x10);
        w.int64(v.int64Value);
      } else {
        w.varint(9);
        w.varint(0x19);
        w.double(v.doubleValue);
      }
    }
    if (w.pos !== total) throw new Error(`encoded ${w.pos} bytes, planned ${total}`);
    return w.buf;
  }

  private type(type: string): Buffer {
    let b = this.types.get(type);
    if (b === undefined) this.types.set(type, (b = field(0x1a, text(type))));
    return b;
  }

  private labels(labels: Readonly<Record<string, string>>): Buffer {
    let b = this.metricLabels.get(labels);
    if (b === undefined) this.metricLabels.set(labels, (b = labelEntries(0x12, labels)));
    return b;
  }

  private resource(resource: MonitoredResource): Buffer {
    let b = this.resources.get(resource);
    if (b === undefined)
      this.resources.set(
        resource,
        (b = field(
          0x12,
          Buffer.concat([field(0x0a, text(resource.type)), labelEntries(0x12, resource.labels)]),
        )),
      );
    return b;
  }

  /** The point's interval field, whole: tag, length, end time and (cumulative) start time. */
  private interval(interval: TimeInterval): Buffer {
    let b = this.intervals.get(interval);
    if (b === undefined) {
      const end = field(0x12, timestamp(interval.endTime.seconds, interval.endTime.nanos));
      const start =
        interval.startTime === undefined
          ? Buffer.alloc(0)
          : field(0x0a, timestamp(interval.startTime.seconds, interval.startTime.nanos));
      this.intervals.set(interval, (b = field(0x0a, Buffer.concat([start, end]))));
    }
    return b;
  }
}
