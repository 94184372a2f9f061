import assert from 'node:assert/strict';
import { Agent } from 'undici';
import { after, describe, test } from 'node:test';
import type { CadvisorExternalSource } from '../../../../shared/config/source-uri.js';
import { discoverHosts } from '../../../../shared/sources/cadvisor/discover-hosts.js';
import type { HostsFileReaders } from '../../../../shared/sources/cadvisor/hosts-location.js';
import { loopback, send } from './loopback.js';

const dispatcher = new Agent();
after(() => dispatcher.destroy());

const external: CadvisorExternalSource = {
  kind: 'cadvisor:external',
  hostsFile: '/etc/heapster/hosts',
  standalone: false,
  cadvisorPort: 4194,
  timeoutMs: 2000,
  concurrency: 4,
  maxBodyBytes: 1 << 20,
  samples: 60,
};

const readers = (text: string): HostsFileReaders => ({
  readLocal: async () => text,
  readGcs: async () => ({ ok: false, error: 'not asked' }),
  secrets: { env: {}, readFile: () => undefined },
});

describe('discoverHosts', () => {
  test("standalone: only the cAdvisor on localhost, as Heapster's standalone mode", async () => {
    const found = await discoverHosts(
      { ...external, standalone: true },
      { dispatcher, readers: readers('not read') },
    );
    assert.deepEqual(found, {
      ok: true,
      hosts: [{ nodeName: 'localhost', hostname: 'localhost', address: '127.0.0.1', port: 4194 }],
      problems: [],
    });
  });

  test('hosts file: Name names the node, IP and cadvisorPort reach it', async () => {
    const found = await discoverHosts(external, {
      dispatcher,
      readers: readers(
        '{"Items":[{"Name":"server-105","IP":"192.168.99.105"},{"Name":"v6","IP":"fd00::5"}]}',
      ),
    });
    assert.deepEqual(found, {
      ok: true,
      hosts: [
        { nodeName: 'server-105', hostname: 'server-105', address: '192.168.99.105', port: 4194 },
        { nodeName: 'v6', hostname: 'v6', address: 'fd00::5', port: 4194 },
      ],
      problems: [],
    });
  });

  test('fleet: the machine ID names the node and is its host_id; an empty fleet is an error', async () => {
    const machines = [
      { id: 'a1', primaryIP: '10.0.0.1', metadata: {} },
      { id: 'b2', metadata: { role: 'worker' } },
    ];
    const full = await loopback((_req, res) => send(res, 200, JSON.stringify({ machines })));
    const empty = await loopback((_req, res) => send(res, 200, '{}'));
    try {
      const coreos = { ...external, kind: 'cadvisor:coreos' as const, fleetEndpoints: [full.url] };
      assert.deepEqual(await discoverHosts(coreos, { dispatcher }), {
        ok: true,
        hosts: [
          { nodeName: 'a1', hostname: '10.0.0.1', hostId: 'a1', address: '10.0.0.1', port: 4194 },
          { nodeName: 'b2', hostname: 'b2', hostId: 'b2', address: undefined, port: 4194 },
        ],
        problems: [],
      });
      assert.deepEqual(await discoverHosts({ ...coreos, fleetEndpoints: [empty.url] }, { dispatcher }), {
        ok: false,
        error: `fleet endpoint ${empty.url} lists no machines`,
      });
    } finally {
      await Promise.all([full.close(), empty.close()]);
    }
  });
});
