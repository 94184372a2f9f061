import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeEvent } from '../../../../shared/kube/event-stream.js';
import {
  ENTRY_BUDGET_BYTES,
  eventToLogEntry,
  logNameOf,
  MAX_LABEL_VALUE_BYTES,
  parseTimestamp,
  sizeOf,
  truncateUtf8,
  type ConvertedEvent,
  type EntryContext,
  type EventLogEntry,
} from '../../../../shared/sinks/gcl/event-to-log-entry.js';
import { appliedEventsV1, everyFieldCoreEvent, everyFieldEventsV1, gkeEventList } from './event-fixtures.js';

const ctx: EntryContext = {
  project: 'demo-project',
  location: 'europe-west1',
  clusterName: 'prod-1',
  logName: 'projects/demo-project/logs/kubernetes.io%2Fevents',
};
const base = { project_id: 'demo-project', location: 'europe-west1', cluster_name: 'prod-1' };

function entryOf(event: KubeEvent): EventLogEntry {
  const converted: ConvertedEvent = eventToLogEntry(event, ctx);
  assert.equal(converted.kind, 'entry');
  return converted.kind === 'entry' ? converted.entry : assert.fail('not converted');
}

function secondsOf(rfc3339: string): number {
  return Date.parse(rfc3339) / 1000;
}

describe('eventToLogEntry: core/v1 events of a GKE cluster', () => {
  const events = gkeEventList();

  test('every event: identity, time, severity, log name and the event itself as payload', () => {
    for (const event of events) {
      const entry = entryOf(event);
      assert.equal(entry.insertId, `${event.metadata.uid}/${event.metadata.resourceVersion}`);
      assert.deepEqual(entry.timestamp, { seconds: secondsOf(event['lastTimestamp'] as string), nanos: 0 });
      assert.equal(entry.severity, 'INFO');
      assert.equal(entry.logName, ctx.logName);
      assert.deepEqual(entry.jsonPayload, event);
    }
  });

  test('labels: reason, the involved object and the reporting component', () => {
    for (const event of events) {
      const ref = event['involvedObject'] as { kind: string; name: string; namespace: string };
      assert.deepEqual(entryOf(event).labels, {
        reason: event['reason'],
        kind: ref.kind,
        name: ref.name,
        namespace: ref.namespace,
        component: (event['source'] as { component: string }).component,
      });
    }
  });

  test('Pod events are k8s_pod resources, controllers are the cluster', () => {
    const pod = events.find((e) => (e['involvedObject'] as { kind: string }).kind === 'Pod') as KubeEvent;
    assert.deepEqual(entryOf(pod).resource, {
      type: 'k8s_pod',
      labels: { ...base, namespace_name: 'default', pod_name: 'hello-node-47289321-91tfd' },
    });
    for (const kind of ['ReplicaSet', 'DaemonSet']) {
      const event = events.find((e) => (e['involvedObject'] as { kind: string }).kind === kind) as KubeEvent;
      assert.deepEqual(entryOf(event).resource, { type: 'k8s_cluster', labels: base });
    }
  });

  test('a Pod event written in another namespace than the Pod is not trusted to be about that Pod', () => {
    const pod = events[0] as KubeEvent;
    const elsewhere = { ...pod, metadata: { ...pod.metadata, namespace: 'team-b' } };
    assert.deepEqual(entryOf(elsewhere).resource, { type: 'k8s_cluster', labels: base });
  });

  test('Node events from the namespaces node components write to are k8s_node resources', () => {
    const pod = events[1] as KubeEvent;
    const node = {
      ...pod,
      involvedObject: { kind: 'Node', name: 'gke-test-agent58-massi-default-pool-a5024221-klj2', uid: 'n1' },
      reason: 'NodeNotReady',
    };
    assert.deepEqual(entryOf(node).resource, {
      type: 'k8s_node',
      labels: { ...base, node_name: 'gke-test-agent58-massi-default-pool-a5024221-klj2' },
    });
    // A cluster-scoped object has no namespace label.
    assert.equal(entryOf(node).labels['namespace'], undefined);
    const fromTeam = { ...node, metadata: { ...node.metadata, namespace: 'team-b' } };
    assert.deepEqual(entryOf(fromTeam).resource, { type: 'k8s_cluster', labels: base });
  });

  test('Warning events are WARNING', () => {
    const warning = { ...(events[3] as KubeEvent), type: 'Warning', reason: 'BackOff' };
    assert.equal(entryOf(warning).severity, 'WARNING');
  });
});

