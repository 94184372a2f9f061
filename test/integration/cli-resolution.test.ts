import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RoundsReport } from '../../shared/scrape/run-rounds.js';
import { runHeapster, useCliCluster } from '../support/heapster-cli.js';

/** `heapster scrape --resolution`: one interval's rounds in real time against the simulator, as a user runs it. */
describe('heapster scrape --resolution', () => {
  const cluster = useCliCluster();
  const heapster = (args: string[], env: Record<string, string>) => runHeapster(args, env, 60_000);

  test('--once runs a round per 5 s slot of a 20 s interval, each stamped with its slot', async () => {
    const started = Date.now();
    const run = await heapster(
      [
        'scrape',
        '--once',
        '--output=json',
        '--sink=log',
        '--source=kubernetes.summary_api:?timeout=2s',
        '--interval=20s',
        '--resolution=5s',
        '--function-timeout=30s',
      ],
      cluster.env,
    );
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as RoundsReport;
    const slots = report.rounds.map((r) => Date.parse(r.slotTime));
    const first = slots[0] as number;
    assert.equal(first % 20_000, 0, 'the first slot starts the 20 s interval');
    // The command reads the clock once it has loaded (seconds later on a busy machine): its interval's start.
    assert.ok(first > started - 20_000 && first < Date.now() - 15_000, "an interval from the command's run");
    assert.deepEqual(slots, [first, first + 5_000, first + 10_000, first + 15_000]);
    for (const r of report.rounds) {
      assert.ok(r.outcome === 'ran', `round ${r.slot}: ${r.outcome === 'skipped' ? r.reason : ''}`);
      assert.equal(r.report.nodes.ok, 3);
      assert.equal(r.report.roundTime, r.slotTime);
      assert.ok(r.endMs <= 5_000, `round ${r.slot} ended ${r.endMs} ms into its slot`);
    }
    // Rounds keep their slots: the whole invocation lasts about three slots and one round.
    assert.ok(Date.now() - started >= 15_000, 'the last round waited for its slot');
  });

  test('a resolution that does not divide the interval is a configuration error naming the flag', async () => {
    const run = await heapster(
      ['scrape', '--once', '--sink=log', '--interval=20s', '--resolution=7s'],
      cluster.env,
    );
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--resolution: 7s does not divide --interval 20s into whole rounds/);
  });
});
