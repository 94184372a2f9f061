import { writeFile } from 'node:fs/promises';
import type { SimClock } from '../clock.js';
import type { Fault } from '../faults.js';
import { addressBlock } from '../loopback.js';
import { buildHost, type LoadOverride } from './build-host.js';
import { FleetEndpoint, type FleetMachine } from './fleet.js';
import { CadvisorHostServer } from './host-server.js';
import type { CadvisorApiVersion, HostModel } from './model.js';
import { createTruth, type CadvisorTruth } from './truth.js';

export type { CadvisorApiVersion } from './model.js';
export type { CadvisorTruth, ContainerFacts, ObservedLoad } from './truth.js';
export type { ContainerSample } from './sample-types.js';
export { MISSING_FIELDS } from './json.js';
export { DEFAULT_NUM_STATS, DEFAULT_V2_COUNT } from './host-api.js';

export interface CadvisorFleetOptions {
  hosts: number;
  /** Second octet of the 127.B.0.0/16 block the hosts listen in. */
  secondOctet: number;
  clock: SimClock;
  seed: number;
  /** API level per host, cycled over the hosts; default ['v2.0', 'v1.3']. */
  versions?: readonly CadvisorApiVersion[];
  /**
   * Port every host listens on (cAdvisor's default 8080). 0 lets each host take a free one, which the hosts
   * file cannot express: use `hosts[i].url` then.
   */
  port?: number;
  /** Housekeeping interval: one stats sample per container per interval. Default 1000 ms. */
  housekeepingIntervalMs?: number;
  /** Samples each container keeps; default 120 (cAdvisor's 2 min storage at 1 s housekeeping). */
  historySamples?: number;
  /** Number of fleet API endpoints, all listing the same machines; default 1. */
  fleetEndpoints?: number;
  /** Machines per fleet page; default 100. */
  fleetPageSize?: number;
  /** Pins the own load of chosen containers. */
  load?: LoadOverride;
}

export interface CadvisorHostInfo {
  name: string;
  ip: string;
  port: number;
  apiVersion: CadvisorApiVersion;
  /** http://ip:port */
  url: string;
  machineId: string;
}

/** A host by name or by index, or 'all'. */
export type HostSelector = string | number | 'all';

export interface CadvisorFleet {
  hosts: readonly CadvisorHostInfo[];
  /** Base URLs of the fleet endpoints (the API is at <url>/fleet/v1/machines). */
  fleetUrls: readonly string[];
  /** Writes Heapster's external hosts file, {"Items":[{"Name":..., "IP":...}]}. */
  hostsFile(path: string): Promise<void>;
  truth: CadvisorTruth;
  /**
   * Sets (or, without `fault`, clears) a host's fault. 'all' applies the fault to every host and drops the
   * per-host ones; setFault('all') clears every fault. Resolves once an unreachable host has stopped listening
   * or a recovered one listens again.
   */
  setFault(host: HostSelector, fault?: Fault): Promise<void>;
  setFleetFault(index: number, fault?: Fault): Promise<void>;
  stop(): Promise<void>;
}

export async function startCadvisorFleet(options: CadvisorFleetOptions): Promise<CadvisorFleet> {
  const block = addressBlock(options.secondOctet);
  const versions = options.versions ?? ['v2.0', 'v1.3'];
  if (versions.length === 0) throw new Error('versions must name at least one API version');
  const anchorMs = Math.floor(options.clock.now() / 60_000) * 60_000;
  const models: HostModel[] = Array.from({ length: options.hosts }, (_, index) =>
    buildHost({
      index,
      name: `cadvisor-${index}`,
      ip: block.cadvisorHost(index),
      port: options.port ?? 8080,
      apiVersion: versions[index % versions.length] as CadvisorApiVersion,
      seed: options.seed,
      anchorMs,
      housekeepingIntervalMs: options.housekeepingIntervalMs ?? 1000,
      historySamples: options.historySamples ?? 120,
      load: options.load,
    }),
  );
  const byName = new Map(models.map((h) => [h.name, h]));
  let globalFault: Fault | undefined;
  const hostFaults = new Map<string, Fault>();
  const faultOf = (name: string): Fault | undefined => hostFaults.get(name) ?? globalFault;
  const servers = models.map((h) => new CadvisorHostServer(h, options.clock, () => faultOf(h.name)));
  const fleets = Array.from(
    { length: options.fleetEndpoints ?? 1 },
    () => new FleetEndpoint(() => fleetMachines(models), options.fleetPageSize ?? 100),
  );

  let stopped = false;
  const stopAll = async (): Promise<void> => {
    stopped = true;
    await Promise.all([...servers.map((s) => s.stop()), ...fleets.map((f) => f.stop())]);
  };
  try {
    for (const s of servers) await s.start();
    for (const f of fleets) await f.start();
  } catch (err) {
    await stopAll();
    throw err;
  }

  const hostModel = (selector: string | number): HostModel => {
    const h = typeof selector === 'number' ? models[selector] : byName.get(selector);
    if (h === undefined) throw new Error(`no simulated cAdvisor host ${selector}`);
    return h;
  };
  const reconcile = async (): Promise<void> => {
    if (stopped) throw new Error('the simulated cAdvisor fleet has been stopped');
    await Promise.all(
      servers.map((s) => (faultOf(s.host.name)?.kind === 'unreachable' ? s.stop() : s.start())),
    );
  };

  return {
    hosts: models.map((h) => ({
      name: h.name,
      ip: h.ip,
      port: h.port,
      apiVersion: h.apiVersion,
      url: `http://${h.ip}:${h.port}`,
      machineId: h.machine.machineId,
    })),
    fleetUrls: fleets.map((f) => f.url),
    hostsFile: (path) =>
      writeFile(
        path,
        JSON.stringify({ Items: models.map((h) => ({ Name: h.name, IP: h.ip })) }, null, 2) + '\n',
      ),
    truth: createTruth((name) => hostModel(name)),
    setFault: async (selector, fault) => {
      if (selector === 'all') {
        globalFault = fault;
        hostFaults.clear();
      } else {
        const h = hostModel(selector);
        if (fault === undefined) hostFaults.delete(h.name);
        else hostFaults.set(h.name, fault);
      }
      await reconcile();
    },
    setFleetFault: async (index, fault) => {
      const f = fleets[index];
      if (f === undefined) throw new Error(`no fleet endpoint ${index}`);
      if (stopped) throw new Error('the simulated cAdvisor fleet has been stopped');
      await f.setFault(fault);
    },
    stop: stopAll,
  };
}

function fleetMachines(models: readonly HostModel[]): FleetMachine[] {
  return models
    .map((h) => ({
      id: h.machine.machineId,
      primaryIP: h.ip,
      metadata: { hostname: h.name, region: 'us-central1', role: h.index === 0 ? 'etcd' : 'worker' },
    }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
