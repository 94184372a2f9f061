import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiServer } from './server.js';
import type { ApiServer } from './server.js';
import { humanDuration } from './tables.js';
import { fetchRaw } from './test-client.js';
import { makeNode, makePod } from './test-objects.js';

const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

describe('apiserver wire protocol', () => {
  let server: ApiServer;
  const get = async (path: string, headers: Record<string, string> = {}) =>
    fetchRaw(server.httpUrl + path, { headers });
  const watchLines = async (path: string) =>
    (await get(path)).body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; object: Record<string, unknown> });

  before(async () => {
    server = await startApiServer({ gitVersion: 'v1.30.4' });
    server.stores.nodes.create(makeNode('node-1'));
    server.stores.pods.create(makePod('default', 'web-0', { nodeName: 'node-1' }));
    server.stores.pods.create(makePod('default', 'web-1', { nodeName: 'node-1', phase: 'Succeeded' }));
    server.stores.pods.create(makePod('kube-system', 'dns-0', { nodeName: 'node-1' }));
  });
  after(() => server.stop());

  test('discovery documents', async () => {
    const version = JSON.parse((await get('/version')).body);
    assert.equal(version.gitVersion, 'v1.30.4');
    assert.equal(version.major, '1');
    assert.equal(version.minor, '30');
    assert.equal(version.platform, 'linux/amd64');

    // Asked for aggregated discovery, the server answers the plain form as plain JSON so clients fall back.
    const api = await get('/api', {
      accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
    });
    assert.equal(api.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(api.body), {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [
        { clientCIDR: '0.0.0.0/0', serverAddress: server.httpsUrl.slice('https://'.length) },
      ],
    });

    const v1 = JSON.parse((await get('/api/v1')).body);
    assert.equal(v1.kind, 'APIResourceList');
    assert.equal(v1.groupVersion, 'v1');
    const byName = new Map<string, { shortNames?: string[]; verbs: string[]; namespaced: boolean }>(
      v1.resources.map((r: { name: string }) => [r.name, r]),
    );
    assert.deepEqual([...byName.keys()].sort(), ['events', 'namespaces', 'nodes', 'nodes/proxy', 'pods']);
    assert.deepEqual(
      ['nodes', 'namespaces', 'pods', 'events'].map((n) => byName.get(n)!.shortNames),
      [['no'], ['ns'], ['po'], ['ev']],
    );
    assert.ok(byName.get('pods')!.verbs.includes('watch') && byName.get('pods')!.namespaced);

    const groups = JSON.parse((await get('/apis')).body);
    assert.equal(groups.kind, 'APIGroupList');
    assert.deepEqual(
      groups.groups.map((g: { name: string; preferredVersion: { groupVersion: string } }) => [
        g.name,
        g.preferredVersion.groupVersion,
      ]),
      [['events.k8s.io', 'events.k8s.io/v1']],
    );
    const events = JSON.parse((await get('/apis/events.k8s.io/v1')).body);
    assert.equal(events.groupVersion, 'events.k8s.io/v1');
    assert.deepEqual(
      events.resources.map((r: { name: string; kind: string }) => [r.name, r.kind]),
      [['events', 'Event']],
    );
    for (const check of ['/healthz', '/readyz', '/livez']) {
      const answer = await get(check);
      assert.deepEqual([answer.status, answer.body], [200, 'ok'], check);
    }
  });

  test('unknown paths are 404 and writes are 405, each with a Status', async () => {
    for (const path of [
      '/api/v1/deployments',
      '/apis/apps/v1',
      '/api/v2',
      '/metrics',
      '/api/v1/pods/web-0',
    ]) {
      const answer = await get(path);
      assert.equal(answer.status, 404, path);
      assert.equal(JSON.parse(answer.body).message, 'the server could not find the requested resource', path);
    }
    const post = await fetchRaw(server.httpUrl + '/api/v1/namespaces/default/pods', { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(JSON.parse(post.body).reason, 'MethodNotAllowed');
  });

  test('Tables carry partial metadata by default, the object or nothing on request', async () => {
    const table = JSON.parse((await get('/api/v1/namespaces/default/pods', { accept: TABLE_ACCEPT })).body);
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(
      table.columnDefinitions
        .filter((c: { priority: number }) => c.priority === 0)
        .map((c: { name: string }) => c.name),
      ['Name', 'Ready', 'Status', 'Restarts', 'Age'],
    );
    assert.deepEqual(
      table.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 3)),
      [
        ['web-0', '1/1', 'Running'],
        ['web-1', '1/1', 'Succeeded'],
      ],
    );
    assert.deepEqual(table.rows[1].conditions, [
      {
        type: 'Completed',
        status: 'True',
        reason: 'Succeeded',
        message: 'The pod has completed successfully.',
      },
    ]);
    assert.equal(table.rows[0].object.kind, 'PartialObjectMetadata');
    assert.equal(table.rows[0].object.metadata.name, 'web-0');
    const full = JSON.parse(
      (await get('/api/v1/namespaces/default/pods?includeObject=Object', { accept: TABLE_ACCEPT })).body,
    );
    assert.equal(full.rows[0].object.spec.nodeName, 'node-1');
    const bare = JSON.parse(
      (await get('/api/v1/namespaces/default/pods?includeObject=None', { accept: TABLE_ACCEPT })).body,
    );
    assert.equal(bare.rows[0].object, undefined);
  });

  test('large lists stream in chunks and stay valid JSON', async () => {
    const count = 2500;
    for (let i = 0; i < count; i++)
      server.stores.nodes.create(makeNode(`bulk-${String(i).padStart(4, '0')}`));
    try {
      const answer = await get('/api/v1/nodes');
      assert.equal(answer.headers['transfer-encoding'], 'chunked');
      const list = JSON.parse(answer.body);
      assert.equal(list.kind, 'NodeList');
      assert.equal(list.items.length, count + 1);
      assert.equal(list.items[0].metadata.name, 'bulk-0000');
      assert.equal(list.items[count - 1].metadata.name, `bulk-${count - 1}`);
      assert.equal(list.items[count].metadata.name, 'node-1');
    } finally {
      for (let i = 0; i < count; i++) server.stores.nodes.delete('', `bulk-${String(i).padStart(4, '0')}`);
    }
  });

  test('watch forms: legacy /watch/ path, named object, sendInitialEvents', async () => {
    // Each stream ends after its 1 s timeout; run them side by side.
    const [legacy, named, initial] = await Promise.all([
      watchLines('/api/v1/watch/namespaces/default/pods?timeoutSeconds=1'),
      watchLines('/api/v1/namespaces/kube-system/pods/dns-0?watch=1&timeoutSeconds=1'),
      watchLines('/api/v1/nodes?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&timeoutSeconds=1'),
    ]);
    assert.deepEqual(
      legacy.map((e) => [e.type, (e.object.metadata as { name: string }).name]),
      [
        ['ADDED', 'web-0'],
        ['ADDED', 'web-1'],
      ],
    );
    assert.deepEqual(
      named.map((e) => [e.type, (e.object.metadata as { name: string }).name]),
      [['ADDED', 'dns-0']],
    );
    assert.deepEqual(
      initial.map((e) => e.type),
      ['ADDED', 'BOOKMARK'],
    );
    assert.deepEqual(initial[1]!.object.metadata, {
      resourceVersion: String(server.stores.nodes.currentResourceVersion()),
      annotations: { 'k8s.io/initial-events-end': 'true' },
    });
  });

  test('bad parameters answer 400', async () => {
    for (const query of ['limit=ten', 'watch=1&resourceVersion=abc', 'labelSelector=a%20in%20b']) {
      const answer = await get(`/api/v1/pods?${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(JSON.parse(answer.body).reason, 'BadRequest', query);
    }
  });
});

describe('humanDuration', () => {
  test('follows apimachinery HumanDuration', () => {
    const s = 1000;
    const m = 60 * s;
    const h = 60 * m;
    const d = 24 * h;
    const cases: [number, string][] = [
      [-2 * s, '<invalid>'],
      [-1.5 * s, '0s'],
      [0, '0s'],
      [119 * s, '119s'],
      [120 * s, '2m'],
      [5 * m + 30 * s, '5m30s'],
      [10 * m + 59 * s, '10m'],
      [179 * m, '179m'],
      [3 * h, '3h'],
      [3 * h + 5 * m, '3h5m'],
      [47 * h, '47h'],
      [2 * d, '2d'],
      [2 * d + 3 * h, '2d3h'],
      [8 * d, '8d'],
      [729 * d, '729d'],
      [730 * d, '2y'],
      [731 * d, '2y1d'],
      [8 * 365 * d, '8y'],
    ];
    for (const [ms, expected] of cases) assert.equal(humanDuration(ms), expected, `${ms} ms`);
  });
});
