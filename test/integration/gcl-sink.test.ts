import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Logging } from '@google-cloud/logging';
import { grpc } from 'google-gax';
import type { KubeEvent } from '../../shared/kube/event-stream.js';
import { memoryLogger } from '../../shared/runtime/log.js';
import type { GclSinkConfig } from '../../shared/sinks/gcl/config.js';
import { gclEventSink, type GclSinkLimits } from '../../shared/sinks/gcl/gcl-sink.js';
import type { EventSink } from '../../shared/sinks/sink.js';
import { MAX_ENTRY_BYTES, MAX_REQUEST_BYTES } from '../stand-ins/gcl/rules.js';
import { startGclStandIn, type GclStandIn, type StoredEntry } from '../stand-ins/gcl/server.js';
import { appliedEventsV1, recentGkeEvents } from '../unit/sinks/gcl/event-fixtures.js';

/**
 * The gcl sink with the real @google-cloud/logging client against the gRPC stand-in: what a Cloud Logging
 * query would return after each scenario, and what went over the wire. The client adds one diagnostic entry
 * to the first write of a process; assertions leave it out.
 */
const PROJECT = 'demo-project';
const LOG_NAME = `projects/${PROJECT}/logs/kubernetes.io%2Fevents`;
let standIn: GclStandIn;
const open: EventSink[] = [];

before(async () => {
  standIn = await startGclStandIn();
});
after(async () => {
  await Promise.all(open.map((s) => s.close()));
  await standIn.stop();
});
beforeEach(() => standIn.reset());

function sink(config: Partial<GclSinkConfig> = {}, limits: Partial<GclSinkLimits> = {}): EventSink {
  const s = gclEventSink(
    {
      project: PROJECT,
      location: 'europe-west1',
      logId: 'kubernetes.io/events',
      endpoint: standIn.endpoint,
      timeoutMs: 5_000,
      ...config,
    },
    {
      clusterName: 'prod-1',
      env: { METADATA_SERVER_DETECTION: 'none' },
      log: memoryLogger(),
      limits: { retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 50 }, ...limits },
    },
  );
  open.push(s);
  return s;
}

const signal = new AbortController().signal;
const events = (): StoredEntry[] => standIn.distinctEntries().filter((e) => !e.diagnostic);
const received = (): StoredEntry[] => standIn.received.filter((e) => !e.diagnostic);
const keyOf = (e: KubeEvent): string => `${e.metadata.uid}/${e.metadata.resourceVersion}`;
const kindOf = (e: KubeEvent): string => (e['involvedObject'] as { kind: string }).kind;

