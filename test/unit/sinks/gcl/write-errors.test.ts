import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { failureOf } from '../../../../shared/sinks/gcl/gcl-client.js';
import { readFields } from '../../../../shared/sinks/gcl/wire.js';
import {
  codeName,
  decodeStatus,
  entryErrorsOf,
  GRPC,
  isRetryableCode,
  PARTIAL_ERRORS_TYPE,
  rejectReason,
} from '../../../../shared/sinks/gcl/write-errors.js';
import { loggingRoot } from '../../../stand-ins/gcl/protos.js';

const root = loggingRoot();
const Status = root.lookupType('google.rpc.Status');
const PartialErrors = root.lookupType('google.logging.v2.WriteLogEntriesPartialErrors');

/** A grpc-status-details-bin trailer as the service sends it, encoded by protobufjs from the shipped protos. */
function trailer(errors: Record<number, { code: number; message: string }>, extraDetails = 0): Uint8Array {
  const value = PartialErrors.encode(PartialErrors.fromObject({ logEntryErrors: errors })).finish();
  const other = Array.from({ length: extraDetails }, () => ({
    type_url: 'type.googleapis.com/google.rpc.DebugInfo',
    value: new Uint8Array([10, 3, 97, 98, 99]),
  }));
  return Status.encode(
    Status.fromObject({
      code: GRPC.INVALID_ARGUMENT,
      message: 'first failure',
      details: [...other, { type_url: PARTIAL_ERRORS_TYPE, value }],
    }),
  ).finish();
}

describe('per-entry errors from the status details', () => {
  test('indexes, codes and messages come back as sent, other details ignored', () => {
    const sent = {
      0: {
        code: GRPC.INVALID_ARGUMENT,
        message: 'Log entry with size 300.0K exceeds maximum size of 256.0K',
      },
      7: { code: GRPC.PERMISSION_DENIED, message: 'no' },
      1000: { code: GRPC.UNAVAILABLE, message: 'try again' },
    };
    const errors = entryErrorsOf([trailer(sent, 2)]);
    assert.deepEqual(
      [...errors.entries()].sort(([a], [b]) => a - b),
      Object.entries(sent).map(([k, v]) => [Number(k), v]),
    );
    const status = decodeStatus(trailer(sent));
    assert.equal(status.code, GRPC.INVALID_ARGUMENT);
    assert.equal(status.message, 'first failure');
  });

  test('a gRPC error object from the client: code, message and trailer', () => {
    const bytes = Buffer.from(trailer({ 2: { code: GRPC.INVALID_ARGUMENT, message: 'bad timestamp' } }));
    const failure = failureOf({
      code: GRPC.INVALID_ARGUMENT,
      details: 'first failure',
      metadata: { get: (key: string) => (key === 'grpc-status-details-bin' ? [bytes] : []) },
    });
    assert.equal(failure.ok, false);
    if (failure.ok) return;
    assert.equal(failure.code, GRPC.INVALID_ARGUMENT);
    assert.equal(failure.message, 'first failure');
    assert.deepEqual(
      [...failure.entryErrors],
      [[2, { code: GRPC.INVALID_ARGUMENT, message: 'bad timestamp' }]],
    );
  });

  test('errors without a code or trailer, and unreadable trailers', () => {
    const plain = failureOf(new Error('socket hang up'));
    assert.deepEqual(plain.ok ? undefined : [plain.code, plain.message, plain.entryErrors.size], [
      GRPC.UNKNOWN,
      'socket hang up',
      0,
    ]);
    assert.equal(entryErrorsOf([new Uint8Array([0x0a, 0x05, 0x01])]).size, 0);
    assert.throws(() => readFields(new Uint8Array([0x0a, 0x05, 0x01])), /past the end/);
    assert.throws(() => readFields(new Uint8Array([0x08, 0xff])), /varint/);
  });
});

describe('classification', () => {
  test('retryable codes are the transient ones', () => {
    for (const code of [
      GRPC.UNAVAILABLE,
      GRPC.DEADLINE_EXCEEDED,
      GRPC.RESOURCE_EXHAUSTED,
      GRPC.INTERNAL,
      GRPC.ABORTED,
    ])
      assert.equal(isRetryableCode(code), true, codeName(code));
    for (const code of [
      GRPC.INVALID_ARGUMENT,
      GRPC.PERMISSION_DENIED,
      GRPC.NOT_FOUND,
      GRPC.UNAUTHENTICATED,
      GRPC.CANCELLED,
    ])
      assert.equal(isRetryableCode(code), false, codeName(code));
  });

  test('refusal reasons by code and wording', () => {
    const reason = (code: number, message: string): string => rejectReason({ code, message });
    assert.equal(reason(3, 'Log entry with size 300.0K exceeds maximum size of 256.0K'), 'entry-too-large');
    assert.equal(
      reason(3, 'Log entry timestamp 2030-01-01T00:00:00Z is more than 24 hours in the future'),
      'timestamp-out-of-range',
    );
    assert.equal(reason(3, 'Invalid log name "projects/p/logs/a/b"'), 'invalid-log-name');
    assert.equal(reason(3, 'Log entry has 65 labels; at most 64 are allowed'), 'invalid-labels');
    assert.equal(
      reason(3, 'Invalid monitored resource k8s_pod: missing labels [pod_name]'),
      'invalid-resource',
    );
    assert.equal(reason(7, 'anything'), 'permission-denied');
    assert.equal(reason(3, 'something new'), 'invalid-entry');
    assert.equal(codeName(14), 'UNAVAILABLE');
    assert.equal(codeName(99), 'gRPC code 99');
  });
});
