import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toEventsV1 } from './events-v1.js';

describe('events.k8s.io/v1 view of core events', () => {
  test('maps every field of a fully populated core event', () => {
    const metadata = { name: 'web-0.1', namespace: 'default', uid: 'u-1', resourceVersion: '77' };
    const involved = {
      kind: 'Pod',
      namespace: 'default',
      name: 'web-0',
      uid: 'p-1',
      apiVersion: 'v1',
      fieldPath: 'spec.containers{app}',
    };
    const related = { kind: 'Node', name: 'node-1', apiVersion: 'v1' };
    const core = {
      kind: 'Event',
      apiVersion: 'v1',
      metadata,
      involvedObject: involved,
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: '2024-05-01T10:00:00Z',
      lastTimestamp: '2024-05-01T10:05:00Z',
      count: 7,
      type: 'Warning',
      eventTime: '2024-05-01T10:00:00.123456Z',
      series: { count: 6, lastObservedTime: '2024-05-01T10:05:00.000000Z' },
      action: 'Restarting',
      related,
      reportingComponent: 'kubelet',
      reportingInstance: 'node-1',
    };
    const view = toEventsV1(core);
    assert.deepEqual(view, {
      kind: 'Event',
      apiVersion: 'events.k8s.io/v1',
      metadata,
      eventTime: '2024-05-01T10:00:00.123456Z',
      series: { count: 6, lastObservedTime: '2024-05-01T10:05:00.000000Z' },
      reportingController: 'kubelet',
      reportingInstance: 'node-1',
      action: 'Restarting',
      reason: 'BackOff',
      regarding: involved,
      related,
      note: 'Back-off restarting failed container',
      type: 'Warning',
      deprecatedSource: { component: 'kubelet', host: 'node-1' },
      deprecatedFirstTimestamp: '2024-05-01T10:00:00Z',
      deprecatedLastTimestamp: '2024-05-01T10:05:00Z',
      deprecatedCount: 7,
    });
    // Same key order as the Go struct, so the JSON reads like the real server's.
    assert.deepEqual(Object.keys(view), [
      'kind',
      'apiVersion',
      'metadata',
      'eventTime',
      'series',
      'reportingController',
      'reportingInstance',
      'action',
      'reason',
      'regarding',
      'related',
      'note',
      'type',
      'deprecatedSource',
      'deprecatedFirstTimestamp',
      'deprecatedLastTimestamp',
      'deprecatedCount',
    ]);
  });

  test('a sparse core event keeps the always-present fields, null timestamps and no empty extras', () => {
    const metadata = { name: 'e', namespace: 'default' };
    assert.deepEqual(toEventsV1({ metadata, reason: 'Pulled', message: '', count: 0 }), {
      kind: 'Event',
      apiVersion: 'events.k8s.io/v1',
      metadata,
      eventTime: null,
      reason: 'Pulled',
      regarding: {},
      deprecatedSource: {},
      deprecatedFirstTimestamp: null,
      deprecatedLastTimestamp: null,
    });
  });
});
