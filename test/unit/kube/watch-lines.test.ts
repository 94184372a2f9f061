import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Agent } from 'undici';
import { WatchHttpError, watchLines } from '../../../shared/kube/watch-lines.js';
import { loopback, type Loopback } from '../sources/cadvisor/loopback.js';

// "é" is two bytes in UTF-8: the stream below splits it between two writes.
const MESSAGE = '{"type":"ADDED","object":{"message":"Pulled image caf\u00e9"}}';
const BYTES = Buffer.from(`${MESSAGE}\n\n{"type":"BOOKMARK"}\n{"type":"DELE`, 'utf8');
const SPLIT = BYTES.indexOf(0xc3) + 1;

const later = (ms: number, fn: () => void): void => void setTimeout(fn, ms);

const ROUTES: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/lines': (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(BYTES.subarray(0, SPLIT));
    later(5, () => res.write(BYTES.subarray(SPLIT)));
    // The last line has no newline: the server ended the watch after it.
    later(10, () => res.end('TED"}'));
  },
  '/gone': (_req, res) => {
    res.writeHead(410, { 'content-type': 'application/json' });
    res.end('{"kind":"Status","code":410,"reason":"Expired"}');
  },
  '/held': (_req, res) => {
    res.writeHead(200);
    res.write('{"type":"ADDED"}\n');
  },
  '/no-answer': () => undefined,
  '/long-line': (_req, res) => {
    res.writeHead(200);
    res.write(`{"type":"ADDED","object":"${'x'.repeat(2048)}`);
  },
};

describe('watchLines', () => {
  let server: Loopback;
  const dispatcher = new Agent();
  const watch = (path: string, signal: AbortSignal, maxLineBytes = 1 << 20) =>
    watchLines({ url: new URL(path, server.url), dispatcher, headers: {}, signal, maxLineBytes });
  const collect = async (lines: AsyncGenerator<string>): Promise<string[]> => {
    const out: string[] = [];
    for await (const line of lines) out.push(line);
    return out;
  };

  before(async () => {
    server = await loopback((req, res) => ROUTES[req.url ?? '']?.(req, res));
  });
  after(async () => {
    await dispatcher.destroy();
    await server.close();
  });

  test('one line per event, as they arrive, blank lines skipped and characters kept whole across chunks', async () => {
    assert.deepEqual(await collect(watch('/lines', new AbortController().signal)), [
      MESSAGE,
      '{"type":"BOOKMARK"}',
      '{"type":"DELETED"}',
    ]);
  });

  test('a non-200 answer is a WatchHttpError with its status and body', async () => {
    await assert.rejects(collect(watch('/gone', new AbortController().signal)), (err: unknown) => {
      assert.ok(err instanceof WatchHttpError);
      assert.equal(err.status, 410);
      assert.equal(err.body, '{"kind":"Status","code":410,"reason":"Expired"}');
      return true;
    });
  });

  test('aborting ends the watch with the reason, while streaming and before any answer', async () => {
    for (const path of ['/held', '/no-answer']) {
      const controller = new AbortController();
      const reason = new Error(`idle on ${path}`);
      const lines: string[] = [];
      later(50, () => controller.abort(reason));
      await assert.rejects(
        (async () => {
          for await (const line of watch(path, controller.signal)) lines.push(line);
        })(),
        (err: unknown) => err === reason,
      );
      assert.deepEqual(lines, path === '/held' ? ['{"type":"ADDED"}'] : []);
    }
  });

  test('a line longer than the limit is an error', async () => {
    await assert.rejects(
      collect(watch('/long-line', AbortSignal.timeout(5_000), 1024)),
      /a watch line is over 1024 bytes/,
    );
  });
});
