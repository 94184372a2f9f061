import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ArenaPool, FRESH_ARRAYS, ValueArena } from '../../../shared/metrics/value-arena.js';

const overlaps = (a: ArrayBufferView, b: ArrayBufferView): boolean =>
  a.buffer === b.buffer &&
  a.byteOffset < b.byteOffset + b.byteLength &&
  b.byteOffset < a.byteOffset + a.byteLength;

describe('ValueArena', () => {
  test('hands out NaN-filled values and columns that never share bytes within a round', () => {
    const arena = new ValueArena();
    const views: ArrayBufferView[] = [];
    // Enough to need several 4 MiB chunks: 300 nodes of ~100 sets x 53 metrics.
    for (let i = 0; i < 300; i++) {
      const values = arena.values(5035 + i);
      assert.equal(values.length, 5035 + i);
      assert.ok(values.every((v) => Number.isNaN(v)));
      values.fill(i);
      const owners = arena.ints(95 + i);
      assert.equal(owners.length, 95 + i);
      owners.fill(i);
      const [value, set, label, metric] = arena.columns(950 + i);
      assert.deepEqual(
        [value.length, set.length, label.length, metric.length],
        [950 + i, 950 + i, 950 + i, 950 + i],
      );
      assert.equal(value.byteOffset % 8, 0);
      value.fill(i);
      set.fill(i);
      label.fill(i);
      metric.fill(i);
      views.push(values, owners, value, set, label, metric);
    }
    for (let i = 0; i < views.length; i++)
      for (let j = i + 1; j < Math.min(views.length, i + 13); j++)
        assert.ok(!overlaps(views[i] as ArrayBufferView, views[j] as ArrayBufferView), `${i} and ${j}`);
    // Nothing written later spilled into an earlier array.
    for (let i = 0; i < 300; i++) {
      assert.ok((views[i * 6] as Float64Array).every((v) => v === i));
      assert.ok((views[i * 6 + 1] as Int32Array).every((v) => v === i));
    }
  });

  test('after a reset the same bytes serve again, as NaN values', () => {
    const arena = new ValueArena();
    const first = arena.values(1000).fill(7);
    arena.reset();
    const again = arena.values(1000);
    assert.ok(overlaps(first, again));
    assert.ok(again.every((v) => Number.isNaN(v)));
  });

  test('an array larger than a chunk gets a buffer of its own', () => {
    const arena = new ValueArena();
    const small = arena.values(10);
    const huge = arena.values(1 << 20);
    assert.notEqual(huge.buffer, small.buffer);
    assert.equal(huge.byteOffset, 0);
    assert.ok(huge.every((v) => Number.isNaN(v)));
  });
});

describe('ArenaPool', () => {
  test('rounds at the same time get arenas of their own; a given-back arena serves the next round', () => {
    const pool = new ArenaPool();
    const a = pool.take();
    const b = pool.take();
    assert.notEqual(a, b);
    const fromA = a.values(100).fill(1);
    const fromB = b.values(100).fill(2);
    assert.ok(!overlaps(fromA, fromB));
    assert.ok(fromA.every((v) => v === 1));
    pool.give(a);
    assert.equal(pool.take(), a);
  });
});

describe('FRESH_ARRAYS', () => {
  test('gives arrays of their own every time', () => {
    const one = FRESH_ARRAYS.values(8);
    const two = FRESH_ARRAYS.values(8);
    assert.notEqual(one.buffer, two.buffer);
    assert.ok(one.every((v) => Number.isNaN(v)));
    const [value, set, label, metric] = FRESH_ARRAYS.columns(4);
    assert.equal(value.buffer, set.buffer);
    assert.equal(set.buffer, metric.buffer);
    assert.equal(label.buffer, metric.buffer);
    assert.ok(!overlaps(value, set) && !overlaps(set, label) && !overlaps(label, metric));
    assert.notEqual(FRESH_ARRAYS.ints(4).buffer, FRESH_ARRAYS.ints(4).buffer);
  });
});
