import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeEvent } from '../../../../shared/kube/event-stream.js';
import { memoryLogger } from '../../../../shared/runtime/log.js';
import type { GclSinkConfig } from '../../../../shared/sinks/gcl/config.js';
import type { GclWriter, WriteCall } from '../../../../shared/sinks/gcl/gcl-client.js';
import { gclEventSink, requestChunks, type GclSinkLimits } from '../../../../shared/sinks/gcl/gcl-sink.js';
import type { EventLogEntry } from '../../../../shared/sinks/gcl/event-to-log-entry.js';
import { GRPC, type EntryError } from '../../../../shared/sinks/gcl/write-errors.js';
import { recentGkeEvents } from './event-fixtures.js';

/**
 * The sink's delivery logic against a scripted writer: which requests it makes (split, halved, retried) and
 * what it reports. The real client against the stand-in is in test/integration/gcl-sink.test.ts.
 */
const config: GclSinkConfig = {
  project: 'demo-project',
  location: 'europe-west1',
  logId: 'kubernetes.io/events',
  endpoint: undefined,
  timeoutMs: 1_000,
};
const ok: WriteCall = { ok: true };
const fail = (code: number, entryErrors = new Map<number, EntryError>()): WriteCall => ({
  ok: false,
  code,
  message: `scripted ${code}`,
  entryErrors,
});

function scripted(answer: (ids: string[], call: number) => WriteCall): {
  calls: string[][];
  make: () => GclWriter;
} {
  const calls: string[][] = [];
  return {
    calls,
    make: () => ({
      write: async (entries: readonly EventLogEntry[]) => {
        const ids = entries.map((e) => e.insertId);
        calls.push(ids);
        return answer(ids, calls.length);
      },
      close: async () => undefined,
    }),
  };
}

function sinkWith(writer: () => GclWriter, limits: Partial<GclSinkLimits> = {}) {
  return gclEventSink(config, {
    clusterName: 'c',
    env: { METADATA_SERVER_DETECTION: 'none' },
    log: memoryLogger(),
    writer,
    limits: { retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 }, ...limits },
  });
}

const idOf = (e: KubeEvent): string => `${e.metadata.uid}/${e.metadata.resourceVersion}`;
const signal = new AbortController().signal;

