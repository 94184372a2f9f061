import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { KubeAccess } from '../../../shared/config/source-uri.js';
import { connect, type KubeConnection } from '../../../shared/kube/connect.js';
import type { FetchOutcome } from '../../../shared/runtime/http-get.js';
import { generateTls } from '../../sim/tls.js';

const LIMITS = { timeoutMs: 5_000, maxBytes: 1 << 20 };

/** What the stand-in API server answers, by path. */
const ROUTES: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
  '/api/v1/namespaces': (req, res) =>
    res.end(JSON.stringify({ kind: 'NamespaceList', auth: req.headers.authorization })),
  '/slow': (_req, res) => setTimeout(() => res.end('{}'), 60),
  '/api/v1/events': (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(`{"type":"ADDED","object":{"auth":"${req.headers.authorization}"}}\n{"type":"MOD`);
    setTimeout(() => res.end('IFIED","object":{"n":2}}\n'), 10);
  },
};

describe('connect: one undici client per run', () => {
  let dir: string;
  let caFile: string;
  let server: Server;
  let apiServer: string;
  const ports: number[] = [];
  const source = (o: Partial<KubeAccess> = {}): KubeAccess => ({
    apiServer,
    inClusterConfig: false,
    auth: { kind: 'google' },
    caFile,
    useServiceAccount: false,
    insecure: false,
    concurrency: 2,
    ...o,
  });
  const deps = { env: {}, googleAccessToken: async () => 'workload-token' };
  const opened: KubeConnection[] = [];
  const open = async (o: Partial<KubeAccess> = {}): Promise<KubeConnection> => {
    const conn = await connect(source(o), deps);
    opened.push(conn);
    return conn;
  };
  const failure = (outcome: FetchOutcome): Extract<FetchOutcome, { ok: false }> => {
    assert.ok(!outcome.ok, 'expected a failure');
    return outcome;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'connect-'));
    const tls = generateTls(dir);
    caFile = tls.caPath;
    server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
      ports.push(req.socket.remotePort ?? 0);
      (ROUTES[new URL(req.url ?? '/', 'https://x').pathname] ?? ROUTES['/slow'])?.(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiServer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const conn of opened) conn.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test("TLS is verified against the source's CA, refused without it, and skipped only when asked", async () => {
    const verified = await (await open()).get('/api/v1/namespaces', LIMITS);
    assert.ok(verified.ok, verified.ok ? '' : verified.message);
    assert.deepEqual(JSON.parse(verified.text), {
      kind: 'NamespaceList',
      auth: 'Bearer workload-token',
    });

    // The test CA is in no system store: without it the server's certificate cannot be trusted.
    const unverified = failure(await (await open({ caFile: undefined })).get('/api/v1/namespaces', LIMITS));
    assert.equal(unverified.reason, 'connection');
    assert.match(unverified.message, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|certificate/i);

    const insecure = await (
      await open({ caFile: undefined, insecure: true })
    ).get('/api/v1/namespaces', LIMITS);
    assert.equal(insecure.ok, true);
  });

  test('requests in flight share at most `concurrency` kept-alive connections', async () => {
    const conn = await open({ concurrency: 2 });
    const from = ports.length;
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => conn.get('/slow', LIMITS)));
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [true, true, true, true, true, true],
    );
    const used = new Set(ports.slice(from));
    assert.equal(used.size, 2);
    // Later requests of the run go over the same connections: no new handshake.
    assert.equal((await conn.get('/slow', LIMITS)).ok, true);
    assert.ok(used.has(ports[ports.length - 1] as number));
  });

  test('a watch streams its lines over the same client, with the credentials', async () => {
    const conn = await open();
    const lines: string[] = [];
    for await (const line of conn.watch('/api/v1/events?watch=true', new AbortController().signal))
      lines.push(line);
    assert.deepEqual(lines, [
      '{"type":"ADDED","object":{"auth":"Bearer workload-token"}}',
      '{"type":"MODIFIED","object":{"n":2}}',
    ]);
    // A watch to a server that cannot be trusted fails on the TLS error, not as an empty stream.
    const untrusted = (await open({ caFile: undefined })).watch(
      '/api/v1/events?watch=true',
      AbortSignal.timeout(5_000),
    );
    await assert.rejects(untrusted.next(), /UNABLE_TO_VERIFY_LEAF_SIGNATURE|certificate/i);
  });

  test('close() ends the client: later requests fail as connection errors, without throwing', async () => {
    const conn = await connect(source(), deps);
    assert.equal((await conn.get('/api/v1/namespaces', LIMITS)).ok, true);
    conn.close();
    assert.equal(failure(await conn.get('/api/v1/namespaces', LIMITS)).reason, 'connection');
  });
});
