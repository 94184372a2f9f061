import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startApiServer } from './server.js';
import type { ApiServer } from './server.js';
import { makeCoreEvent, makeNode, makePod } from './test-objects.js';

const run = promisify(execFile);
const NOW = Date.parse('2024-06-01T12:00:00Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** kubectl's table output as rows of cells (columns are separated by at least two spaces). */
function rows(output: string): string[][] {
  return output
    .trimEnd()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

describe('apiserver with the real kubectl', () => {
  let server: ApiServer;
  let home: string;
  let kubeconfig: string;
  const summary = { node: { nodeName: 'node-a', memory: { workingSetBytes: 1048576 } }, pods: [] };

  // The server is in this process, so kubectl must run asynchronously (a synchronous child would block it).
  const kubectl = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(
      'kubectl',
      ['--kubeconfig', kubeconfig, '--cache-dir', join(home, 'cache'), ...args],
      {
        env: { PATH: process.env.PATH, HOME: home },
        timeout: 30_000,
      },
    );
    return stdout;
  };

  before(async () => {
    server = await startApiServer({
      token: 'kubectl-token',
      now: () => NOW,
      proxy: (_node, path, _req, res) => {
        if (path !== '/stats/summary') {
          res.writeHead(404, { 'content-type': 'text/plain' });
          return void res.end('404 page not found\n');
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(summary));
      },
    });
    const { nodes, namespaces, pods, events } = server.stores;
    for (const ns of ['default', 'kube-system']) {
      namespaces.create({ metadata: { name: ns }, status: { phase: 'Active' } });
    }
    nodes.create(makeNode('node-a', { roles: ['control-plane'], createdAt: NOW - 3 * DAY }));
    nodes.create(makeNode('node-b', { ready: false, unschedulable: true, createdAt: NOW - 150 * MINUTE }));
    pods.create(makePod('default', 'web-0', { nodeName: 'node-a', createdAt: NOW - 90 * SECOND }));
    pods.create(
      makePod('default', 'web-1', {
        nodeName: 'node-b',
        createdAt: NOW - 2 * HOUR,
        crashLooping: { restarts: 4, lastRestartAt: NOW - 2 * MINUTE },
      }),
    );
    pods.create(makePod('kube-system', 'kube-proxy-x1', { nodeName: 'node-a', createdAt: NOW - 3 * DAY }));
    events.create(
      makeCoreEvent('default', 'web-1.17c5b3f6a0f5e1a2', {
        involved: { kind: 'Pod', name: 'web-1', namespace: 'default' },
        reason: 'BackOff',
        message: 'Back-off restarting failed container app in pod web-1_default',
        type: 'Warning',
        count: 4,
        firstAt: NOW - HOUR,
        lastAt: NOW - 10 * MINUTE,
      }),
    );
    events.create(
      makeCoreEvent('kube-system', 'node-b.17c5b3f6a0f5e1a3', {
        involved: { kind: 'Node', name: 'node-b' },
        reason: 'NodeNotReady',
        message: 'Node node-b status is now: NodeNotReady',
        firstAt: NOW - 5 * MINUTE - 30 * SECOND,
        lastAt: NOW - 5 * MINUTE - 30 * SECOND,
        source: { component: 'node-controller' },
      }),
    );

    home = mkdtempSync(join(tmpdir(), 'sim-kubectl-'));
    kubeconfig = join(home, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'sim', cluster: { server: server.httpsUrl, 'certificate-authority': server.caPath } },
        ],
        users: [{ name: 'tester', user: { token: 'kubectl-token' } }],
        contexts: [{ name: 'sim', context: { cluster: 'sim', user: 'tester' } }],
        'current-context': 'sim',
      }),
    );
  });
  after(async () => {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  });

  test('get nodes', async () => {
    assert.deepEqual(rows(await kubectl('get', 'nodes')), [
      ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
      ['node-a', 'Ready', 'control-plane', '3d', 'v1.31.0'],
      ['node-b', 'NotReady,SchedulingDisabled', '<none>', '150m', 'v1.31.0'],
    ]);
  });

  test('get pods -A', async () => {
    assert.deepEqual(rows(await kubectl('get', 'pods', '-A')), [
      ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
      ['default', 'web-0', '1/1', 'Running', '0', '90s'],
      ['default', 'web-1', '0/1', 'CrashLoopBackOff', '4 (2m ago)', '120m'],
      ['kube-system', 'kube-proxy-x1', '1/1', 'Running', '0', '3d'],
    ]);
  });

  test('get events -A', async () => {
    assert.deepEqual(rows(await kubectl('get', 'events', '-A')), [
      ['NAMESPACE', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
      [
        'default',
        '10m',
        'Warning',
        'BackOff',
        'pod/web-1',
        'Back-off restarting failed container app in pod web-1_default',
      ],
      [
        'kube-system',
        '5m30s',
        'Normal',
        'NodeNotReady',
        'node/node-b',
        'Node node-b status is now: NodeNotReady',
      ],
    ]);
  });

  test('get --raw through the node proxy', async () => {
    const body = await kubectl('get', '--raw', '/api/v1/nodes/node-a/proxy/stats/summary');
    assert.deepEqual(JSON.parse(body), summary);
  });

  test('get pods -w prints the initial rows, then changes as they happen', async () => {
    const child = spawn(
      'kubectl',
      [
        '--kubeconfig',
        kubeconfig,
        '--cache-dir',
        join(home, 'cache'),
        'get',
        'pods',
        '-n',
        'kube-system',
        '-w',
      ],
      { env: { PATH: process.env.PATH, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const waitForLines = (count: number): Promise<string[][]> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`kubectl printed only:\n${output}`)), 15_000);
        const check = (): void => {
          const lines = rows(output);
          if (output.endsWith('\n') && lines.length >= count) {
            clearTimeout(timer);
            child.stdout.off('data', check);
            resolve(lines);
          }
        };
        child.stdout.on('data', check);
        check();
      });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => (output += chunk));
    try {
      assert.deepEqual(await waitForLines(2), [
        ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
        ['kube-proxy-x1', '1/1', 'Running', '0', '3d'],
      ]);
      server.stores.pods.create(
        makePod('kube-system', 'coredns-0', { nodeName: 'node-b', createdAt: NOW - 30 * SECOND }),
      );
      assert.deepEqual((await waitForLines(3))[2], ['coredns-0', '1/1', 'Running', '0', '30s']);
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
      server.stores.pods.delete('kube-system', 'coredns-0');
    }
  });
});