describe('gcl sink against the Logging stand-in', () => {
  test('every occurrence once, as the event; a query through the client finds them', async () => {
    const batch = recentGkeEvents(Date.now());
    const report = await sink().write(batch, signal);
    assert.deepEqual([report.written, report.rejected, report.retried, report.error], [19, {}, 0, undefined]);
    assert.ok(standIn.received.filter((e) => e.diagnostic).length <= 1);

    const stored = new Map(events().map((e) => [e.insertId, e]));
    assert.equal(stored.size, 19);
    for (const event of batch) {
      const entry = stored.get(keyOf(event));
      assert.ok(entry, keyOf(event));
      assert.equal(entry.logName, LOG_NAME);
      assert.deepEqual(entry.payload, event);
      assert.equal(entry.timestamp, (event['lastTimestamp'] as string).replace('Z', '.000000000Z'));
      assert.equal(entry.severity, 'INFO');
      assert.equal(entry.labels['reason'], event['reason']);
      assert.equal(entry.resource.type, kindOf(event) === 'Pod' ? 'k8s_pod' : 'k8s_cluster');
      assert.equal(entry.resource.labels['cluster_name'], 'prod-1');
    }

    const logging = new Logging({
      projectId: PROJECT,
      apiEndpoint: '127.0.0.1',
      port: standIn.port,
      sslCreds: grpc.credentials.createInsecure(),
      credentials: { client_email: 'test@localhost.invalid', private_key: 'unused' },
    } as ConstructorParameters<typeof Logging>[0]);
    const [found] = await logging.getEntries({
      filter: `logName="${LOG_NAME}" AND labels.kind="Pod"`,
      pageSize: 5,
      autoPaginate: true,
    });
    const pods = batch.filter((e) => kindOf(e) === 'Pod');
    assert.equal(found.length, pods.length);
    for (const entry of found) {
      const event = pods.find((e) => keyOf(e) === entry.metadata.insertId);
      assert.deepEqual(entry.data, event);
    }
    await logging.loggingService.close();
  });

  test('long messages: every entry under 256 KiB, every request under 10 MB, nothing refused', async () => {
    const now = Date.now();
    const batch = [0, 1, 2].flatMap((copy) => recentGkeEvents(now, copy)).slice(0, 40);
    for (const event of batch) event['message'] = `${event['message'] as string} ${'ü'.repeat(150_000)}`;
    const report = await sink().write(batch, signal);
    assert.deepEqual([report.written, report.rejected, report.error], [40, {}, undefined]);
    assert.ok(standIn.writes.length >= 2, `${standIn.writes.length} requests`);
    for (const w of standIn.writes) {
      assert.equal(w.code, 0);
      assert.ok(w.bytes <= MAX_REQUEST_BYTES, `${w.bytes} bytes`);
    }
    assert.equal(events().length, 40);
    for (const e of events()) {
      assert.ok(e.bytes <= MAX_ENTRY_BYTES, `${e.bytes} bytes`);
      assert.match(e.payload['message'] as string, /… \[message truncated: \d+ of 300\d+ bytes kept\]$/);
    }
    assert.equal(standIn.labelsCut, 0);
  });

  test('partial success: refused entries counted by reason, the rest written, nothing retried', async () => {
    const batch = recentGkeEvents(Date.now());
    const replicaSets = batch.filter((e) => kindOf(e) === 'ReplicaSet');
    standIn.setFaults({ rejectKind: { kind: 'ReplicaSet' } });
    const report = await sink().write(batch, signal);
    assert.deepEqual(report.rejected, { 'invalid-entry': replicaSets.length });
    assert.equal(report.written, batch.length - replicaSets.length);
    assert.deepEqual([report.retried, report.error, standIn.writes.length], [0, undefined, 1]);
    assert.deepEqual(
      events()
        .map((e) => e.insertId)
        .sort(),
      batch
        .filter((e) => kindOf(e) !== 'ReplicaSet')
        .map(keyOf)
        .sort(),
    );

    // A batch the service refuses whole carries no per-entry errors: halving finds every bad entry.
    const refusedOnly = await sink().write(replicaSets, signal);
    assert.deepEqual(
      [refusedOnly.written, refusedOnly.rejected, refusedOnly.error],
      [0, { 'invalid-entry': replicaSets.length }, undefined],
    );
  });

  test('UNAVAILABLE after storing: the retry stores every entry again, a query still shows each once', async () => {
    const batch = recentGkeEvents(Date.now());
    standIn.setFaults({ failWrites: { code: grpc.status.UNAVAILABLE, count: 1, afterStore: true } });
    const report = await sink().write(batch, signal);
    assert.deepEqual([report.written, report.retried, report.error], [19, 1, undefined]);
    assert.equal(received().length, 38);
    assert.equal(events().length, 19);
  });

  test('down longer than the sink retries: an error for the watcher, whose retry then writes each once', async () => {
    const batch = recentGkeEvents(Date.now());
    const s = sink();
    standIn.setFaults({ failWrites: { code: grpc.status.UNAVAILABLE, count: 10 } });
    const failed = await s.write(batch, signal);
    assert.equal(failed.written, 0);
    assert.equal(failed.retried, 2);
    // The client's own retries are off: three attempts are three requests.
    assert.equal(standIn.writes.length, 3);
    assert.match(failed.error ?? '', /^19 of 19 occurrences not written: UNAVAILABLE/);
    assert.equal(received().length, 0);
    standIn.setFaults({});
    const retried = await s.write(batch, signal);
    assert.deepEqual([retried.written, retried.error], [19, undefined]);
    assert.equal(events().length, 19);
  });

  test('slower than the timeout: DEADLINE_EXCEEDED, and the late writes landing anyway add no duplicates', async () => {
    const batch = recentGkeEvents(Date.now());
    const s = sink({ timeoutMs: 500 }, { retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 10 } });
    standIn.setFaults({ latencyMs: 1_000 });
    const slow = await s.write(batch, signal);
    assert.match(slow.error ?? '', /DEADLINE_EXCEEDED/);
    standIn.setFaults({});
    const report = await s.write(batch, signal);
    assert.equal(report.written, 19);
    const deadline = Date.now() + 3_000;
    while (received().length < 57 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(received().length, 57);
    assert.equal(events().length, 19);
  });

  test('timestamp window: a day ahead is refused, past retention is accepted but never queried', async () => {
    const now = Date.now();
    const [ahead, old, fine] = recentGkeEvents(now) as [KubeEvent, KubeEvent, KubeEvent];
    ahead['lastTimestamp'] = new Date(now + 2 * 86_400_000).toISOString();
    old['lastTimestamp'] = new Date(now - 40 * 86_400_000).toISOString();
    const report = await sink().write([ahead, old, fine], signal);
    assert.deepEqual(report.rejected, { 'timestamp-out-of-range': 1 });
    assert.equal(report.written, 2);
    assert.deepEqual(
      events().map((e) => e.insertId),
      [keyOf(fine)],
    );
  });

  test('events.k8s.io/v1 events, into a log whose ID has slashes', async () => {
    const now = new Date().toISOString();
    const batch = [
      ...appliedEventsV1('otel-k8sevents-event.yaml'),
      ...appliedEventsV1('otel-k8sobjects-event.yaml'),
    ].map((e) => ({ ...e, eventTime: now }));
    const report = await sink({ logId: 'k8s/events/v1' }).write(batch, signal);
    assert.deepEqual([report.written, report.error], [3, undefined]);
    const stored = events();
    assert.deepEqual(
      new Set(stored.map((e) => e.logName)),
      new Set([`projects/${PROJECT}/logs/k8s%2Fevents%2Fv1`]),
    );
    assert.deepEqual(stored.map((e) => e.severity).sort(), ['INFO', 'WARNING', 'WARNING']);
    assert.deepEqual(stored.map((e) => e.resource.type).sort(), ['k8s_cluster', 'k8s_cluster', 'k8s_pod']);
  });
});
