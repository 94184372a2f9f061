import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { Agent } from 'undici';
import { after, describe, test } from 'node:test';
import { chooseApiLevel, fetchHost } from '../../../../shared/sources/cadvisor/fetch-host.js';
import type { CadvisorHost } from '../../../../shared/sources/cadvisor/types.js';
import { loopback, send, type Loopback } from './loopback.js';
import { cadvisorFixture, fixtureText, v13Answer, v20Answer } from './support.js';

const dispatcher = new Agent();
after(() => dispatcher.destroy());
const options = { dispatcher, timeoutMs: 2000, maxBodyBytes: 1024 * 1024, samples: 5 };

/** A fake cAdvisor: GET /api answers 400 with the versions, as cAdvisor does; the rest from the fixtures. */
function cadvisor(
  versions: string,
  overrides: Record<string, (res: ServerResponse) => void> = {},
): Promise<Loopback> {
  return loopback((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const override = overrides[path];
    if (override !== undefined) return override(res);
    if (path === '/api')
      return send(res, 400, `Supported API versions: ${versions}\n`, 'text/plain; charset=utf-8');
    const body: Record<string, unknown> = {
      '/api/v2.0/machine': cadvisorFixture('machine.json'),
      '/api/v1.3/machine': cadvisorFixture('machine.json'),
      '/api/v2.0/spec': cadvisorFixture('v2.0-spec.json'),
      '/api/v2.0/stats': cadvisorFixture('v2.0-stats.json'),
      '/api/v1.3/subcontainers/': cadvisorFixture('v1.3-subcontainers.json'),
    };
    if (!(path in body)) return send(res, 500, `unknown request "${path}"\n`, 'text/plain');
    send(res, 200, JSON.stringify(body[path]));
  });
}

function hostOf(server: Loopback): CadvisorHost {
  const url = new URL(server.url);
  return { nodeName: 'n', hostname: 'n', address: url.hostname, port: Number(url.port) };
}

describe('chooseApiLevel', () => {
  test("reads cAdvisor's list of versions", () => {
    assert.deepEqual(chooseApiLevel(fixtureText('api-versions.txt')), {
      level: 'v2.0',
      listed: ['v1.0', 'v1.1', 'v1.2', 'v1.3', 'v2.0'],
    });
    assert.deepEqual(chooseApiLevel('HTTP 400: Supported API versions: v1.0,v1.1,v1.2,v1.3'), {
      level: 'v1.3',
      listed: ['v1.0', 'v1.1', 'v1.2', 'v1.3'],
    });
    assert.deepEqual(chooseApiLevel('Supported API versions: v1.0,v1.1'), { listed: ['v1.0', 'v1.1'] });
    assert.deepEqual(chooseApiLevel('404 page not found'), { listed: [] });
  });
});

describe('fetchHost', () => {
  test('a v2.0 host: machine, spec and stats with the asked count', async () => {
    const server = await cadvisor('v1.0,v1.1,v1.2,v1.3,v2.0');
    try {
      const got = await fetchHost(hostOf(server), options);
      assert.ok(got.ok);
      assert.equal(got.answer.version, 'v2.0');
      assert.deepEqual(got.answer, v20Answer());
      assert.deepEqual(server.requests.sort(), [
        '/api',
        '/api/v2.0/machine',
        '/api/v2.0/spec?type=name&recursive=true',
        '/api/v2.0/stats?type=name&recursive=true&count=5',
      ]);
    } finally {
      await server.close();
    }
  });

  test('a v1.3 host: machine and subcontainers', async () => {
    const server = await cadvisor('v1.0,v1.1,v1.2,v1.3');
    try {
      const got = await fetchHost(hostOf(server), options);
      assert.ok(got.ok);
      assert.deepEqual(got.answer, v13Answer());
      assert.deepEqual(server.requests.sort(), ['/api', '/api/v1.3/machine', '/api/v1.3/subcontainers/']);
    } finally {
      await server.close();
    }
  });

  test('failures keep the reason the report names', async () => {
    const old = await cadvisor('v1.0,v1.1');
    const notCadvisor = await loopback((_req, res) => send(res, 404, '404 page not found\n', 'text/plain'));
    const silent = await loopback((_req, res) => send(res, 400, 'bad request\n', 'text/plain'));
    const badStats = await cadvisor('v1.3,v2.0', { '/api/v2.0/stats': (res) => send(res, 200, '{"/": [') });
    const slow = await cadvisor('v1.3,v2.0', {
      '/api/v2.0/stats': (res) => setTimeout(() => send(res, 200, '{}'), 1500),
    });
    const closed = await cadvisor('v2.0');
    await closed.close();
    try {
      assert.deepEqual(await fetchHost(hostOf(old), options), {
        ok: false,
        reason: 'bad-body',
        message: 'GET /api lists API versions v1.0,v1.1; v1.3 or v2.0 is needed',
        status: 400,
      });
      assert.deepEqual(await fetchHost(hostOf(notCadvisor), options), {
        ok: false,
        reason: 'http-status',
        message: 'GET /api: HTTP 404: 404 page not found',
        status: 404,
      });
      assert.deepEqual(await fetchHost(hostOf(silent), options), {
        ok: false,
        reason: 'bad-body',
        message: 'GET /api lists no API versions; v1.3 or v2.0 is needed',
        status: 400,
      });
      const bad = await fetchHost(hostOf(badStats), options);
      assert.ok(!bad.ok);
      assert.equal(bad.reason, 'bad-body');
      assert.match(bad.message, /^GET \/api\/v2\.0\/stats\?type=name&recursive=true&count=5: not JSON: /);
      // The deadline is the host's: every request shares it.
      const started = Date.now();
      const late = await fetchHost(hostOf(slow), { ...options, timeoutMs: 400 });
      assert.ok(!late.ok);
      assert.equal(late.reason, 'timeout');
      assert.ok(Date.now() - started < 1200, `took ${Date.now() - started} ms`);
      const down = await fetchHost(hostOf(closed), options);
      assert.ok(!down.ok);
      assert.equal(down.reason, 'unreachable');
      assert.deepEqual(
        await fetchHost({ nodeName: 'm', hostname: 'm', address: undefined, port: 8080 }, options),
        {
          ok: false,
          reason: 'no-address',
          message: 'fleet lists the machine without a primaryIP',
        },
      );
      const small = await fetchHost(hostOf(badStats), { ...options, maxBodyBytes: 1024 });
      assert.ok(!small.ok);
      assert.equal(small.reason, 'too-large');
    } finally {
      await Promise.all([old.close(), notCadvisor.close(), silent.close(), badStats.close(), slow.close()]);
    }
  });
});
