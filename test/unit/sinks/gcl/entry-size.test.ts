import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { logEntrySize, valueSize } from '../../../../shared/sinks/gcl/entry-size.js';
import {
  eventToLogEntry,
  SEVERITY_NUMBER,
  type EventLogEntry,
} from '../../../../shared/sinks/gcl/event-to-log-entry.js';
import { varintSize } from '../../../../shared/sinks/gcl/wire.js';
import { loggingRoot } from '../../../stand-ins/gcl/protos.js';
import { everyFieldCoreEvent, everyFieldEventsV1, gkeEventList } from './event-fixtures.js';

/** The entry encoded by protobufjs from the shipped LogEntry definition, jsonPayload as a Struct. */
const LogEntry = loggingRoot().lookupType('google.logging.v2.LogEntry');

function toValue(value: unknown): Record<string, unknown> {
  if (value === null) return { nullValue: 0 };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toValue) } };
  return { structValue: toStruct(value as Record<string, unknown>) };
}

function toStruct(object: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) if (v !== undefined) fields[k] = toValue(v);
  return { fields };
}

function encodedSize(entry: EventLogEntry): number {
  const message = LogEntry.fromObject({
    logName: entry.logName,
    resource: entry.resource,
    timestamp: entry.timestamp,
    severity: entry.severity,
    insertId: entry.insertId,
    labels: entry.labels,
    jsonPayload: toStruct(entry.jsonPayload),
  });
  return LogEntry.encode(message).finish().length;
}

const ctx = {
  project: 'demo-project',
  location: 'us-central1-c',
  clusterName: 'c',
  logName: 'projects/demo-project/logs/kubernetes.io%2Fevents',
};

function converted(event: Parameters<typeof eventToLogEntry>[0]): EventLogEntry {
  const c = eventToLogEntry(event, ctx);
  return c.kind === 'entry' ? c.entry : assert.fail('too large');
}

describe('logEntrySize equals the protobuf encoding', () => {
  test('real events of both APIs', () => {
    for (const event of [...gkeEventList(), everyFieldCoreEvent(), everyFieldEventsV1()]) {
      const entry = converted(event);
      assert.equal(
        logEntrySize({ ...entry, severityNumber: SEVERITY_NUMBER[entry.severity] }),
        encodedSize(entry),
      );
    }
  });

  test('payload shapes: nesting, lists, nulls, zeros, empty strings, non-ASCII, long values', () => {
    const event = gkeEventList()[0] as Parameters<typeof eventToLogEntry>[0];
    const odd = {
      ...event,
      count: 0,
      flag: false,
      nothing: null,
      empty: '',
      list: [1, 'two', [3, null], { four: 4.5 }, []],
      nested: { deeper: { deepest: {} } },
      unicode: 'naïve 日本語 🙂',
      long: 'x'.repeat(20_000),
      negative: -1.25e-300,
    };
    const entry = converted(odd);
    assert.equal(
      logEntrySize({ ...entry, severityNumber: SEVERITY_NUMBER[entry.severity] }),
      encodedSize(entry),
    );
  });

  test('WARNING severity, nanoseconds and no labels', () => {
    const base = converted(gkeEventList()[2] as Parameters<typeof eventToLogEntry>[0]);
    const entry: EventLogEntry = {
      ...base,
      severity: 'WARNING',
      timestamp: { seconds: 1_700_000_000, nanos: 999_999_999 },
      labels: {},
    };
    assert.equal(logEntrySize({ ...entry, severityNumber: 400 }), encodedSize(entry));
  });
});

test('varint sizes at the byte boundaries', () => {
  assert.deepEqual(
    [0, 127, 128, 16_383, 16_384, 2 ** 21 - 1, 2 ** 21, 2 ** 35].map(varintSize),
    [1, 1, 2, 2, 3, 3, 4, 6],
  );
  assert.equal(valueSize(null), 2);
});
