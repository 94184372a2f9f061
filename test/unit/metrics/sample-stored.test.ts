import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCounters, encodeCounters } from '../../../shared/metrics/counter-state.js';
import { sampleNode, sampleStored } from '../../../shared/metrics/pipeline.js';
import { kubeletFixture, setIndex, value } from '../fixtures.js';

const ROUND = Date.parse('2020-04-20T22:53:00Z');
const NEXT = ROUND + 60_000;

describe('sampleStored', () => {
  const one = kubeletFixture('stats-summary-1.json');
  const two = kubeletFixture('stats-summary-2.json');

  test('counters kept in their stored form give the rates and state of counters kept as arrays', () => {
    const first = sampleStored(one, undefined, ROUND);
    assert.ok(first.ok);
    const second = sampleStored(two, first.state, NEXT);
    assert.ok(second.ok);
    const arrays1 = sampleNode(one, undefined, ROUND);
    assert.ok(arrays1.ok);
    const arrays2 = sampleNode(two, arrays1.next, NEXT);
    assert.ok(arrays2.ok);
    assert.deepEqual(second.samples.values, arrays2.samples.values);
    assert.deepEqual(decodeCounters(second.state), decodeCounters(encodeCounters(arrays2.next)));
    // 1 s of CPU per second between the fixtures' stats, in millicores.
    const c = setIndex(second.samples, 'pod_container', 'kube-scheduler-minikube', 'kube-scheduler');
    assert.equal(value(second.samples, c, 'cpu/usage_rate'), 1000);
    assert.equal(second.unreadableState, undefined);
  });

  test("one node's state is untouched by sampling the next (only the working arrays are reused)", () => {
    const first = sampleStored(one, undefined, ROUND);
    assert.ok(first.ok);
    const kept = Uint8Array.from(first.state);
    const again = sampleStored(one, undefined, ROUND);
    assert.ok(again.ok);
    sampleStored(two, first.state, NEXT);
    assert.deepEqual(first.state, kept);
    assert.deepEqual(again.state, kept);
  });

  test('unreadable stored counters: no rates this round, and the reason', () => {
    const r = sampleStored(two, new Uint8Array([9, 1, 2]), NEXT);
    assert.ok(r.ok);
    assert.match(r.unreadableState ?? '', /unknown counter state version 9/);
    const c = setIndex(r.samples, 'pod_container', 'kube-scheduler-minikube', 'kube-scheduler');
    assert.ok(Number.isNaN(value(r.samples, c, 'cpu/usage_rate')));
    assert.ok(!Number.isNaN(value(r.samples, c, 'cpu/usage')));
  });

  test('a payload of the wrong shape is an error value', () => {
    assert.deepEqual(sampleStored({ nope: true }, undefined, ROUND), {
      ok: false,
      error: 'summary payload has no "node" object',
    });
  });
});
