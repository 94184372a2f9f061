import {
  counterRows,
  NO_COUNTERS,
  ROW_WIDTH,
  TIME_COLUMNS,
  type CounterRows,
  type NodeCounters,
} from './derive.js';

/**
 * A compact binary form of one node's counters, for a state store (a Firestore Bytes field, for example).
 * At ~100 entities per node it takes a few kilobytes, so a cluster of 1,000 nodes fits in a few
 * documents of 1 MiB; the state of every node is a separate blob, so shards can own sets of nodes.
 *
 * Layout (version 1): version byte, varint row count, flags byte (bit 0: times in whole seconds), zigzag
 * varint base time; then per row: 6-byte key, varint presence mask over the row's columns, and for each
 * present column a zigzag varint of (time - base) in the time unit, or a varint counter.
 */
const VERSION = 1;
const WHOLE_SECONDS = 1;
/** Bytes one row can take at most: key, mask, and 10 bytes per column. */
const MAX_ROW_BYTES = 6 + 3 + ROW_WIDTH * 10;
const IS_TIME: readonly boolean[] = Array.from({ length: ROW_WIDTH }, (_, i) => TIME_COLUMNS.includes(i));

/** Where rows are encoded before the bytes used are copied out: one buffer for every node, grown as needed. */
let scratch = new Uint8Array(32 + 128 * MAX_ROW_BYTES);

export function encodeCounters(counters: NodeCounters): Uint8Array {
  const { keys, rows } = counters;
  const n = keys.length;
  if (scratch.length < 32 + n * MAX_ROW_BYTES) scratch = new Uint8Array(32 + n * MAX_ROW_BYTES);
  const out = scratch;
  let unit = 1000;
  let base = NaN;
  for (let r = 0; r < n; r++) {
    for (const c of TIME_COLUMNS) {
      const t = rows[r * ROW_WIDTH + c] as number;
      if (t !== t) continue;
      if (base !== base) base = t;
      // Not t % 1000: the remainder of a double is a slow library call, and this runs for every time.
      if (Math.floor(t / 1000) * 1000 !== t) unit = 1;
    }
  }
  base = base === base ? Math.round(base / unit) : 0;

  let at = 0;
  out[at++] = VERSION;
  at = writeVarint(out, at, n);
  out[at++] = unit === 1000 ? WHOLE_SECONDS : 0;
  at = writeVarint(out, at, zigzag(base));
  for (let r = 0; r < n; r++) {
    const key = keys[r] as number;
    const high = Math.floor(key / 65536);
    out[at++] = high >>> 24;
    out[at++] = (high >>> 16) & 0xff;
    out[at++] = (high >>> 8) & 0xff;
    out[at++] = high & 0xff;
    out[at++] = (key >>> 8) & 0xff;
    out[at++] = key & 0xff;
    const row = r * ROW_WIDTH;
    let mask = 0;
    for (let c = 0; c < ROW_WIDTH; c++) {
      const v = rows[row + c] as number;
      if (v === v) mask |= 1 << c;
    }
    at = writeVarint(out, at, mask);
    for (let c = 0; c < ROW_WIDTH; c++) {
      const v = rows[row + c] as number;
      if (v !== v) continue;
      at = writeVarint(
        out,
        at,
        IS_TIME[c] ? zigzag(Math.round(v / unit) - base) : Math.max(0, Math.round(v)),
      );
    }
  }
  return out.slice(0, at);
}

export type DecodedCounters =
  { readonly ok: true; readonly counters: NodeCounters } | { readonly ok: false; readonly error: string };

/**
 * Reads what encodeCounters wrote; anything else gives an error value (start the node afresh then). With
 * `into`, the counters are views of its arrays, valid until its next use.
 */
export function decodeCounters(bytes: Uint8Array, into?: CounterRows): DecodedCounters {
  const r = new Reader(bytes);
  const version = r.byte();
  if (version !== VERSION) return { ok: false, error: `unknown counter state version ${version}` };
  const n = r.varint();
  if (!(n * 7 <= bytes.length)) return { ok: false, error: 'counter state is truncated' };
  const unit = (r.byte() & WHOLE_SECONDS) !== 0 ? 1000 : 1;
  const base = unzigzag(r.varint());
  const { keys, rows } = counterRows(n, into);
  for (let i = 0; i < n; i++) {
    let high = 0;
    for (let k = 0; k < 4; k++) high = high * 256 + r.byte();
    keys[i] = high * 65536 + r.byte() * 256 + r.byte();
    const mask = r.varint();
    for (let c = 0; c < ROW_WIDTH; c++) {
      if ((mask & (1 << c)) === 0) continue;
      const v = r.varint();
      rows[i * ROW_WIDTH + c] = IS_TIME[c] ? (unzigzag(v) + base) * unit : v;
    }
  }
  if (r.failed) return { ok: false, error: 'counter state is truncated or corrupt' };
  if (r.at !== bytes.length) return { ok: false, error: 'counter state has trailing bytes' };
  return { ok: true, counters: n === 0 ? NO_COUNTERS : { keys, rows } };
}

/** Unsigned LEB128 of a non-negative integer up to 2^64, exact for every integer a double holds. */
function writeVarint(out: Uint8Array, at: number, v: number): number {
  // Above 2^31 the bits do not fit the integer operators: peel 7 bits at a time with exact double arithmetic.
  while (v >= 2147483648) {
    const rest = Math.floor(v / 128);
    out[at++] = (v - rest * 128) | 128;
    v = rest;
  }
  while (v >= 128) {
    out[at++] = (v & 127) | 128;
    v >>>= 7;
  }
  out[at++] = v;
  return at;
}

const zigzag = (v: number): number => (v >= 0 ? v * 2 : -v * 2 - 1);
const unzigzag = (v: number): number => {
  const odd = v < 2147483648 ? (v & 1) === 1 : Math.floor(v / 2) * 2 !== v;
  return odd ? -(v + 1) / 2 : v / 2;
};

class Reader {
  at = 0;
  failed = false;
  constructor(private readonly bytes: Uint8Array) {}

  byte(): number {
    if (this.at >= this.bytes.length) {
      this.failed = true;
      return 0;
    }
    return this.bytes[this.at++] as number;
  }

  varint(): number {
    const { bytes } = this;
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.at >= bytes.length) {
        this.failed = true;
        return 0;
      }
      const b = bytes[this.at++] as number;
      v += (b & 127) * scale;
      if (b < 128) return v;
      scale *= 128;
    }
    this.failed = true;
    return 0;
  }
}
