import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { KubeEvent } from '../../../../shared/kube/kube-event.js';
import {
  encodeEvents,
  occurrenceTimestamp,
  rfc3339Micros,
} from '../../../../shared/sinks/influxdb/encode-events.js';

/** Event metadata with the identity fields every served event has, for hand-made events. */
const meta = (fields: { uid: string; creationTimestamp?: string }): KubeEvent['metadata'] => ({
  name: `${fields.uid}.event`,
  resourceVersion: '1',
  ...fields,
});

const core: KubeEvent = {
  metadata: { uid: 'e-1', name: 'web-0.17', namespace: 'shop', resourceVersion: '901' },
  involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'shop', uid: 'p-1' },
  reason: 'BackOff',
  message: 'Back-off restarting, "app" failed\nagain ✓',
  type: 'Warning',
  source: { component: 'kubelet', host: 'node-1' },
  count: 3,
  firstTimestamp: '2024-05-01T10:00:00Z',
  lastTimestamp: '2024-05-01T10:02:03Z',
};

describe('event timestamps', () => {
  test('RFC 3339 to microseconds, with zones and short fractions', () => {
    assert.equal(rfc3339Micros('1970-01-01T00:00:01.000002Z'), 1_000_002n);
    assert.equal(rfc3339Micros('1970-01-01T00:00:01.5Z'), 1_500_000n);
    assert.equal(rfc3339Micros('1970-01-01T01:00:01.12+01:00'), 1_120_000n);
    assert.equal(rfc3339Micros('yesterday'), undefined);
  });

  test('an occurrence: its observed time plus count mod 1000 ns; the same occurrence gives the same time', () => {
    // 2024-05-01T10:02:03Z is 1714557723 s since the epoch.
    assert.equal(occurrenceTimestamp(core), '1714557723000000003');
    assert.equal(
      occurrenceTimestamp({ ...core, metadata: { ...core.metadata, resourceVersion: '950' } }),
      '1714557723000000003',
    );
    assert.equal(occurrenceTimestamp({ ...core, count: 4 }), '1714557723000000004');
  });

  test('series time first, then lastTimestamp, eventTime, firstTimestamp, creation', () => {
    const series: KubeEvent = {
      metadata: meta({ uid: 'e-2' }),
      eventTime: '2024-05-01T10:00:00.000001Z',
      series: { count: 1002, lastObservedTime: '2024-05-01T10:05:00.123456Z' },
    };
    assert.equal(occurrenceTimestamp(series), '1714557900123456002');
    assert.equal(
      occurrenceTimestamp({ metadata: meta({ uid: 'x' }), eventTime: '2024-05-01T10:00:00.000001Z' }),
      '1714557600000001001',
    );
    assert.equal(
      occurrenceTimestamp({ metadata: meta({ uid: 'x', creationTimestamp: '2024-05-01T10:00:00Z' }) }),
      '1714557600000000001',
    );
    assert.equal(occurrenceTimestamp({ metadata: meta({ uid: 'x' }) }), undefined);
  });
});

describe('encodeEvents', () => {
  test("default form: log/events, the event as JSON in value, Heapster's tags", () => {
    const out = encodeEvents([core], { withFields: false, clusterName: 'c1' });
    const json = JSON.stringify(core).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
    assert.deepEqual(out.lines, [
      'log/events,cluster_name=c1,hostname=node-1,kind=Pod,namespace_name=shop,object_name=web-0,pod_id=p-1,' +
        `pod_name=web-0,reason=BackOff,type=Warning,uid=e-1 value="${json}" 1714557723000000003`,
    ]);
  });

  test('withfields form: events with the message field and the dashboard tags; events.k8s.io/v1 too', () => {
    const v1: KubeEvent = {
      metadata: { ...meta({ uid: 'e-3' }), namespace: 'shop' },
      regarding: { kind: 'Node', name: 'node-2' },
      note: 'Node node-2 status is now: NodeReady',
      reason: 'NodeReady',
      type: 'Normal',
      reportingController: 'kubelet',
      reportingInstance: 'node-2',
      deprecatedCount: 2,
      deprecatedLastTimestamp: '2024-05-01T10:00:00Z',
    };
    const out = encodeEvents([core, v1], { withFields: true, clusterName: undefined });
    assert.deepEqual(out.lines, [
      'events,cluster_name=default,component=kubelet,hostname=node-1,kind=Pod,namespace_name=shop,object_name=web-0,' +
        'pod_id=p-1,reason=BackOff,type=Warning,uid=e-1 message="Back-off restarting, \\"app\\" failed\nagain ✓" 1714557723000000003',
      'events,cluster_name=default,component=kubelet,hostname=node-2,kind=Node,namespace_name=shop,object_name=node-2,' +
        'reason=NodeReady,type=Normal,uid=e-3 message="Node node-2 status is now: NodeReady" 1714557600000000002',
    ]);
  });

  test('an event without any time is reported, not written', () => {
    const out = encodeEvents([{ metadata: meta({ uid: 'x' }) }], {
      withFields: false,
      clusterName: undefined,
    });
    assert.deepEqual([out.lines, out.rejected], [[], { 'no-time': 1 }]);
  });
});
