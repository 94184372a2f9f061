/**
 * The few protobuf messages a failed CreateTimeSeries carries in its `grpc-status-details-bin` trailer:
 * google.rpc.Status with Any details holding a google.monitoring.v3.CreateTimeSeriesSummary or a
 * google.rpc.RetryInfo. The client library drops detail types it does not know (the summary among them), so
 * the sink reads the raw bytes itself; a reader of these four small messages is all that takes.
 */
export interface RpcStatus {
  readonly code: number;
  readonly message: string;
  readonly details: readonly { readonly typeUrl: string; readonly value: Uint8Array }[];
}

export interface SummaryError {
  readonly code: number;
  readonly message: string;
  readonly pointCount: number;
}

export interface CreateTimeSeriesSummary {
  readonly totalPointCount: number;
  readonly successPointCount: number;
  readonly errors: readonly SummaryError[];
}

export const SUMMARY_TYPE = 'type.googleapis.com/google.monitoring.v3.CreateTimeSeriesSummary';
export const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

type Field = { readonly no: number; readonly varint?: number; readonly bytes?: Uint8Array };

/** The fields of one message; varints above 2^53 lose precision, which counts and codes never reach. */
function fields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++] as number;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 128;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const no = Math.floor(tag / 8);
    switch (tag % 8) {
      case 0:
        out.push({ no, varint: varint() });
        break;
      case 1:
        pos += 8;
        break;
      case 2: {
        const len = varint();
        if (pos + len > buf.length) throw new Error('truncated field');
        out.push({ no, bytes: buf.subarray(pos, pos + len) });
        pos += len;
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new Error(`unsupported wire type ${tag % 8}`);
    }
  }
  return out;
}

const text = (bytes: Uint8Array | undefined): string =>
  bytes === undefined ? '' : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

/** int32 fields encode negatives as 10-byte varints; status codes and counts are never negative. */
const int32 = (n: number | undefined): number => (n === undefined ? 0 : n > 0x7fffffff ? n - 2 ** 64 : n);

export function decodeStatus(bytes: Uint8Array): RpcStatus {
  let code = 0;
  let message = '';
  const details: { typeUrl: string; value: Uint8Array }[] = [];
  for (const f of fields(bytes)) {
    if (f.no === 1) code = int32(f.varint);
    else if (f.no === 2) message = text(f.bytes);
    else if (f.no === 3 && f.bytes !== undefined) {
      let typeUrl = '';
      let value: Uint8Array = new Uint8Array(0);
      for (const a of fields(f.bytes)) {
        if (a.no === 1) typeUrl = text(a.bytes);
        else if (a.no === 2 && a.bytes !== undefined) value = a.bytes;
      }
      details.push({ typeUrl, value });
    }
  }
  return { code, message, details };
}

export function decodeSummary(bytes: Uint8Array): CreateTimeSeriesSummary {
  let totalPointCount = 0;
  let successPointCount = 0;
  const errors: SummaryError[] = [];
  for (const f of fields(bytes)) {
    if (f.no === 1) totalPointCount = int32(f.varint);
    else if (f.no === 2) successPointCount = int32(f.varint);
    else if (f.no === 3 && f.bytes !== undefined) {
      let status: RpcStatus = { code: 0, message: '', details: [] };
      let pointCount = 0;
      for (const e of fields(f.bytes)) {
        if (e.no === 1 && e.bytes !== undefined) status = decodeStatus(e.bytes);
        else if (e.no === 2) pointCount = int32(e.varint);
      }
      errors.push({ code: status.code, message: status.message, pointCount });
    }
  }
  return { totalPointCount, successPointCount, errors };
}

/** google.rpc.RetryInfo's retry_delay (a Duration) in milliseconds. */
export function decodeRetryDelayMs(bytes: Uint8Array): number {
  for (const f of fields(bytes)) {
    if (f.no === 1 && f.bytes !== undefined) {
      let seconds = 0;
      let nanos = 0;
      for (const d of fields(f.bytes)) {
        if (d.no === 1) seconds = d.varint ?? 0;
        else if (d.no === 2) nanos = int32(d.varint);
      }
      return seconds * 1000 + Math.round(nanos / 1e6);
    }
  }
  return 0;
}

/** The summary and retry delay among a failed call's status details; unreadable details are skipped. */
export function readDetails(statusDetails: readonly Uint8Array[]): {
  summary?: CreateTimeSeriesSummary;
  retryDelayMs?: number;
} {
  const found: { summary?: CreateTimeSeriesSummary; retryDelayMs?: number } = {};
  for (const bytes of statusDetails) {
    try {
      for (const d of decodeStatus(bytes).details) {
        if (d.typeUrl === SUMMARY_TYPE) found.summary = decodeSummary(d.value);
        else if (d.typeUrl === RETRY_INFO_TYPE) found.retryDelayMs = decodeRetryDelayMs(d.value);
      }
    } catch {
      // A detail this reader cannot parse is as good as absent: the error's code and message remain.
    }
  }
  return found;
}
