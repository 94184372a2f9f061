import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkLabels,
  checkLogName,
  checkResource,
  checkSize,
  checkTimestamp,
  isRefusal,
  MAX_LABEL_VALUE_BYTES,
} from '../../../stand-ins/gcl/rules.js';
import { listEntries } from '../../../stand-ins/gcl/list.js';

/** The stand-in's own rules, so a sink test passing against it means what it says. */
describe('Logging stand-in rules', () => {
  test('log names: the log ID must be URL-encoded and of the allowed characters', () => {
    assert.deepEqual(checkLogName('projects/demo-project/logs/kubernetes.io%2Fevents'), {
      project: 'demo-project',
    });
    assert.deepEqual(checkLogName('projects/demo-project/logs/events'), { project: 'demo-project' });
    for (const bad of [
      'projects/demo-project/logs/kubernetes.io/events',
      'projects/demo-project/logs/a%20b',
      'projects/demo-project/logs/',
      `projects/demo-project/logs/${'a'.repeat(512)}`,
      'demo-project/logs/events',
    ])
      assert.ok(isRefusal(checkLogName(bad)), bad);
  });

  test('resources: Kubernetes types need exactly their labels', () => {
    const labels = { project_id: 'p', location: 'l', cluster_name: 'c' };
    assert.equal(checkResource({ type: 'k8s_cluster', labels }), undefined);
    assert.ok(checkResource({ type: 'k8s_pod', labels }));
    assert.ok(checkResource({ type: 'k8s_cluster', labels: { ...labels, pod_name: 'x' } }));
    assert.ok(checkResource(null));
  });

  test('size, time and labels', () => {
    assert.equal(checkSize(256 * 1024), undefined);
    assert.match(checkSize(256 * 1024 + 1)?.message ?? '', /exceeds maximum size of 256.0K/);
    const now = Date.UTC(2024, 0, 1);
    assert.equal(checkTimestamp(now + 86_400_000, now), undefined);
    assert.ok(checkTimestamp(now + 86_400_001, now));
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    assert.ok(isRefusal(checkLabels(many)));
    const cut = checkLabels({ long: 'x'.repeat(MAX_LABEL_VALUE_BYTES + 1), short: 'y' });
    assert.ok(!isRefusal(cut));
    if (!isRefusal(cut)) {
      assert.equal(cut.cut, 1);
      assert.equal(Buffer.byteLength(cut.labels['long'] as string), MAX_LABEL_VALUE_BYTES);
      assert.match(cut.labels['long'] as string, /\.\.\.$/);
    }
  });

  test('queries refuse filters they do not understand', () => {
    const request = { resourceNames: ['projects/p'], orderBy: '', pageSize: 0, pageToken: '' };
    assert.ok(isRefusal(listEntries({ ...request, filter: 'jsonPayload.reason:"Back"' }, [])));
    assert.ok(isRefusal(listEntries({ ...request, filter: 'severity>=WARNING' }, [])));
    assert.deepEqual(
      listEntries({ ...request, filter: 'labels.kind="Pod" AND timestamp >= "2024-01-01T00:00:00Z"' }, []),
      {
        entries: [],
        nextPageToken: '',
      },
    );
  });
});
