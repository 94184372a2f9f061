/**
 * Just enough of the protobuf wire format to read the few messages the sink gets back as bytes (the
 * google.rpc.Status in a gRPC error's `grpc-status-details-bin` trailer), and to size messages it sends.
 * No schema is loaded at run time: field numbers are spelled out where the messages are read.
 */
export interface WireField {
  readonly field: number;
  /** 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  readonly wireType: number;
  /** The varint's value, or the bytes of a length-delimited field (fixed fields: their bytes). */
  readonly value: number | Uint8Array;
}

/** The bytes a varint of `n` (a non-negative safe integer) takes. */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function readVarint(buf: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const byte = buf[i] as number;
    // Above 2^53 precision is lost; the values read here (codes, indexes, lengths) are far smaller.
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return [value, i + 1];
  }
  throw new Error('truncated or overlong varint');
}

/** The top-level fields of one message, in wire order; throws on malformed input. */
export function readFields(buf: Uint8Array): WireField[] {
  const out: WireField[] = [];
  let at = 0;
  while (at < buf.length) {
    const [tag, next] = readVarint(buf, at);
    at = next;
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (wireType === 0) {
      const [value, after] = readVarint(buf, at);
      out.push({ field, wireType, value });
      at = after;
    } else if (wireType === 2) {
      const [length, start] = readVarint(buf, at);
      if (start + length > buf.length) throw new Error('length-delimited field runs past the end');
      out.push({ field, wireType, value: buf.subarray(start, start + length) });
      at = start + length;
    } else if (wireType === 1 || wireType === 5) {
      const width = wireType === 1 ? 8 : 4;
      if (at + width > buf.length) throw new Error('fixed field runs past the end');
      out.push({ field, wireType, value: buf.subarray(at, at + width) });
      at += width;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
  }
  return out;
}

export function bytesOf(f: WireField): Uint8Array {
  return f.value instanceof Uint8Array ? f.value : new Uint8Array();
}

export function numberOf(f: WireField): number {
  return typeof f.value === 'number' ? f.value : 0;
}

export function textOf(f: WireField): string {
  return Buffer.from(bytesOf(f)).toString('utf8');
}