describe('eventToLogEntry: every field set', () => {
  test('core/v1: series time to the microsecond, managedFields left out, fuzzer values kept', () => {
    const event = everyFieldCoreEvent();
    const entry = entryOf(event);
    // series.lastObservedTime wins over lastTimestamp and eventTime.
    assert.deepEqual(entry.timestamp, { seconds: secondsOf('2951-04-21T20:18:51Z'), nanos: 456_715_000 });
    assert.equal(entry.insertId, '7/11042405498087606203');
    assert.equal(entry.severity, 'INFO');
    assert.deepEqual(entry.labels, {
      reason: '26',
      kind: '20',
      name: '22',
      namespace: '21',
      component: '28',
    });
    assert.deepEqual(entry.resource, { type: 'k8s_cluster', labels: base });
    const { managedFields, ...metadata } = event.metadata as Record<string, unknown>;
    assert.ok(Array.isArray(managedFields));
    assert.deepEqual(entry.jsonPayload, { ...event, metadata });
  });

  test('events.k8s.io/v1: regarding, note and reportingController', () => {
    const event = everyFieldEventsV1();
    const entry = entryOf(event);
    assert.deepEqual(entry.timestamp, { seconds: secondsOf('2002-01-01T01:01:01Z'), nanos: 2_000 });
    assert.equal(entry.insertId, 'uidValue/resourceVersionValue');
    assert.deepEqual(entry.labels, {
      reason: 'reasonValue',
      kind: 'kindValue',
      name: 'nameValue',
      namespace: 'namespaceValue',
      component: 'reportingControllerValue',
    });
    assert.equal(entry.jsonPayload['note'], 'noteValue');
  });

  test('events.k8s.io/v1 as applied: Warning about a custom resource, Normal about a Pod', () => {
    for (const event of appliedEventsV1('otel-k8sobjects-event.yaml')) {
      const entry = entryOf(event);
      assert.equal(entry.severity, 'WARNING');
      assert.deepEqual(entry.resource, { type: 'k8s_cluster', labels: base });
      assert.deepEqual(entry.timestamp, { seconds: secondsOf('2023-01-01T00:00:00Z'), nanos: 0 });
      assert.equal(entry.labels['kind'], 'customresource');
      assert.equal(entry.labels['component'], 'e2etest');
    }
    const [pod] = appliedEventsV1('otel-k8sevents-event.yaml');
    assert.deepEqual(entryOf(pod as KubeEvent).resource, {
      type: 'k8s_pod',
      labels: { ...base, namespace_name: 'test-k8sevents-e2e', pod_name: 'test-pod' },
    });
  });
});

describe('eventToLogEntry: size limits', () => {
  const bigText = (bytes: number): string => {
    // Two-, three- and four-byte characters, so a cut at any byte can fall inside one.
    const unit = 'é日本🙂a';
    return unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit)));
  };

  test('a long message is cut to fit, on a character boundary, with a marker saying how much was kept', () => {
    const original = bigText(400_000);
    const event = { ...(gkeEventList()[0] as KubeEvent), message: original };
    const converted = eventToLogEntry(event, ctx);
    assert.equal(converted.kind, 'entry');
    if (converted.kind !== 'entry') return;
    assert.equal(converted.truncated, true);
    assert.ok(converted.bytes <= ENTRY_BUDGET_BYTES, `${converted.bytes} bytes`);
    assert.ok(converted.bytes > ENTRY_BUDGET_BYTES - 1_000, 'the entry should use most of its budget');
    const message = converted.entry.jsonPayload['message'] as string;
    const match = / … \[message truncated: (\d+) of (\d+) bytes kept\]$/.exec(message);
    assert.ok(match, message.slice(-80));
    const kept = message.slice(0, match.index);
    assert.ok(original.startsWith(kept));
    assert.ok(!kept.includes('\ufffd'));
    assert.equal(Number(match[1]), Buffer.byteLength(kept));
    assert.equal(Number(match[2]), Buffer.byteLength(original));
  });

  test('an events.k8s.io/v1 note is cut the same way', () => {
    const event = { ...everyFieldEventsV1(), note: 'x'.repeat(300_000) };
    const converted = eventToLogEntry(event, ctx);
    assert.equal(converted.kind === 'entry' && converted.truncated, true);
    if (converted.kind === 'entry')
      assert.match(converted.entry.jsonPayload['note'] as string, /note truncated/);
  });

  test('an event too large for reasons other than its message is refused, not cut', () => {
    const event = gkeEventList()[0] as KubeEvent;
    const huge = { ...event, metadata: { ...event.metadata, annotations: { big: 'y'.repeat(300_000) } } };
    assert.equal(eventToLogEntry(huge, ctx).kind, 'too-large');
  });

  test('entries under the budget are left alone', () => {
    const event = { ...(gkeEventList()[0] as KubeEvent), message: 'z'.repeat(200_000) };
    const converted = eventToLogEntry(event, ctx);
    assert.equal(converted.kind === 'entry' && !converted.truncated, true);
    if (converted.kind === 'entry') assert.equal(converted.bytes, sizeOf(converted.entry));
  });

  test('label values are cut to 64 KiB', () => {
    const event = { ...(gkeEventList()[0] as KubeEvent), reason: bigText(70_000) };
    const reason = entryOf(event).labels['reason'] as string;
    assert.ok(Buffer.byteLength(reason) <= MAX_LABEL_VALUE_BYTES);
    assert.ok(Buffer.byteLength(reason) > MAX_LABEL_VALUE_BYTES - 4);
    assert.ok((event.reason as string).startsWith(reason));
  });
});

describe('helpers', () => {
  test('log names carry the log ID URL-encoded', () => {
    assert.equal(logNameOf('p-1', 'kubernetes.io/events'), 'projects/p-1/logs/kubernetes.io%2Fevents');
    assert.equal(logNameOf('p-1', 'events'), 'projects/p-1/logs/events');
  });

  test('timestamps: offsets, fractions, garbage', () => {
    assert.deepEqual(parseTimestamp('2024-03-01T10:00:00+02:00'), {
      seconds: Date.UTC(2024, 2, 1, 8) / 1000,
      nanos: 0,
    });
    assert.deepEqual(parseTimestamp('2024-03-01T10:00:00.5Z'), {
      seconds: Date.UTC(2024, 2, 1, 10) / 1000,
      nanos: 5e8,
    });
    assert.deepEqual(parseTimestamp('yesterday'), { seconds: 0, nanos: 0 });
  });

  test('truncateUtf8 never splits a character', () => {
    const text = 'a🙂b';
    assert.equal(truncateUtf8(text, 1), 'a');
    assert.equal(truncateUtf8(text, 4), 'a');
    assert.equal(truncateUtf8(text, 5), 'a🙂');
    assert.equal(truncateUtf8(text, 6), text);
  });
});
