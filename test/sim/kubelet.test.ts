import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createClock } from './clock.js';
import { Cluster } from './cluster.js';
import { Kubelets } from './kubelet.js';
import { addressBlock } from './loopback.js';
import { generateTls } from './tls.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateSummary } from './stats-shape.js';
import type { SummaryJson } from './truth.js';

type Stat = { time: string; usageCoreNanoSeconds?: number; [k: string]: unknown };
type Container = { name: string; startTime: string; cpu?: Stat; memory?: Stat };
type Pod = { podRef: { uid: string; name: string }; containers: Container[]; cpu?: Stat; network?: Stat };

describe('validateSummary', () => {
  test('accepts a real kubelet payload', () => {
    const real = JSON.parse(readFileSync('test/fixtures/kubelet/stats-summary-1.json', 'utf8')) as unknown;
    assert.deepEqual(validateSummary(real), []);
  });
  test('names what is wrong', () => {
    const problems = validateSummary({
      node: {
        nodeName: 'n',
        startTime: 'yesterday',
        cpu: { time: '2020-01-01T00:00:00Z', usageNanoCores: -1, bogus: 1 },
      },
      pods: [{}],
    });
    assert.deepEqual(problems.sort(), [
      '$.node.cpu.bogus: not a field of stats/v1alpha1',
      '$.node.cpu.usageNanoCores: expected an unsigned integer, got -1',
      '$.node.startTime: expected an RFC 3339 time, got "yesterday"',
      '$.pods[0].containers: required field missing',
      '$.pods[0].podRef: required field missing',
      '$.pods[0].startTime: required field missing',
    ]);
  });
});