describe('gcl sink delivery', () => {
  const events = recentGkeEvents(Date.now());

  test('one request for a small batch, everything written', async () => {
    const w = scripted(() => ok);
    const report = await sinkWith(w.make).write(events, signal);
    assert.deepEqual(report, {
      sink: 'gcl?project=demo-project&log=kubernetes.io/events',
      written: 19,
      rejected: {},
      retried: 0,
    });
    assert.deepEqual(w.calls, [events.map(idOf)]);
  });

  test('requests split by entry count, in order', async () => {
    const w = scripted(() => ok);
    const report = await sinkWith(w.make, { maxEntriesPerRequest: 5 }).write(events, signal);
    assert.equal(report.written, 19);
    assert.deepEqual(
      w.calls.map((c) => c.length),
      [5, 5, 5, 4],
    );
    assert.deepEqual(w.calls.flat(), events.map(idOf));
  });

  test('per-entry errors: permanent ones rejected by reason, transient ones retried alone', async () => {
    const transient = idOf(events[4] as KubeEvent);
    const w = scripted((ids, call) => {
      if (call > 1) return ok;
      const errors = new Map<number, EntryError>([
        [
          1,
          { code: GRPC.INVALID_ARGUMENT, message: 'Log entry timestamp is more than 24 hours in the future' },
        ],
        [2, { code: GRPC.PERMISSION_DENIED, message: 'denied' }],
        [ids.indexOf(transient), { code: GRPC.UNAVAILABLE, message: 'later' }],
        // The client's own diagnostic entry, one past the end, is not the sink's business.
        [ids.length, { code: GRPC.INVALID_ARGUMENT, message: 'diagnostic refused' }],
      ]);
      return fail(GRPC.INVALID_ARGUMENT, errors);
    });
    const report = await sinkWith(w.make).write(events, signal);
    assert.deepEqual(report.rejected, { 'timestamp-out-of-range': 1, 'permission-denied': 1 });
    assert.equal(report.written, 17);
    assert.equal(report.retried, 1);
    assert.equal(report.error, undefined);
    assert.deepEqual(w.calls[1], [transient]);
  });

  test('a refusal without per-entry errors halves the batch until the bad entry stands alone', async () => {
    const bad = idOf(events[13] as KubeEvent);
    const w = scripted((ids) => (ids.includes(bad) ? fail(GRPC.INVALID_ARGUMENT) : ok));
    const report = await sinkWith(w.make).write(events, signal);
    assert.deepEqual(report.rejected, { 'invalid-entry': 1 });
    assert.equal(report.written, 18);
    assert.equal(report.error, undefined);
    // log2(19) rounds of halving at most, each sending the bad half and the good half once.
    assert.ok(w.calls.length <= 1 + 2 * Math.ceil(Math.log2(19)), `${w.calls.length} calls`);
    assert.ok(w.calls.some((c) => c.length === 1 && c[0] === bad));
    // Every other entry went out in exactly one successful request.
    const delivered = w.calls.filter((c) => !c.includes(bad)).flat();
    assert.deepEqual(
      delivered.sort(),
      events
        .map(idOf)
        .filter((id) => id !== bad)
        .sort(),
    );
  });

  test('transient failures are retried within the attempts, then reported as the error', async () => {
    let failures = 2;
    const w = scripted(() => (failures-- > 0 ? fail(GRPC.UNAVAILABLE) : ok));
    const report = await sinkWith(w.make).write(events, signal);
    assert.deepEqual([report.written, report.retried, report.error], [19, 2, undefined]);

    const down = scripted(() => fail(GRPC.DEADLINE_EXCEEDED));
    const failed = await sinkWith(down.make).write(events, signal);
    assert.equal(down.calls.length, 3);
    assert.equal(failed.written, 0);
    assert.equal(failed.retried, 2);
    assert.match(failed.error ?? '', /^19 of 19 occurrences not written: DEADLINE_EXCEEDED/);
  });

  test('permission and configuration failures are errors, not rejections: nothing is dropped', async () => {
    for (const code of [GRPC.PERMISSION_DENIED, GRPC.NOT_FOUND, GRPC.UNAUTHENTICATED]) {
      const w = scripted(() => fail(code));
      const report = await sinkWith(w.make).write(events, signal);
      assert.deepEqual(report.rejected, {});
      assert.equal(w.calls.length, 1);
      assert.match(report.error ?? '', /19 of 19 occurrences not written/);
    }
  });

  test('an aborted write stops at once and says so', async () => {
    const aborted = AbortSignal.abort(new Error('stopping'));
    const w = scripted(() => ok);
    const report = await sinkWith(w.make).write(events, aborted);
    assert.equal(w.calls.length, 0);
    assert.match(report.error ?? '', /aborted/);
  });

  test('unknown project: the write reports what to configure', async () => {
    const sink = gclEventSink(
      { ...config, project: undefined },
      {
        clusterName: 'c',
        env: { METADATA_SERVER_DETECTION: 'none' },
        log: memoryLogger(),
        writer: scripted(() => ok).make,
      },
    );
    const report = await sink.write(events, signal);
    assert.match(report.error ?? '', /unknown project/);
  });
});

test('requestChunks: under the byte budget, each entry counted with its tag and length', () => {
  const items = [100, 100, 100, 300, 50].map((bytes) => ({ bytes }));
  assert.deepEqual(
    requestChunks(items, { maxRequestBytes: 320, maxEntriesPerRequest: 10 }).map((c) =>
      c.map((i) => i.bytes),
    ),
    [[100, 100, 100], [300], [50]],
  );
  // An entry over the budget on its own still gets a request (the service then answers for it).
  assert.deepEqual(
    requestChunks([{ bytes: 999 }], { maxRequestBytes: 10, maxEntriesPerRequest: 10 }).length,
    1,
  );
});
