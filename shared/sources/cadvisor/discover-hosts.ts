import type { Dispatcher } from 'undici';
import type { CadvisorSource } from '../../config/source-uri.js';
import { listFleetMachines } from './fleet.js';
import { readHostsFile, type HostsFileReaders } from './hosts-location.js';
import type { CadvisorHost } from './types.js';

export type HostDiscovery =
  | { readonly ok: true; readonly hosts: readonly CadvisorHost[]; readonly problems: readonly string[] }
  | { readonly ok: false; readonly error: string };

export interface DiscoverOptions {
  readonly dispatcher: Dispatcher;
  readonly readers?: HostsFileReaders;
  readonly signal?: AbortSignal;
}

/** The hosts a cAdvisor source names this round: localhost, the hosts file's, or fleet's machines. */
export async function discoverHosts(source: CadvisorSource, o: DiscoverOptions): Promise<HostDiscovery> {
  const port = source.cadvisorPort;
  if (source.kind === 'cadvisor:external') {
    // Heapster's standalone mode: the cAdvisor next to it, named localhost.
    if (source.standalone)
      return {
        ok: true,
        hosts: [{ nodeName: 'localhost', hostname: 'localhost', address: '127.0.0.1', port }],
        problems: [],
      };
    const read = await readHostsFile(source.hostsFile, o.readers, o.signal);
    if (!read.ok) return read;
    return {
      ok: true,
      hosts: read.hosts.map((h) => ({ nodeName: h.name, hostname: h.name, address: h.ip, port })),
      problems: [],
    };
  }
  const listed = await listFleetMachines(source.fleetEndpoints, {
    dispatcher: o.dispatcher,
    timeoutMs: source.timeoutMs,
    maxBodyBytes: source.maxBodyBytes,
    ...(o.signal !== undefined ? { signal: o.signal } : {}),
  });
  if (!listed.ok) return listed;
  if (listed.machines.length === 0)
    return { ok: false, error: `fleet endpoint ${listed.endpoint} lists no machines` };
  // Heapster keyed fleet machines by their ID; the primary IP is how the machine is known on the network.
  return {
    ok: true,
    hosts: listed.machines.map((m) => ({
      nodeName: m.id,
      hostname: m.primaryIP ?? m.id,
      hostId: m.id,
      address: m.primaryIP,
      port,
    })),
    problems: listed.skipped,
  };
}
