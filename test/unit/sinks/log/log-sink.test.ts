import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { finalizeAggregates } from '../../../../shared/metrics/aggregate.js';
import { countBatch, type Batch, type PointCounts } from '../../../../shared/metrics/model.js';
import { processNode } from '../../../../shared/metrics/pipeline.js';
import { memoryLogger } from '../../../../shared/runtime/log.js';
import { logSink } from '../../../../shared/sinks/log/log-sink.js';
import { fixtureInventory, kubeletFixture } from '../../fixtures.js';

const ROUND = Date.parse('2020-04-20T22:53:00Z');

function fixtureBatch(): Omit<Batch, 'counts'> {
  const r = processNode({
    payload: kubeletFixture('stats-summary-1.json'),
    previous: undefined,
    inventory: fixtureInventory(),
    timestamp: ROUND,
    options: { clusterName: 'c1' },
  });
  assert.ok(r.ok);
  if (!r.ok) throw new Error('fixture');
  return { timestamp: ROUND, blocks: [r.block, finalizeAggregates(r.partial, { clusterName: 'c1' })] };
}

describe('log sink', () => {
  test('points=true prints one line per point; the summary line counts them per type', async () => {
    const batch = fixtureBatch();
    const out: string[] = [];
    const log = memoryLogger();
    const report = await logSink({ points: true }, log, (t) => out.push(t)).write(
      batch,
      new AbortController().signal,
    );
    const lines = out
      .join('')
      .split('\n')
      .filter((l) => l !== '');
    const perType: Record<string, number> = {};
    for (const line of lines) {
      const type = /[{,]type="([a-z_]+)"/.exec(line)?.[1] ?? 'none';
      perType[type] = (perType[type] ?? 0) + 1;
    }
    assert.equal(report.written, lines.length);
    const summary = log.entries.find((e) => e.message === 'log sink: round written');
    assert.equal(summary?.['points'], lines.length);
    assert.deepEqual(summary?.['pointsPerType'], perType);
    assert.match(lines[0] ?? '', /^[a-z_/]+\{.*\} \d/);
  });

  test('without points, the counts the batch carries are reported as they are', async () => {
    const batch = fixtureBatch();
    // Not what walking the blocks gives: only taking the batch's counts as they are reports these.
    const walked = countBatch(batch.blocks);
    const counts: PointCounts = {
      total: walked.total + 1,
      perType: { ...walked.perType, cluster: (walked.perType.cluster ?? 0) + 1 },
    };
    const log = memoryLogger();
    const out: string[] = [];
    const report = await logSink({ points: false }, log, (t) => out.push(t)).write(
      { ...batch, counts },
      new AbortController().signal,
    );
    assert.deepEqual(out, []);
    assert.equal(report.written, counts.total);
    const summary = log.entries.find((e) => e.message === 'log sink: round written');
    assert.deepEqual(summary?.['pointsPerType'], counts.perType);
  });
});
