import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClock } from '../clock.js';
import { close, listen } from '../loopback.js';
import type { CadvisorFleet } from './index.js';
import { startOnFreeBlock, tcpProbe } from './test-support.js';

interface MachinesPage {
  machines: { id: string; primaryIP: string; metadata: Record<string, string> }[];
  nextPageToken?: string;
}

let fleet: CadvisorFleet;

before(async () => {
  fleet = await startOnFreeBlock({
    hosts: 5,
    clock: createClock(),
    seed: 5,
    fleetEndpoints: 2,
    fleetPageSize: 2,
    versions: ['v1.3'],
  });
});
after(() => fleet.stop());

async function listMachines(base: string): Promise<{ pages: number; machines: MachinesPage['machines'] }> {
  const machines: MachinesPage['machines'] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const url = new URL('/fleet/v1/machines', base);
    if (token !== undefined) url.searchParams.set('nextPageToken', token);
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const page = (await res.json()) as MachinesPage;
    machines.push(...page.machines);
    pages++;
    token = page.nextPageToken;
  } while (token !== undefined);
  return { pages, machines };
}

describe('fleet endpoint', () => {
  test('lists every cAdvisor host by machine-id and primary IP, two per page', async () => {
    assert.equal(fleet.fleetUrls.length, 2);
    assert.ok(fleet.hosts.every((h) => h.apiVersion === 'v1.3'));
    const { pages, machines } = await listMachines(fleet.fleetUrls[0] as string);
    assert.equal(pages, 3);
    assert.deepEqual(
      machines.map((m) => [m.id, m.primaryIP]).sort(),
      fleet.hosts.map((h) => [h.machineId, h.ip]).sort(),
    );
    for (const m of machines) assert.match(m.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(await listMachines(fleet.fleetUrls[1] as string), { pages, machines });
  });

  test('a bad page token is a 400 with fleet error entity', async () => {
    const res = await fetch(`${fleet.fleetUrls[0]}/fleet/v1/machines?nextPageToken=garbage`);
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      error: { code: 400, message: 'invalid value of nextPageToken query parameter' },
    });
  });

  test('one endpoint failing leaves the other; it comes back on the same URL', async () => {
    const [first, second] = fleet.fleetUrls as [string, string];
    await fleet.setFleetFault(0, { kind: 'status', code: 503 });
    const failed = await fetch(`${first}/fleet/v1/machines`);
    assert.equal(failed.status, 503);
    assert.deepEqual(((await failed.json()) as { error: { code: number } }).error.code, 503);
    await fleet.setFleetFault(0, { kind: 'unreachable' });
    const url = new URL(first);
    assert.equal(await tcpProbe(url.hostname, Number(url.port)), 'ECONNREFUSED');
    assert.equal((await listMachines(second)).machines.length, 5);
    await fleet.setFleetFault(0);
    assert.equal((await listMachines(first)).machines.length, 5);
  });

  test('writes the hosts file Heapster reads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cadvisor-hosts-'));
    try {
      const path = join(dir, 'hosts');
      await fleet.hostsFile(path);
      const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown;
      assert.deepEqual(parsed, { Items: fleet.hosts.map((h) => ({ Name: h.name, IP: h.ip })) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('stop() frees every address and port', async () => {
    const fleetUrl = new URL(fleet.fleetUrls[0] as string);
    await fleet.stop();
    for (const h of fleet.hosts) assert.equal(await tcpProbe(h.ip, h.port), 'ECONNREFUSED');
    const targets = [
      ...fleet.hosts.map((h) => [h.ip, h.port] as const),
      [fleetUrl.hostname, Number(fleetUrl.port)] as const,
    ];
    for (const [ip, port] of targets) {
      const server = createServer();
      assert.equal(await listen(server, ip, port), port);
      await close(server);
    }
  });
});
