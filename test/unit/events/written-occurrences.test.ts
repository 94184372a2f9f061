import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WrittenOccurrences } from '../../../shared/events/written-occurrences.js';

const MINUTE = 60_000;

/** Ids as occurrenceId makes them: integers up to 2^52. */
function ids(n: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: n }, () => {
    x = (x * 48271) % 2147483647;
    return x * 2 ** 21 + (x % 2 ** 21);
  });
}

describe('WrittenOccurrences: ids written within the horizon', () => {
  test('every id added is found, in the open generation and after it is sealed', () => {
    let now = 0;
    const written = new WrittenOccurrences({
      horizonMs: 60 * MINUTE,
      generationMs: 5 * MINUTE,
      now: () => now,
    });
    const first = ids(1000, 1);
    for (const id of first) written.add(id);
    now = 6 * MINUTE; // the next id opens a new generation and seals the first
    const second = ids(1000, 2);
    for (const id of second) written.add(id);
    for (const id of [...first, ...second]) assert.ok(written.has(id), `${id} found`);
    assert.equal(written.size, 2000);
    for (const id of ids(1000, 3)) assert.equal(written.has(id), false);
    assert.equal(written.has(first[0] as number), true);
  });

  test('generations older than the horizon are dropped, never earlier', () => {
    let now = 0;
    const written = new WrittenOccurrences({
      horizonMs: 60 * MINUTE,
      generationMs: 5 * MINUTE,
      now: () => now,
    });
    const early = ids(10, 4);
    for (const id of early) written.add(id);
    // 64 minutes later the ids of minute 0-5 are within the horizon's reach (written up to minute 5).
    now = 64 * MINUTE;
    written.add(1);
    assert.ok(early.every((id) => written.has(id)));
    now = 66 * MINUTE;
    written.add(2);
    assert.ok(
      early.every((id) => !written.has(id)),
      'gone once a whole generation is past the horizon',
    );
    assert.equal(written.size, 2);
  });

  test('journal ids land in the generation of their save time; out of order ones join the newest', () => {
    let now = 100 * MINUTE;
    const written = new WrittenOccurrences({
      horizonMs: 75 * MINUTE,
      generationMs: 5 * MINUTE,
      now: () => now,
    });
    written.add(11, 30 * MINUTE);
    written.add(12, 31 * MINUTE);
    written.add(13, 90 * MINUTE);
    written.add(14, 40 * MINUTE); // older than the newest generation: kept with it, so kept longer
    assert.deepEqual(
      [11, 12, 13, 14].map((id) => written.has(id)),
      [true, true, true, true],
    );
    now = 111 * MINUTE; // the 30-35 generation ends at 35, more than 75 minutes ago
    written.add(15);
    assert.deepEqual(
      [11, 12, 13, 14, 15].map((id) => written.has(id)),
      [false, false, true, true, true],
    );
  });
});
