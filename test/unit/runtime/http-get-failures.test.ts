import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { httpGet, type FetchOutcome } from '../../../shared/runtime/http-get.js';
import { loopback, type Loopback } from '../sources/cadvisor/loopback.js';

const PART = Buffer.alloc(100, 'a');

/** What the loopback server does for each path; every stalled answer is ended by the server's close. */
const ROUTES: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/ok': (_req, res) => res.end('{"ok":true}'),
  '/slow': (_req, res) => setTimeout(() => res.end('{"slow":true}'), 60),
  '/stall-head': () => undefined,
  '/stall-body': (_req, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write(PART);
  },
  '/cut': (req, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write(PART, () => setTimeout(() => req.socket.destroy(), 10));
  },
  '/endless': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(Buffer.alloc(2048, 'b'));
  },
  '/big-error': (_req, res) => {
    res.writeHead(500);
    res.end(`oops ${'x'.repeat(10_000)}`);
  },
};

/** The port that connection and that request came from, to tell kept connections from new ones. */
const portsSeen = new Map<string, number[]>();

describe('httpGet failures', () => {
  let server: Loopback;
  let base: string;
  const dispatcher = new Agent();
  const get = (path: string, o: { timeoutMs?: number; maxBytes?: number; signal?: AbortSignal } = {}) =>
    httpGet(new URL(path, base), { dispatcher, timeoutMs: 5_000, maxBytes: 1 << 20, ...o });
  const failure = (outcome: FetchOutcome): Extract<FetchOutcome, { ok: false }> => {
    assert.ok(!outcome.ok, 'expected a failure');
    return outcome;
  };

  before(async () => {
    server = await loopback((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const tag = url.searchParams.get('tag');
      if (tag !== null) portsSeen.set(tag, [...(portsSeen.get(tag) ?? []), req.socket.remotePort ?? 0]);
      (ROUTES[url.pathname] ?? ROUTES['/ok'])?.(req, res);
    });
    base = server.url;
  });
  after(async () => {
    await dispatcher.destroy();
    await server.close();
  });

  test('the deadline covers the whole request: no headers, or a body that stops half way, is a timeout', async () => {
    for (const path of ['/stall-head', '/stall-body']) {
      const started = Date.now();
      const outcome = failure(await get(path, { timeoutMs: 150 }));
      assert.equal(outcome.reason, 'timeout', path);
      assert.equal(outcome.message, 'no complete answer within 150 ms');
      assert.ok(Date.now() - started >= 140, `${path} gave up early`);
    }
    // The abandoned connections do not spoil the pool.
    assert.equal((await get('/ok')).ok, true);
  });

  test("the run's signal abandons a request under way as aborted, and an aborted one is never sent", async () => {
    const controller = new AbortController();
    const pending = get('/stall-body?tag=abort', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('round over')), 50);
    const outcome = failure(await pending);
    assert.deepEqual([outcome.reason, outcome.message], ['aborted', 'the run was cancelled']);

    const early = failure(await get('/ok?tag=never', { signal: AbortSignal.abort() }));
    assert.equal(early.reason, 'aborted');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(portsSeen.get('never'), undefined);
  });

  test('a body cut off by the server is a connection failure naming how much arrived', async () => {
    const outcome = failure(await get('/cut'));
    assert.equal(outcome.reason, 'connection');
    assert.match(outcome.message, /^connection closed after \d+ bytes of the body: /);
  });

  test('a streamed body over the cap is abandoned at once, without waiting for the rest', async () => {
    const started = Date.now();
    const outcome = failure(await get('/endless', { maxBytes: 1024, timeoutMs: 3_000 }));
    assert.deepEqual([outcome.reason, outcome.message], ['too-large', 'body is over the 1024-byte limit']);
    assert.ok(Date.now() - started < 2_000);
  });

  test('a non-2xx answer with a long body keeps its first bytes for the message', async () => {
    const outcome = failure(await get('/big-error'));
    assert.equal(outcome.reason, 'http-status');
    assert.equal(outcome.status, 500);
    assert.match(outcome.message, /^HTTP 500: oops x+$/);
    assert.ok(outcome.message.length <= 'HTTP 500: '.length + 300);
  });

  test('a port nobody listens on is unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const outcome = failure(
      await httpGet(new URL(`http://127.0.0.1:${port}/`), { dispatcher, timeoutMs: 2_000, maxBytes: 1024 }),
    );
    assert.equal(outcome.reason, 'unreachable');
    assert.match(outcome.message, /^ECONNREFUSED: /);
  });

  test('a closed client fails its requests instead of throwing', async () => {
    const closed = new Agent();
    await closed.close();
    const outcome = failure(
      await httpGet(new URL('/ok', base), { dispatcher: closed, timeoutMs: 1_000, maxBytes: 1024 }),
    );
    assert.equal(outcome.reason, 'connection');
  });

  test('connections are kept alive between requests, at most `connections` of them per origin', async () => {
    for (let i = 0; i < 6; i++) assert.equal((await get('/ok?tag=sequential')).ok, true);
    // undici hands a connection to the next request one event-loop turn after an answer ends (a server that
    // said keep-alive may still close it), so back-to-back requests take turns on two connections.
    const sequential = portsSeen.get('sequential') ?? [];
    assert.ok(new Set(sequential).size <= 2, `${sequential.length} requests on ${new Set(sequential).size}`);

    const two = new Agent({ connections: 2 });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 6 }, () =>
          httpGet(new URL('/slow?tag=pooled', base), { dispatcher: two, timeoutMs: 5_000, maxBytes: 1024 }),
        ),
      );
      assert.deepEqual(
        outcomes.map((o) => o.ok),
        Array.from({ length: 6 }, () => true),
      );
      assert.equal(new Set(portsSeen.get('pooled')).size, 2);
    } finally {
      await two.destroy();
    }
  });
});
