import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { httpGet, type FetchOutcome } from '../../../shared/runtime/http-get.js';

// "é" is two bytes in UTF-8 (0xc3 0xa9): the chunked answer below splits it between two writes.
const TEXT = `{"name":"caf\u00e9","pods":[${Array.from({ length: 200 }, (_, i) => i).join(',')}]}`;
const BYTES = Buffer.from(TEXT, 'utf8');
const SPLIT = BYTES.indexOf(0xc3) + 1;

/** ~100 KB of text with two-byte characters, larger than the smallest receive buffer, sent in uneven chunks. */
const LARGE = Array.from({ length: 4000 }, (_, i) => `caf\u00e9-${i}`).join(' ');

/** A body of its own per request number, of a size that varies with it. */
const numbered = (i: number): string =>
  `${i}:`.padEnd(1000 + ((i * 7919) % 40_000), String.fromCharCode(97 + (i % 26)));

function sendChunked(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write(BYTES.subarray(0, SPLIT));
  // A later tick, so the client sees separate chunks.
  setTimeout(() => {
    res.write(BYTES.subarray(SPLIT, SPLIT + 100));
    setTimeout(() => res.end(BYTES.subarray(SPLIT + 100)), 5);
  }, 5);
}

describe('httpGet', () => {
  let server: Server;
  let base: string;
  const dispatcher = new Agent();
  const get = (path: string, maxBytes = 1 << 20): Promise<FetchOutcome> =>
    httpGet(new URL(path, base), { dispatcher, timeoutMs: 5_000, maxBytes });
  const ok = async (path: string): Promise<Extract<FetchOutcome, { ok: true }>> => {
    const outcome = await get(path);
    assert.ok(outcome.ok, outcome.ok ? '' : outcome.message);
    return outcome;
  };

  before(async () => {
    server = createServer((req, res) => {
      if (req.url === '/chunked') return sendChunked(res);
      if (req.url === '/sized') {
        res.writeHead(200, { 'content-length': String(BYTES.length) });
        return res.end(BYTES);
      }
      if (req.url === '/empty') return res.end();
      if (req.url === '/large') {
        const bytes = Buffer.from(LARGE, 'utf8');
        res.writeHead(200);
        // Odd-sized writes split the two-byte characters between chunks.
        for (let at = 0; at < bytes.length; at += 7001) res.write(bytes.subarray(at, at + 7001));
        return res.end();
      }
      if (req.url?.startsWith('/numbered/')) return res.end(numbered(Number(req.url.slice(10))));
      if (req.url === '/broken') {
        res.writeHead(500);
        return res.end('e'.repeat(10_000));
      }
      res.writeHead(503, { 'retry-after': '7' });
      res.end('busy');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await dispatcher.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('the text of a body that arrived in chunks, with a character split between them', async () => {
    const outcome = await ok('/chunked');
    assert.equal(outcome.text, TEXT);
    assert.equal(outcome.bytes, BYTES.length);
  });

  test('a body without a declared length, larger than the first receive buffer, arrives whole', async () => {
    const outcome = await ok('/large');
    assert.equal(outcome.text, LARGE);
    assert.equal(outcome.bytes, Buffer.byteLength(LARGE, 'utf8'));
    assert.equal((await ok('/sized')).text, TEXT);
  });

  test('bodies received at the same time keep their own text (receive buffers are reused)', async () => {
    const numbers = Array.from({ length: 40 }, (_, i) => i);
    for (let pass = 0; pass < 2; pass++) {
      const outcomes = await Promise.all(numbers.map((i) => ok(`/numbered/${i}`)));
      for (const i of numbers) assert.equal(outcomes[i]?.text, numbered(i), `request ${i}`);
    }
  });

  test('an empty body is an empty text', async () => {
    const outcome = await ok('/empty');
    assert.deepEqual([outcome.text, outcome.bytes], ['', 0]);
  });

  test("a non-2xx answer's message quotes the start of its body", async () => {
    const broken = await get('/broken');
    assert.ok(!broken.ok);
    assert.equal(broken.reason, 'http-status');
    assert.equal(broken.message, `HTTP 500: ${'e'.repeat(300)}`);
  });

  test('a body over the limit is too-large, a non-2xx answer an http-status with its retry-after', async () => {
    const big = await get('/sized', 10);
    assert.equal(big.ok ? 'ok' : big.reason, 'too-large');
    const streamed = await get('/chunked', 10);
    assert.equal(streamed.ok ? 'ok' : streamed.reason, 'too-large');
    const busy = await get('/busy');
    assert.ok(!busy.ok);
    assert.equal(busy.reason, 'http-status');
    assert.equal(busy.status, 503);
    assert.equal(busy.retryAfterMs, 7_000);
    assert.match(busy.message, /HTTP 503: busy/);
  });
});
