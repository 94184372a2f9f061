import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';

/** `heapster plan` as a user runs it: the command's own process, nothing else started. */
function plan(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [join(process.cwd(), 'bin', 'heapster.mjs'), 'plan', ...args], {
    env: { PATH: process.env['PATH'] ?? '' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const dollars = (text: string): number => Number(text.replace(/[$,]/g, ''));

describe('heapster plan (CLI)', () => {
  test('--json: the points of the sink options given, every line of the bill and its total', () => {
    const run = plan(
      '--nodes=4',
      '--pods-per-node=5',
      '--containers-per-pod=1',
      '--no-events',
      '--sinks=gcm?metrics=cpu/usage_rate,memory/usage&levels=pod,node',
      '--json',
    );
    assert.equal(run.code, 0, run.stderr);
    const answer = JSON.parse(run.stdout) as {
      usage: { gcmPointsPerRound: number; roundsPerMonth: number };
      items: { key: string; listUsd: number; usd: number }[];
      totalListUsd: number;
      pricesRead: string;
      assumptions: string[];
      sources: { item: string; url: string; confirmed: boolean }[];
    };
    // Two metrics on 20 pods and 4 nodes.
    assert.equal(answer.usage.gcmPointsPerRound, 2 * (20 + 4));
    assert.equal(answer.usage.roundsPerMonth, 730 * 60);
    assert.deepEqual(
      answer.items.map((i) => i.key),
      [
        'gcm-ingestion',
        'function-cpu',
        'function-memory',
        'function-invocations',
        'pubsub',
        'firestore-scrape',
        'scheduler',
        'logging',
      ],
    );
    const sum = answer.items.reduce((n, i) => n + i.listUsd, 0);
    assert.ok(Math.abs(sum - answer.totalListUsd) < 1e-9);
    assert.match(answer.pricesRead, /^\d{4}-\d{2}-\d{2}$/);
    assert.ok(answer.sources.every((s) => s.url.startsWith('https://cloud.google.com/')));
    assert.ok(answer.assumptions.length > 0);
  });

  test('the table: each line of the bill, a total that adds them up, series per level and per resource', () => {
    const run = plan('--nodes=1000', '--pods-per-node=30', '--resolution=60s', '--sinks=gcm');
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    const money = (label: string): [number, number] => {
      const line = lines.find((l) => l.startsWith(label));
      assert.ok(line !== undefined, `no line for ${label}:\n${run.stdout}`);
      const cells = line.match(/\$[\d,.]+/g) ?? [];
      assert.equal(cells.length, 2, line);
      return [dollars(cells[0] as string), dollars(cells[1] as string)];
    };
    const labels = [
      'GCM ingestion',
      'scrape function CPU',
      'scrape function memory',
      'scrape function invocations',
      'Pub/Sub',
      'Firestore (scrape state)',
      'Cloud Scheduler',
      'events service CPU',
      'events service memory',
      'Firestore (events',
      'Cloud Logging',
    ];
    const items = labels.map(money);
    const [list, after] = money('total');
    // Each cell is rounded to the cent: the sum may differ from the total by half a cent per line.
    assert.ok(Math.abs(items.reduce((n, [l]) => n + l, 0) - list) <= labels.length * 0.005 + 1e-9);
    assert.ok(Math.abs(items.reduce((n, [, a]) => n + a, 0) - after) <= labels.length * 0.005 + 1e-9);
    assert.ok(after <= list);
    assert.match(run.stdout, /^level +entities +series each +series$/m);
    assert.match(run.stdout, /^k8s_pod +30,000 +\d+ +[\d.]+%$/m);
    assert.match(
      run.stdout,
      /^Series per monitored resource \(quota: 200,000 active series per resource\)$/m,
    );
    assert.match(run.stdout, /^Prices \(read \d{4}-\d{2}-\d{2};/m);
  });

  test('bad flag values: every problem named by its flag, exit code 2', () => {
    const run = plan('--nodes=abc', '--resolution=45s', '--sinks=bogus');
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.equal(
      run.stderr,
      [
        'invalid configuration (3 problems):',
        '  --nodes: "abc" must be a whole number from 1 to 100000 (for example: --nodes=100)',
        '  --resolution: 45s must divide a minute (like 15s or 30s) or be whole minutes that divide an hour (like 1m or 5m) (for example: --resolution=30s)',
        '  --sinks: unknown sink "bogus" in "bogus"; known sinks: log, gcm, influxdb (for example: log?points=false)',
        '',
      ].join('\n'),
    );
  });

  test('an unknown flag or a missing --nodes: the message, then the usage', () => {
    const unknown = plan('--node=3');
    assert.equal(unknown.code, 2);
    assert.ok(unknown.stderr.startsWith("heapster plan: Unknown option '--node'"), unknown.stderr);
    assert.match(unknown.stderr, /^usage: heapster plan --nodes=N/m);
    const missing = plan();
    assert.equal(missing.code, 2);
    assert.equal(
      missing.stderr,
      'invalid configuration (1 problem):\n  --nodes: is required: the number of nodes (for example: --nodes=100)\n',
    );
    const help = plan('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^ {2}--sinks=URI +metric sinks as in SINKS/m);
  });
});
