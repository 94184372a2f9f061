import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeConnection } from '../../../shared/kube/connect.js';
import { DiscoveryError, listAll } from '../../../shared/kube/discover.js';
import { textOutcome, type FetchOutcome } from '../../../shared/runtime/http-get.js';
import { answeringConnection } from '../../support/answering-connection.js';

/** A connection that answers the given outcomes in turn, then a one-item list. */
function scripted(answers: FetchOutcome[]): { conn: KubeConnection; calls: () => number } {
  let calls = 0;
  const list: FetchOutcome = textOutcome(
    JSON.stringify({ metadata: { resourceVersion: '7' }, items: [{ metadata: { name: 'n1' } }] }),
  );
  return {
    conn: answeringConnection(() => answers[calls++] ?? list),
    calls: () => calls,
  };
}

const shed = (status: number, retryAfterMs?: number): FetchOutcome => ({
  ok: false,
  reason: 'http-status',
  status,
  message: `HTTP ${status}: slow down`,
  ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
});
const limits = { timeoutMs: 5_000, maxBytes: 1 << 20 };

test('a list page is asked again while the API server sheds load (429 with Retry-After, 503, a dropped connection)', async () => {
  const { conn, calls } = scripted([
    shed(429, 20),
    shed(503),
    { ok: false, reason: 'connection', message: 'socket hang up' },
  ]);
  const started = Date.now();
  const items = await listAll(conn, '/api/v1/nodes', 500, limits);
  assert.deepEqual(
    items.map((i) => (i.metadata as { name: string }).name),
    ['n1'],
  );
  assert.equal(calls(), 4);
  assert.ok(Date.now() - started >= 20, 'the Retry-After was waited for');
});

test('load shedding that does not stop ends in a DiscoveryError after four attempts', async () => {
  const { conn, calls } = scripted([shed(429, 1), shed(429, 1), shed(429, 1), shed(429, 1), shed(429, 1)]);
  await assert.rejects(listAll(conn, '/api/v1/pods', 500, limits), (err: unknown) => {
    assert.ok(err instanceof DiscoveryError);
    assert.equal(err.outcome.status, 429);
    return true;
  });
  assert.equal(calls(), 4);
});

test('an answer a retry cannot change (403, 404) is not asked again', async () => {
  for (const status of [403, 404]) {
    const { conn, calls } = scripted([shed(status)]);
    await assert.rejects(listAll(conn, '/api/v1/nodes', 500, limits), DiscoveryError);
    assert.equal(calls(), 1);
  }
});

test('a Retry-After longer than the request timeout is not waited for', async () => {
  const { conn, calls } = scripted([shed(429, 60_000)]);
  await assert.rejects(listAll(conn, '/api/v1/nodes', 500, { ...limits, timeoutMs: 1_000 }), DiscoveryError);
  assert.equal(calls(), 1);
});
