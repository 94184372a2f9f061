import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClock } from '../clock.js';
import { checkShape } from './go-shape-check.js';
import { V1_MACHINE_INFO, V2_CONTAINER_STATS } from './go-shapes.js';
import type { CadvisorFleet, CadvisorHostInfo } from './index.js';
import { MISSING_FIELDS } from './index.js';
import { startOnFreeBlock, tcpProbe } from './test-support.js';

let fleet: CadvisorFleet;
let host: CadvisorHostInfo;
let other: CadvisorHostInfo;

before(async () => {
  fleet = await startOnFreeBlock({ hosts: 2, clock: createClock(), seed: 99 });
  host = fleet.hosts[0] as CadvisorHostInfo;
  other = fleet.hosts[1] as CadvisorHostInfo;
});
after(() => fleet.stop());

const statsUrl = (): string => `${host.url}/api/v2.0/stats/?recursive=true&count=2`;

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return cause?.code ?? (err as Error).name;
  }
  return 'no error';
}

describe('faults on one host', () => {
  test('slow answers correctly after the delay', async () => {
    await fleet.setFault(host.name, { kind: 'slow', delayMs: 300 });
    const started = performance.now();
    const res = await fetch(`${host.url}/api/v2.0/machine`);
    assert.equal(res.status, 200);
    assert.ok(performance.now() - started >= 290);
    assert.equal(((await res.json()) as { machine_id: string }).machine_id, host.machineId);
    await fleet.setFault(host.name);
  });

  test('hang never answers', async () => {
    await fleet.setFault(host.name, { kind: 'hang' });
    const code = await errorCode(fetch(`${host.url}/api/v2.0/machine`, { signal: AbortSignal.timeout(300) }));
    assert.equal(code, 'TimeoutError');
    await fleet.setFault(host.name);
  });

  test('status answers with the code (and Retry-After), also on /api', async () => {
    await fleet.setFault(host.name, { kind: 'status', code: 503, retryAfterSeconds: 7 });
    const res = await fetch(statsUrl());
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('retry-after'), '7');
    await res.text();
    assert.equal((await fetch(`${host.url}/api`)).status, 503);
    await fleet.setFault(host.name);
  });

  test('reset closes the connection without an answer', async () => {
    await fleet.setFault(host.name, { kind: 'reset' });
    assert.notEqual(await errorCode(fetch(statsUrl())), 'no error');
    await fleet.setFault(host.name);
  });

  test('truncated sends half of the promised body', async () => {
    await fleet.setFault(host.name, { kind: 'truncated' });
    const res = await fetch(statsUrl());
    assert.equal(res.status, 200);
    assert.notEqual(await errorCode(res.text()), 'no error');
    await fleet.setFault(host.name);
  });

  test('malformed is a 200 whose body is not JSON', async () => {
    await fleet.setFault(host.name, { kind: 'malformed' });
    const res = await fetch(statsUrl());
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.throws(() => JSON.parse(body), SyntaxError);
    await fleet.setFault(host.name);
  });

  test('missing-fields leaves exactly the listed properties out of stats and machine info', async () => {
    await fleet.setFault(host.name, { kind: 'missing-fields' });
    const stats = (await (await fetch(statsUrl())).json()) as Record<string, Record<string, unknown>[]>;
    const sample = stats['/']?.[1] as Record<string, unknown>;
    assert.deepEqual(checkShape(sample, V2_CONTAINER_STATS).sort(), [
      '$.memory: missing',
      '$.network: missing',
    ]);
    for (const key of MISSING_FIELDS.stats.filter((k) => !k.includes('.')))
      assert.equal(key in sample, false);
    const usage = (sample['cpu'] as { usage: Record<string, unknown> }).usage;
    assert.equal('per_cpu_usage' in usage, false);
    assert.equal(typeof usage['total'], 'number');
    const machine = await (await fetch(`${host.url}/api/v1.3/machine`)).json();
    assert.deepEqual(checkShape(machine, V1_MACHINE_INFO).sort(), [
      '$.filesystems: missing',
      '$.network_devices: missing',
      '$.topology: missing',
    ]);
    await fleet.setFault(host.name);
  });

  test('huge streams a valid JSON body of about the asked size', async () => {
    await fleet.setFault(host.name, { kind: 'huge', bytes: 2 * 1024 * 1024 });
    const res = await fetch(statsUrl());
    assert.equal(res.headers.get('content-length'), null);
    const body = await res.text();
    assert.ok(body.length >= 2 * 1024 * 1024 && body.length < 3 * 1024 * 1024, `${body.length} bytes`);
    assert.doesNotThrow(() => JSON.parse(body));
    await fleet.setFault(host.name);
  });

  test('unreachable stops listening; clearing the fault brings the host back on the same address', async () => {
    await fleet.setFault(host.name, { kind: 'unreachable' });
    assert.equal(await tcpProbe(host.ip, host.port), 'ECONNREFUSED');
    assert.equal((await fetch(`${other.url}/api`)).status, 400);
    await fleet.setFault(host.name);
    assert.equal((await fetch(`${host.url}/api`)).status, 400);
  });
});

describe('faults across hosts', () => {
  test('overlapping fault changes settle in call order', async () => {
    await Promise.all([
      fleet.setFault(host.name, { kind: 'unreachable' }),
      fleet.setFault(host.name),
      fleet.setFault(host.name, { kind: 'unreachable' }),
      fleet.setFault(host.name),
    ]);
    assert.equal(await tcpProbe(host.ip, host.port), 'connected');
  });

  test("'all' reaches every host; a host's own fault wins; setFault('all') clears everything", async () => {
    await fleet.setFault('all', { kind: 'status', code: 502 });
    await fleet.setFault(1, { kind: 'status', code: 429 });
    assert.equal((await fetch(`${host.url}/api/v2.0/machine`)).status, 502);
    assert.equal((await fetch(`${other.url}/api/v1.3/machine`)).status, 429);
    await fleet.setFault(other.name);
    assert.equal((await fetch(`${other.url}/api/v1.3/machine`)).status, 502);
    await fleet.setFault('all', { kind: 'unreachable' });
    assert.equal(await tcpProbe(other.ip, other.port), 'ECONNREFUSED');
    await fleet.setFault('all');
    for (const h of fleet.hosts) assert.equal((await fetch(`${h.url}/api/v1.3/machine`)).status, 200);
  });
});
