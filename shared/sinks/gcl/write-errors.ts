import { bytesOf, numberOf, readFields, textOf } from './wire.js';

/**
 * What a failed WriteLogEntries call says. With partial_success the service writes the valid entries and
 * answers with the status of one failed entry, carrying a WriteLogEntriesPartialErrors detail that maps each
 * failed entry's index to its own status; when no entry was written there are no per-entry errors.
 */
export const GRPC = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** UNAVAILABLE for 14; the number itself for codes not listed. */
export function codeName(code: number): string {
  const entry = Object.entries(GRPC).find(([, c]) => c === code);
  return entry === undefined ? `gRPC code ${code}` : entry[0];
}

export const PARTIAL_ERRORS_TYPE = 'type.googleapis.com/google.logging.v2.WriteLogEntriesPartialErrors';

export interface EntryError {
  readonly code: number;
  readonly message: string;
}

export interface RpcStatus extends EntryError {
  readonly details: readonly { readonly typeUrl: string; readonly value: Uint8Array }[];
}

/** google.rpc.Status: code = 1, message = 2, details = 3 (google.protobuf.Any: type_url = 1, value = 2). */
export function decodeStatus(bytes: Uint8Array): RpcStatus {
  let code = 0;
  let message = '';
  const details: { typeUrl: string; value: Uint8Array }[] = [];
  for (const f of readFields(bytes)) {
    if (f.field === 1 && f.wireType === 0) code = numberOf(f);
    else if (f.field === 2 && f.wireType === 2) message = textOf(f);
    else if (f.field === 3 && f.wireType === 2) {
      let typeUrl = '';
      let value: Uint8Array = new Uint8Array();
      for (const a of readFields(bytesOf(f))) {
        if (a.field === 1 && a.wireType === 2) typeUrl = textOf(a);
        else if (a.field === 2 && a.wireType === 2) value = bytesOf(a);
      }
      details.push({ typeUrl, value });
    }
  }
  return { code, message, details };
}

/** WriteLogEntriesPartialErrors: map<int32, google.rpc.Status> log_entry_errors = 1. */
export function decodePartialErrors(bytes: Uint8Array): Map<number, EntryError> {
  const errors = new Map<number, EntryError>();
  for (const f of readFields(bytes)) {
    if (f.field !== 1 || f.wireType !== 2) continue;
    let index = 0;
    let status: EntryError = { code: GRPC.UNKNOWN, message: '' };
    for (const e of readFields(bytesOf(f))) {
      if (e.field === 1 && e.wireType === 0) index = numberOf(e);
      else if (e.field === 2 && e.wireType === 2) {
        const s = decodeStatus(bytesOf(e));
        status = { code: s.code, message: s.message };
      }
    }
    errors.set(index, status);
  }
  return errors;
}

/** The per-entry errors in a `grpc-status-details-bin` trailer; empty when there are none or it is unreadable. */
export function entryErrorsOf(statusDetails: readonly Uint8Array[]): Map<number, EntryError> {
  const errors = new Map<number, EntryError>();
  for (const bytes of statusDetails) {
    try {
      for (const detail of decodeStatus(bytes).details)
        if (detail.typeUrl === PARTIAL_ERRORS_TYPE)
          for (const [i, e] of decodePartialErrors(detail.value)) errors.set(i, e);
    } catch {
      // An unreadable trailer tells nothing per entry; the call's own code still decides.
    }
  }
  return errors;
}

/** Worth another attempt: the service was away, slow, overloaded or failed inside. */
export function isRetryableCode(code: number): boolean {
  return (
    code === GRPC.UNAVAILABLE ||
    code === GRPC.DEADLINE_EXCEEDED ||
    code === GRPC.RESOURCE_EXHAUSTED ||
    code === GRPC.INTERNAL ||
    code === GRPC.ABORTED
  );
}

/** Why the service refused an entry for good, as reports name it. */
export const REJECT_REASONS = [
  'entry-too-large',
  'timestamp-out-of-range',
  'invalid-log-name',
  'invalid-labels',
  'invalid-resource',
  'permission-denied',
  'invalid-entry',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export function rejectReason(error: EntryError): RejectReason {
  if (error.code === GRPC.PERMISSION_DENIED || error.code === GRPC.UNAUTHENTICATED)
    return 'permission-denied';
  const m = error.message;
  if (/exceeds maximum size|too large|payload size/i.test(m)) return 'entry-too-large';
  if (/timestamp/i.test(m)) return 'timestamp-out-of-range';
  if (/log ?name|log id/i.test(m)) return 'invalid-log-name';
  // A resource's labels are the resource's problem, so resources are matched before labels.
  if (/resource/i.test(m)) return 'invalid-resource';
  if (/label/i.test(m)) return 'invalid-labels';
  return 'invalid-entry';
}