describe('simulated kubelets', () => {
  const clock = createClock();
  const dir = mkdtempSync(join(tmpdir(), 'kubelet-test-'));
  const addresses = addressBlock(200 + Math.floor(Math.random() * 50));
  const cluster = new Cluster({
    nodes: 0,
    podsPerNode: 4,
    containersPerPod: 2,
    seed: 7,
    clock,
    addresses,
    statsIntervalMs: 10_000,
    acceleratorEvery: 3,
    zeroNanoCoresShare: 0.5,
  });
  const tls = generateTls(dir, [addresses.node(0), addresses.node(1)]);
  const kubelets = new Kubelets(cluster, {
    httpPort: 0,
    httpsPort: 0,
    tls,
    token: undefined,
    instanceId: 'test',
    statsIntervalMs: 10_000,
  });
  const ports = new Map<string, number>();
  const summaryUrl = (node: string): string =>
    `http://${cluster.mustNode(node).address}:${ports.get(node)}/stats/summary`;
  const fetchSummary = async (node: string): Promise<SummaryJson> => {
    const res = await fetch(summaryUrl(node));
    assert.equal(res.status, 200);
    return (await res.json()) as SummaryJson;
  };

  before(async () => {
    const n0 = cluster.addNode(clock.now() - 3600_000);
    const n1 = cluster.addNode(clock.now() - 3600_000);
    // Port 0: each kubelet gets its own free port, recorded from the server.
    for (const node of [n0, n1]) {
      await kubelets.start(node);
      ports.set(node.name, kubelets.port(node.name));
    }
  });
  after(async () => {
    await kubelets.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('serve payloads of the stats/v1alpha1 shape', async () => {
    const summary = await fetchSummary('node-0000');
    assert.deepEqual(validateSummary(summary), []);
    assert.equal(summary.node.nodeName, 'node-0000');
    assert.equal(summary.pods.length, 4);
    const gpus = (summary.pods as unknown as Pod[])
      .flatMap((p) => p.containers)
      .filter((c) => 'accelerators' in c);
    assert.ok(gpus.length >= 1, 'every third container has an accelerator');
  });

  test('counters grow with simulated time, at each container load', async () => {
    const first = (await fetchSummary('node-0001')) as unknown as { pods: Pod[] };
    clock.advance(30_000);
    const second = (await fetchSummary('node-0001')) as unknown as { pods: Pod[] };
    for (const pod of first.pods) {
      const later = second.pods.find((p) => p.podRef.uid === pod.podRef.uid) as Pod;
      for (const c of pod.containers) {
        const c2 = later.containers.find((x) => x.name === c.name) as Container;
        const dt = (Date.parse(c2.cpu?.time as string) - Date.parse(c.cpu?.time as string)) / 1000;
        assert.equal(dt, 30, 'stat times are 30 s apart after a 30 s advance');
        const used = (c2.cpu?.usageCoreNanoSeconds as number) - (c.cpu?.usageCoreNanoSeconds as number);
        const expected = cluster.mustPod(pod.podRef.uid).containers.find((x) => x.name === c.name)?.cpu
          .rate as number;
        // Integer truncation of each reading allows one nanosecond either way.
        assert.ok(
          Math.abs(used / dt - expected) <= 1 / dt,
          `${c.name}: ${used / dt} ns/s vs load ${expected}`,
        );
      }
    }
  });

  test('a restart resets the container counters and moves its startTime', async () => {
    const before = (await fetchSummary('node-0000')) as unknown as { pods: Pod[] };
    const pod = before.pods[1] as Pod;
    const name = (pod.containers[0] as Container).name;
    clock.advance(2_000);
    cluster.restartContainer(pod.podRef.uid, name);
    clock.advance(20_000);
    const after = (await fetchSummary('node-0000')) as unknown as { pods: Pod[] };
    const c1 = pod.containers[0] as Container;
    const c2 = (after.pods.find((p) => p.podRef.uid === pod.podRef.uid) as Pod).containers.find(
      (c) => c.name === name,
    ) as Container;
    assert.ok(Date.parse(c2.startTime) > Date.parse(c1.startTime));
    assert.ok((c2.cpu?.usageCoreNanoSeconds as number) < (c1.cpu?.usageCoreNanoSeconds as number));
  });

  describe('faults', () => {
    const node = 'node-0001';
    const expectFailure = async (reason: RegExp): Promise<void> => {
      await assert.rejects(async () => {
        const res = await fetch(summaryUrl(node), { signal: AbortSignal.timeout(1500) });
        JSON.parse(await res.text());
      }, reason);
    };
    after(() => kubelets.setFault('all', undefined));

    test('slow answers after the delay', async () => {
      await kubelets.setFault(node, { kind: 'slow', delayMs: 300 });
      const started = Date.now();
      await fetchSummary(node);
      assert.ok(Date.now() - started >= 290);
      await kubelets.setFault(node, undefined);
    });
    test('hang never answers', async () => {
      await kubelets.setFault(node, { kind: 'hang' });
      await expectFailure(/aborted|timeout/i);
    });
    test('status answers that status', async () => {
      await kubelets.setFault(node, { kind: 'status', code: 503 });
      assert.equal((await fetch(summaryUrl(node))).status, 503);
    });
    test('reset closes the connection', async () => {
      await kubelets.setFault(node, { kind: 'reset' });
      await expectFailure(/fetch failed|other side closed|socket/i);
    });
    test('truncated sends half of the promised body', async () => {
      await kubelets.setFault(node, { kind: 'truncated' });
      await expectFailure(/terminated|other side closed|fetch failed|JSON/i);
    });
    test('malformed is not JSON', async () => {
      await kubelets.setFault(node, { kind: 'malformed' });
      await expectFailure(/JSON/);
    });
    test('missing-fields leaves stats out but keeps the shape', async () => {
      await kubelets.setFault(node, { kind: 'missing-fields' });
      const summary = await fetchSummary(node);
      assert.deepEqual(validateSummary(summary), []);
      assert.equal('memory' in summary.node, false);
      assert.equal(
        (summary.pods as unknown as Pod[]).some((p) => 'network' in p),
        false,
      );
    });
    test('huge streams a valid body of the asked size', async () => {
      await kubelets.setFault(node, { kind: 'huge', bytes: 5 * 1024 * 1024 });
      const res = await fetch(summaryUrl(node));
      const text = await res.text();
      assert.ok(text.length >= 5 * 1024 * 1024);
      assert.equal(res.headers.get('content-length'), null);
      JSON.parse(text);
    });
    test('unreachable stops listening, and recovers when cleared', async () => {
      await kubelets.setFault(node, { kind: 'unreachable' });
      await assert.rejects(fetch(summaryUrl(node)), /fetch failed/);
      await kubelets.setFault(node, undefined);
      ports.set(node, kubelets.port(node));
      await fetchSummary(node);
    });
  });
});
