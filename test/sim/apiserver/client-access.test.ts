import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, EventsV1Api } from '@kubernetes/client-node';
import { startApiServer } from './server.js';
import type { ApiServer } from './server.js';
import { fetchRaw, kubeConfigFor, recordWatch, statusOf } from './test-client.js';
import { makeCoreEvent, makeNode, makePod } from './test-objects.js';

describe('apiserver access: TLS, tokens, node proxy, faults, events.k8s.io', () => {
  let server: ApiServer;
  const proxied: { node: string; path: string; url: string | undefined; port: number | undefined }[] = [];

  before(async () => {
    server = await startApiServer({
      token: 'access-token',
      proxy: (node, path, req, res, target) => {
        proxied.push({ node, path, url: req.url, port: target.port });
        const body = JSON.stringify({ node: { nodeName: node, cpu: { usageNanoCores: 1234 } }, pods: [] });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      },
    });
    server.stores.nodes.create(makeNode('node-1'));
    server.stores.pods.create(makePod('default', 'web-0', { nodeName: 'node-1' }));
  });
  after(() => server.stop());

  test('TLS with the CA passes; without it the client refuses the certificate', async () => {
    const trusted = await kubeConfigFor(server).makeApiClient(CoreV1Api).listNode();
    assert.deepEqual(
      trusted.items.map((n) => n.metadata?.name),
      ['node-1'],
    );
    const err = await kubeConfigFor(server, { withCa: false })
      .makeApiClient(CoreV1Api)
      .listNode()
      .then(
        () => assert.fail('expected a certificate error'),
        (e: unknown) => e as Error & { code?: string },
      );
    assert.match(`${err.code} ${err.message}`, /certificate|UNABLE_TO_VERIFY|SELF_SIGNED/i);
  });

  test('a missing or wrong token answers 401 Unauthorized on both ports', async () => {
    const wrong = await kubeConfigFor(server, { token: 'nope' })
      .makeApiClient(CoreV1Api)
      .listNode()
      .then(
        () => assert.fail('expected 401'),
        (e: unknown) => e as { code?: number },
      );
    assert.equal(wrong.code, 401);
    for (const url of [`${server.httpsUrl}/api/v1/nodes`, `${server.httpUrl}/api/v1/nodes`]) {
      const answer = await fetchRaw(url, { ca: server.caPem });
      assert.equal(answer.status, 401, url);
      assert.deepEqual(JSON.parse(answer.body), {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      });
    }
    const authorised = await fetchRaw(`${server.httpUrl}/api/v1/nodes`, {
      headers: { authorization: 'Bearer access-token' },
    });
    assert.equal(authorised.status, 200);
    assert.equal(JSON.parse(authorised.body).kind, 'NodeList');
  });

  test('node proxy hands the decoded path to the hook; unknown nodes are 404', async () => {
    const core = kubeConfigFor(server).makeApiClient(CoreV1Api);
    const summary: unknown = await core.connectGetNodeProxyWithPath({
      name: 'node-1',
      path: 'stats/summary',
    });
    assert.deepEqual(summary, { node: { nodeName: 'node-1', cpu: { usageNanoCores: 1234 } }, pods: [] });
    assert.deepEqual(proxied.at(-1), {
      node: 'node-1',
      path: '/stats/summary',
      url: '/api/v1/nodes/node-1/proxy/stats%2Fsummary',
      port: undefined,
    });
    const withPort = await fetchRaw(
      `${server.httpsUrl}/api/v1/nodes/node-1:10250/proxy/metrics/cadvisor?x=1`,
      {
        ca: server.caPem,
        headers: { authorization: 'Bearer access-token' },
      },
    );
    assert.equal(withPort.status, 200);
    assert.deepEqual(proxied.at(-1), {
      node: 'node-1',
      path: '/metrics/cadvisor',
      url: '/api/v1/nodes/node-1:10250/proxy/metrics/cadvisor?x=1',
      port: 10250,
    });
    const err = await core.connectGetNodeProxyWithPath({ name: 'node-9', path: 'stats/summary' }).then(
      () => assert.fail('expected 404'),
      (e: unknown) => e,
    );
    assert.equal((err as { code?: number }).code, 404);
    assert.equal(statusOf(err).message, 'nodes "node-9" not found');
  });

  test('an API fault answers 429 with Retry-After until cleared', async () => {
    server.setApiFault({ kind: 'status', code: 429, retryAfterSeconds: 3 });
    try {
      const answer = await fetchRaw(`${server.httpUrl}/api/v1/pods`, {
        headers: { authorization: 'Bearer access-token' },
      });
      assert.equal(answer.status, 429);
      assert.equal(answer.headers['retry-after'], '3');
      assert.equal(JSON.parse(answer.body).reason, 'TooManyRequests');
      assert.deepEqual(JSON.parse(answer.body).details, { retryAfterSeconds: 3 });
    } finally {
      server.setApiFault(undefined);
    }
    const pods = await kubeConfigFor(server).makeApiClient(CoreV1Api).listPodForAllNamespaces();
    assert.equal(pods.items.length, 1);
  });

  test('an API fault refuses watches with the HTTP status, which client-node reports to done()', async () => {
    server.setApiFault({ kind: 'status', code: 503 });
    try {
      const watch = await recordWatch(kubeConfigFor(server), '/api/v1/pods', { timeoutSeconds: 5 });
      const err = (await watch.done) as { statusCode?: number };
      assert.equal(err.statusCode, 503);
      assert.equal(watch.events.length, 0);
    } finally {
      server.setApiFault(undefined);
    }
  });

  test('events.k8s.io/v1 serves the stored core events converted, same uid and resourceVersion', async () => {
    const first = Date.parse('2024-05-01T10:00:00Z');
    const stored = server.stores.events.create(
      makeCoreEvent('default', 'web-0.17c5b3f6a0f5e1a2', {
        involved: {
          kind: 'Pod',
          name: 'web-0',
          namespace: 'default',
          uid: 'a1b2',
          fieldPath: 'spec.containers{app}',
        },
        reason: 'BackOff',
        message: 'Back-off restarting failed container app in pod web-0_default(a1b2)',
        type: 'Warning',
        count: 7,
        firstAt: first,
        lastAt: first + 300_000,
        source: { component: 'kubelet', host: 'node-1' },
      }),
    );
    const events = await kubeConfigFor(server)
      .makeApiClient(EventsV1Api)
      .listNamespacedEvent({ namespace: 'default' });
    assert.equal(events.apiVersion, 'events.k8s.io/v1');
    assert.equal(events.items.length, 1);
    const event = events.items[0]!;
    assert.equal(event.apiVersion, 'events.k8s.io/v1');
    assert.equal(event.metadata?.uid, stored.metadata.uid);
    assert.equal(event.metadata?.resourceVersion, stored.metadata.resourceVersion);
    assert.equal(event.note, 'Back-off restarting failed container app in pod web-0_default(a1b2)');
    assert.deepEqual(
      { ...event.regarding },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        name: 'web-0',
        namespace: 'default',
        uid: 'a1b2',
        fieldPath: 'spec.containers{app}',
      },
    );
    assert.equal(event.reason, 'BackOff');
    assert.equal(event.type, 'Warning');
    assert.equal(event.reportingController, 'kubelet');
    assert.equal(event.reportingInstance, 'node-1');
    assert.deepEqual({ ...event.deprecatedSource }, { component: 'kubelet', host: 'node-1' });
    assert.equal(event.deprecatedCount, 7);
    assert.equal(event.deprecatedFirstTimestamp?.toISOString(), '2024-05-01T10:00:00.000Z');
    assert.equal(event.deprecatedLastTimestamp?.toISOString(), '2024-05-01T10:05:00.000Z');

    // Field selectors take the events.k8s.io names there, and refuse the core ones.
    const api = kubeConfigFor(server).makeApiClient(EventsV1Api);
    const byRegarding = await api.listEventForAllNamespaces({ fieldSelector: 'regarding.name=web-0' });
    assert.equal(byRegarding.items.length, 1);
    const err = await api.listEventForAllNamespaces({ fieldSelector: 'involvedObject.name=web-0' }).then(
      () => assert.fail('expected 400'),
      (e: unknown) => e,
    );
    assert.equal(statusOf(err).message, 'field label not supported: involvedObject.name');
  });
});
