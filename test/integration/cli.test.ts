import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runHeapster, startHeapster, useCliCluster } from '../support/heapster-cli.js';

/** The `heapster` command as a user runs it: a child process, the simulator's kubeconfig as the current one. */
describe('heapster scrape (CLI) against the simulated cluster', () => {
  const cluster = useCliCluster();

  test('--once --sink=log?points=true scrapes every node with the current kubeconfig', async () => {
    const run = await runHeapster(
      ['scrape', '--once', '--sink=log?points=true', '--output=json'],
      cluster.env,
    );
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    const report = JSON.parse(lines.pop() as string) as {
      nodes: { total: number; ok: number };
      pods: number;
      points: number;
      status: number;
    };
    assert.equal(report.status, 200);
    assert.equal(report.nodes.total, 3);
    assert.equal(report.nodes.ok, 3);
    assert.equal(report.pods, cluster.sim.cluster.pods.size);
    assert.equal(lines.length, report.points, 'one stdout line per point');

    // A point checked against what the kubelet served: a container's working set.
    const node = [...cluster.sim.cluster.nodes.keys()][0] as string;
    const pod = cluster.sim.truth.summary(node).pods[0] as unknown as {
      podRef: { name: string; namespace: string };
      containers: { name: string; memory: { workingSetBytes: number } }[];
    };
    const container = pod.containers[0] as (typeof pod.containers)[number];
    const line = lines.find(
      (l) =>
        l.startsWith('memory/working_set{') &&
        l.includes('type="pod_container"') &&
        l.includes(`pod_name="${pod.podRef.name}"`) &&
        l.includes(`namespace_name="${pod.podRef.namespace}"`) &&
        l.includes(`container_name="${container.name}"`),
    );
    assert.ok(line, 'the container has a memory/working_set point');
    assert.equal(Number(line.split(' ').pop()), container.memory.workingSetBytes);
    // The log sink's summary is a structured line on stderr, away from the points.
    assert.match(run.stderr, /"message":"log sink: round written"/);
  });

  test('the text report names nodes, pods and points', async () => {
    const run = await runHeapster(['scrape', '--once', '--sink=log'], cluster.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^round \d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z {2}cluster default /);
    assert.match(run.stdout, /\n {2}nodes {3}3\/3 ok\n/);
    assert.match(run.stdout, new RegExp(`\\n {2}pods {4}${cluster.sim.cluster.pods.size}\\n`));
  });

  test('invalid flags: every problem at once, named by flag, exit code 2', async () => {
    const run = await runHeapster(
      ['scrape', '--once', '--sink=log?points=yes', '--interval=1s', '--source=kubernetes:?timeout=2m'],
      { ...cluster.env, CLUSTER_NAME: 'bad name' },
    );
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr,
      [
        'invalid configuration (4 problems):',
        '  --sink (log option points): "yes" must be true or false (for example: log?points=false)',
        '  CLUSTER_NAME: "bad name" must be 1-100 letters, digits, "-", "_" or "." starting with a letter or digit (for example: CLUSTER_NAME=prod-europe)',
        '  --interval: 1s is out of range: it must be between 5s and 3600s (for example: --interval=60s)',
        '  --source: the per-node timeout 120s must be shorter than --function-timeout minus 5s (55s) (for example: kubernetes.summary_api:?timeout=10s)',
        '',
      ].join('\n'),
    );
    assert.equal(run.stdout, '');
  });

  test('an unknown flag prints the usage, exit code 2', async () => {
    const run = await runHeapster(['scrape', '--sinks=log'], cluster.env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^heapster scrape: Unknown option '--sinks'/);
    assert.match(run.stderr, /usage: heapster scrape/);
  });

  test('an API server that cannot be reached fails the round: exit code 1 and the reason', async () => {
    const run = await runHeapster(
      ['scrape', '--once', '--sink=log', '--source=kubernetes.summary_api:https://127.0.0.1:1?timeout=2s'],
      cluster.env,
    );
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /\n {2}error {3}\S/);
    assert.match(run.stdout, /ERROR\n/);
  });

  test('without --once it scrapes every interval until Ctrl-C, then stops cleanly', async () => {
    const running = startHeapster(['scrape', '--sink=log', '--interval=5s'], cluster.env);
    const poll = setInterval(() => {
      if (running.stdout().includes('nodes   3/3 ok')) {
        clearInterval(poll);
        running.child.kill('SIGINT');
      }
    }, 50);
    running.child.once('exit', () => clearInterval(poll));
    const run = await running.done;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /scraping every 5 s until Ctrl-C/);
    assert.match(run.stderr, /stopping after this round/);
    assert.equal(run.stdout.match(/^round /gm)?.length, 1);
  });
});
