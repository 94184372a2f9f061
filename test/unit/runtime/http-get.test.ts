import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { bodyText, httpGet, type FetchOutcome } from '../../../shared/runtime/http-get.js';

// "é" is two bytes in UTF-8 (0xc3 0xa9): the chunked answer below splits it between two writes.
const TEXT = `{"name":"caf\u00e9","pods":[${Array.from({ length: 200 }, (_, i) => i).join(',')}]}`;
const BYTES = Buffer.from(TEXT, 'utf8');
const SPLIT = BYTES.indexOf(0xc3) + 1;

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
    assert.equal(bodyText(outcome), TEXT);
    // Asking twice gives the same text (the reused buffer is only a means of decoding).
    assert.equal(bodyText(outcome), TEXT);
  });

  test('the body bytes, also after the text was read, and the text after the bytes were', async () => {
    const first = await ok('/chunked');
    assert.equal(bodyText(first), TEXT);
    assert.deepEqual(first.body, BYTES);
    assert.equal(bodyText(first), TEXT);
    const second = await ok('/sized');
    assert.deepEqual(second.body, BYTES);
    assert.equal(bodyText(second), TEXT);
  });

  test('texts of outcomes read one after another do not overwrite each other', async () => {
    const [a, b] = await Promise.all([ok('/chunked'), ok('/empty')]);
    const textA = bodyText(a);
    assert.equal(bodyText(b), '');
    assert.equal(textA, TEXT);
  });

  test('a copy with another body gives that body as its text', async () => {
    const outcome = await ok('/chunked');
    const replaced = { ...outcome, body: Buffer.from('{"other":true}') };
    assert.equal(bodyText(replaced), '{"other":true}');
    assert.equal(bodyText(outcome), TEXT);
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
