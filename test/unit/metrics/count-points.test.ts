import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countBatch, forEachPoint, type MetricBlock } from '../../../shared/metrics/model.js';
import { processNode } from '../../../shared/metrics/pipeline.js';
import { finalizeAggregates } from '../../../shared/metrics/aggregate.js';
import { fixtureInventory, kubeletFixture } from '../fixtures.js';

const ROUND = Date.parse('2020-04-20T22:53:00Z');

describe('countBatch', () => {
  const first = processNode({
    payload: kubeletFixture('stats-summary-1.json'),
    previous: undefined,
    inventory: fixtureInventory(),
    timestamp: ROUND,
  });
  assert.ok(first.ok);
  const second = processNode({
    payload: kubeletFixture('stats-summary-2.json'),
    previous: first.ok ? first.next : undefined,
    inventory: fixtureInventory(),
    timestamp: ROUND + 60_000,
  });
  assert.ok(second.ok);

  test('counts every point once, by the type label its set carries', () => {
    if (!second.ok) return;
    const blocks: MetricBlock[] = [second.block, finalizeAggregates(second.partial)];
    const expected: Record<string, number> = {};
    let total = 0;
    for (const block of blocks)
      forEachPoint(block, (_set, labels) => {
        expected[labels.type] = (expected[labels.type] ?? 0) + 1;
        total++;
      });
    const counts = countBatch(blocks);
    assert.equal(counts.total, total);
    assert.deepEqual(counts.perType, expected);
    // Labelled (filesystem) points are among them.
    assert.ok(second.block.points.set.length > 0);
  });

  test('an empty batch has no points and no types', () => {
    assert.deepEqual(countBatch([]), { total: 0, perType: {} });
  });
});
