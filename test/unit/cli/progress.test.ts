import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress } from '../../../functions/cli/progress.js';

function clock(): { now: () => number; set: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, set: (ms) => (t = 1_000_000 + ms) };
}

test('quiet during the first second, then a line every few seconds when stderr is not a terminal', () => {
  const out: string[] = [];
  const c = clock();
  const p = createProgress({ write: (s) => out.push(s), isTty: false, now: c.now });
  c.set(500);
  p.update(10, 1000);
  assert.deepEqual(out, []);
  c.set(1200);
  p.update(100, 1000);
  c.set(3000);
  p.update(300, 1000); // under 5 s after the last line: nothing
  c.set(6300);
  p.update(999, 1000);
  c.set(6400);
  p.update(1000, 1000); // the last node is always shown
  p.end();
  assert.deepEqual(out, [
    'scrape: 100/1000 nodes (10%) in 1.2 s\n',
    'scrape: 999/1000 nodes (99%) in 6.3 s\n',
    'scrape: 1000/1000 nodes (100%) in 6.4 s\n',
  ]);
});

test('on a terminal the line is redrawn in place and cleared at the end', () => {
  const out: string[] = [];
  const c = clock();
  const p = createProgress({ write: (s) => out.push(s), isTty: true, now: c.now });
  c.set(1000);
  p.update(1, 4);
  c.set(1600);
  p.update(2, 4);
  p.end();
  assert.deepEqual(out, [
    '\r\x1b[2Kscrape: 1/4 nodes (25%) in 1.0 s',
    '\r\x1b[2Kscrape: 2/4 nodes (50%) in 1.6 s',
    '\r\x1b[2K',
  ]);
});

test('a round shorter than the quiet time prints nothing, not even a clearing', () => {
  const out: string[] = [];
  const c = clock();
  const p = createProgress({ write: (s) => out.push(s), isTty: true, now: c.now });
  p.update(3, 3);
  p.end();
  assert.deepEqual(out, []);
});
