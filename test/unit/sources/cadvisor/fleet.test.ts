import assert from 'node:assert/strict';
import { Agent } from 'undici';
import { after, describe, test } from 'node:test';
import { listFleetMachines, parseFleetPage } from '../../../../shared/sources/cadvisor/fleet.js';
import { loopback, send, type Loopback } from './loopback.js';

const dispatcher = new Agent();
after(() => dispatcher.destroy());
const options = { dispatcher, timeoutMs: 2000, maxBodyBytes: 1024 * 1024 };

const machines = Array.from({ length: 5 }, (_, i) => ({
  id: `m${i}`,
  primaryIP: `10.0.0.${i + 1}`,
  metadata: { role: i === 0 ? 'etcd' : 'worker' },
}));

/** A fleet endpoint paging `list` two at a time; `failPage` answers that page (1-based) with HTTP 500. */
function fleet(list = machines, failPage?: number): Promise<Loopback> {
  return loopback((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/fleet/v1/machines') return send(res, 404, '{"error":{"code":404}}');
    const page = Number(url.searchParams.get('nextPageToken') ?? '1');
    if (page === failPage) return send(res, 500, '{"error":{"code":500,"message":"etcd unavailable"}}');
    const next = page * 2 < list.length ? { nextPageToken: String(page + 1) } : {};
    send(res, 200, JSON.stringify({ machines: list.slice((page - 1) * 2, page * 2), ...next }));
  });
}

describe('parseFleetPage', () => {
  test('machines with id, primaryIP and metadata; the next page token', () => {
    assert.deepEqual(
      parseFleetPage({
        machines: [
          { id: 'a', primaryIP: '10.0.0.1', metadata: { region: 'us', n: 1 } },
          { id: 'b' },
          { primaryIP: '10.0.0.3' },
          'junk',
        ],
        nextPageToken: 'tok',
      }),
      {
        ok: true,
        machines: [
          { id: 'a', primaryIP: '10.0.0.1', metadata: { region: 'us' } },
          { id: 'b', primaryIP: undefined, metadata: {} },
        ],
        nextPageToken: 'tok',
      },
    );
    assert.deepEqual(parseFleetPage({}), { ok: true, machines: [] });
    assert.deepEqual(parseFleetPage([]), { ok: false, error: 'the answer is not a JSON object' });
    assert.deepEqual(parseFleetPage({ machines: {} }), { ok: false, error: '"machines" is not a list' });
  });
});

describe('listFleetMachines', () => {
  test('follows nextPageToken to the last page', async () => {
    const a = await fleet();
    try {
      const listed = await listFleetMachines([a.url], options);
      assert.deepEqual(listed, { ok: true, endpoint: a.url, machines, skipped: [] });
      assert.deepEqual(a.requests, [
        '/fleet/v1/machines',
        '/fleet/v1/machines?nextPageToken=2',
        '/fleet/v1/machines?nextPageToken=3',
      ]);
    } finally {
      await a.close();
    }
  });

  test('an endpoint failing on a later page hands over to the next, which lists from the start', async () => {
    const a = await fleet(machines, 2);
    const b = await fleet();
    try {
      const listed = await listFleetMachines([a.url, `${b.url}/`], options);
      assert.ok(listed.ok);
      assert.equal(listed.endpoint, `${b.url}/`);
      assert.deepEqual(listed.machines, machines);
      assert.deepEqual(listed.skipped, [
        `fleet endpoint ${a.url}: http-status (page 2): HTTP 500: {"error":{"code":500,"message":"etcd unavailable"}}`,
      ]);
      assert.equal(b.requests[0], '/fleet/v1/machines');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  test('every endpoint down: one error naming each and why', async () => {
    const closed = await fleet();
    await closed.close();
    const b = await fleet(machines, 1);
    try {
      const listed = await listFleetMachines([closed.url, b.url], options);
      assert.ok(!listed.ok);
      assert.match(
        listed.error,
        new RegExp(
          `^no fleet endpoint listed the machines \\(fleet endpoint ${closed.url}: unreachable: ECONNREFUSED.*; ` +
            `fleet endpoint ${b.url}: http-status: HTTP 500: .*etcd unavailable.*\\)$`,
        ),
      );
    } finally {
      await b.close();
    }
  });

  test('a page token that comes back is an error, not a loop', async () => {
    const a = await loopback((_req, res) =>
      send(res, 200, JSON.stringify({ machines, nextPageToken: 'same' })),
    );
    try {
      const listed = await listFleetMachines([a.url], options);
      assert.deepEqual(listed, {
        ok: false,
        error: `no fleet endpoint listed the machines (fleet endpoint ${a.url}: page token "same" came back twice (page 2))`,
      });
    } finally {
      await a.close();
    }
  });

  test('an answer that is not JSON', async () => {
    const a = await loopback((_req, res) => send(res, 200, '<html>', 'text/html'));
    try {
      const listed = await listFleetMachines([a.url], options);
      assert.ok(!listed.ok);
      assert.match(listed.error, /fleet endpoint http:\/\/127\.0\.0\.1:\d+: not JSON: /);
    } finally {
      await a.close();
    }
  });
});
