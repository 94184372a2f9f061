import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig, Watch, type CoreV1Event } from '@kubernetes/client-node';
import { startSim, type Sim } from './sim.js';
import { validateSummary } from './stats-shape.js';
import type { SummaryJson } from './truth.js';

const run = promisify(execFile);

/** The whole simulated cluster, through clients nobody here wrote: kubectl and @kubernetes/client-node. */
describe('simulated cluster', () => {
  let sim: Sim;
  let home: string;
  let kc: KubeConfig;
  let core: CoreV1Api;
  const kubectl = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(
      'kubectl',
      ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(home, 'cache'), ...args],
      {
        env: { PATH: process.env['PATH'] ?? '', HOME: home },
      },
    );
    return stdout;
  };

  before(async () => {
    home = mkdtempSync(join(tmpdir(), 'sim-test-home-'));
    sim = await startSim({
      nodes: 4,
      podsPerNode: 6,
      kubeletHttpPort: 0,
      kubeletHttpsPort: 0,
      watchHistory: 40,
      seed: 42,
      cadvisorHosts: 2,
      cadvisorPort: 0,
    });
    kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    core = kc.makeApiClient(CoreV1Api);
  });
  after(async () => {
    await sim.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test('kubectl get nodes lists every node as Ready', async () => {
    const lines = (await kubectl('get', 'nodes')).trim().split('\n');
    assert.match(lines[0] as string, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2)),
      [...sim.cluster.nodes.keys()].sort().map((n) => [n, 'Ready']),
    );
  });

  test('kubectl get pods -A lists every pod in its namespace', async () => {
    const lines = (await kubectl('get', 'pods', '-A')).trim().split('\n');
    assert.match(lines[0] as string, /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
    const listed = lines
      .slice(1)
      .map((l) => l.split(/\s+/).slice(0, 2).join('/'))
      .sort();
    const expected = [...sim.cluster.pods.values()].map((p) => `${p.namespace}/${p.name}`).sort();
    assert.deepEqual(listed, expected);
  });

  test('kubectl get events -A shows generated events', async () => {
    const made = sim.events.generate(5);
    const out = await kubectl('get', 'events', '-A');
    for (const o of made.filter((x) => x.type === 'ADDED'))
      assert.ok(out.includes(o.reason), `${o.reason} listed`);
  });

  test('kubectl get --raw reaches a kubelet summary through the node proxy', async () => {
    const body = JSON.parse(
      await kubectl('get', '--raw', '/api/v1/nodes/node-0002/proxy/stats/summary'),
    ) as SummaryJson;
    assert.deepEqual(validateSummary(body), []);
    assert.equal(body.node.nodeName, 'node-0002');
    // Ground truth: the simulator re-renders exactly what it served.
    assert.deepEqual(body, sim.truth.summary('node-0002'));
  });

  test('client-node reads nodes and a summary through the proxy', async () => {
    const nodes = await core.listNode();
    assert.equal(nodes.items.length, 4);
    const summary = (await core.connectGetNodeProxyWithPath({
      name: 'node-0001',
      path: 'stats/summary',
    })) as unknown as SummaryJson;
    assert.equal(summary.pods.length, 6);
  });

  test('pods can be listed per node with a field selector, in pages', async () => {
    const onNode = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-0003' });
    assert.deepEqual(
      onNode.items.map((p) => p.metadata?.uid).sort(),
      [...sim.cluster.mustNode('node-0003').pods.keys()].sort(),
    );
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await core.listPodForAllNamespaces({ limit: 5, ...(token ? { _continue: token } : {}) });
      seen.push(...page.items.map((p) => p.metadata?.uid as string));
      token = page.metadata?._continue;
    } while (token);
    assert.deepEqual(seen.sort(), [...sim.cluster.pods.keys()].sort());
  });

  test('TLS verification fails without the simulator CA, and a wrong token is refused', async () => {
    const noCa = new KubeConfig();
    noCa.loadFromClusterAndUser(
      { name: 'c', server: sim.url, skipTLSVerify: false },
      { name: 'u', token: sim.token },
    );
    await assert.rejects(noCa.makeApiClient(CoreV1Api).listNode(), /certificate|self.signed|issuer/i);
    const wrong = new KubeConfig();
    wrong.loadFromClusterAndUser(
      {
        name: 'c',
        server: sim.url,
        skipTLSVerify: false,
        caData: Buffer.from(readFileSync(sim.caPath)).toString('base64'),
      },
      { name: 'u', token: 'not-the-token' },
    );
    await assert.rejects(wrong.makeApiClient(CoreV1Api).listNode(), /401|Unauthorized/);
  });

  test('watching events sees new events and repeats, in order', async () => {
    const list = await core.listEventForAllNamespaces();
    const seen: { type: string; uid?: string; rv?: string }[] = [];
    const watch = new Watch(kc);
    const controller = await watch.watch(
      '/api/v1/events',
      { resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
      (type, obj: CoreV1Event) =>
        seen.push({ type, uid: obj.metadata?.uid, rv: obj.metadata?.resourceVersion }),
      () => undefined,
    );
    const made = sim.events.generate(8);
    const deadline = Date.now() + 5000;
    while (seen.length < made.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    assert.deepEqual(
      seen.map((s) => [s.type, s.uid, s.rv]),
      made.map((m) => [m.type, m.uid, m.resourceVersion]),
    );
  });

  test('watching from a resourceVersion older than the history window answers 410 Expired', async () => {
    const list = await core.listEventForAllNamespaces();
    sim.events.generate(60); // more changes than the 40 the history keeps
    const errors: unknown[] = [];
    const watch = new Watch(kc);
    await new Promise<void>((resolve) => {
      void watch.watch(
        '/api/v1/events',
        { resourceVersion: list.metadata?.resourceVersion },
        (type, obj: { code?: number; reason?: string }) => {
          if (type === 'ERROR') errors.push(obj);
        },
        () => resolve(),
      );
    });
    assert.deepEqual(
      errors.map((e) => [(e as { code: number }).code, (e as { reason: string }).reason]),
      [[410, 'Expired']],
    );
  });

  test('the event log records every occurrence once', () => {
    const lines = readFileSync(sim.eventLogPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { uid: string; resourceVersion: string });
    const keys = new Set(lines.map((l) => `${l.uid}@${l.resourceVersion}`));
    assert.equal(keys.size, lines.length);
    assert.equal(lines.length, sim.events.generated);
  });

  test('a kubelet fault shows through the node proxy as a real API server shows it', async () => {
    await sim.setFault('node-0003', { kind: 'unreachable' });
    try {
      await assert.rejects(
        core.connectGetNodeProxyWithPath({ name: 'node-0003', path: 'stats/summary' }),
        (err: { code?: number; body?: string }) =>
          err.code === 503 && /connection refused/.test(String(err.body)),
      );
      await sim.setFault('node-0003', { kind: 'status', code: 500 });
      await assert.rejects(
        core.connectGetNodeProxyWithPath({ name: 'node-0003', path: 'stats/summary' }),
        (err: { code?: number }) => err.code === 500,
      );
    } finally {
      await sim.setFault('node-0003', undefined);
    }
    await core.connectGetNodeProxyWithPath({ name: 'node-0003', path: 'stats/summary' });
  });

  test('nodes come and go, pods are created and deleted, and the API follows', async () => {
    const node = sim.cluster.addNode();
    await new Promise((r) => setTimeout(r, 50)); // its kubelet starts listening
    const listed = await core.listNode();
    assert.ok(listed.items.some((n) => n.metadata?.name === node.name));
    const summary = (await core.connectGetNodeProxyWithPath({
      name: node.name,
      path: 'stats/summary',
    })) as unknown as SummaryJson;
    assert.equal(summary.pods.length, 6);
    const victim = [...node.pods.values()][2] as { uid: string; name: string; namespace: string };
    sim.cluster.deletePod(victim.uid);
    const added = sim.cluster.addPod(node);
    const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node.name}` });
    const names = pods.items.map((p) => p.metadata?.name);
    assert.ok(!names.includes(victim.name) && names.includes(added.name));
    sim.cluster.removeNode(node.name);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(!(await core.listNode()).items.some((n) => n.metadata?.name === node.name));
    assert.equal(
      (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node.name}` })).items.length,
      0,
    );
  });

  test('standalone cAdvisor hosts answer, and the hosts file lists them', async () => {
    const hostsFile = JSON.parse(readFileSync(sim.hostsFilePath as string, 'utf8')) as {
      Items: { Name: string; IP: string }[];
    };
    assert.deepEqual(
      hostsFile.Items.map((i) => i.Name),
      sim.cadvisor?.hosts.map((h) => h.name),
    );
    for (const host of sim.cadvisor?.hosts ?? []) {
      const machine = (await (await fetch(`${host.url}/api/v1.3/machine`)).json()) as {
        num_cores: number;
        machine_id: string;
      };
      assert.equal(machine.machine_id, host.machineId);
    }
  });

  test('the control endpoint reports this instance', async () => {
    const res = await fetch(`${sim.httpUrl}/sim/v1/info`, {
      headers: { authorization: `Bearer ${sim.token}` },
    });
    const info = (await res.json()) as { instanceId: string; nodes: number };
    assert.equal(info.instanceId, sim.instanceId);
    assert.equal(info.nodes, 4);
  });
});

describe('simulator CLI', () => {
  test('prints one ready line and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    writeFileSync(join(dir, 'keep'), '');
    const { startSimProcess } = await import('../bench/sim-process.js');
    const proc = await startSimProcess([
      '--nodes',
      '2',
      '--pods-per-node',
      '3',
      '--kubelet-port',
      '0',
      '--kubelet-https-port',
      '0',
      '--work-dir',
      dir,
    ]);
    try {
      assert.equal(proc.ready['nodes'], 2);
      assert.equal(readFileSync(proc.ready.kubeconfig, 'utf8').includes(proc.ready.apiServer), true);
    } finally {
      await proc.stop();
    }
    assert.equal(proc.child.exitCode ?? proc.child.signalCode, 0);
    rmSync(dir, { recursive: true, force: true });
  });
});
