import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimClock } from '../sim/clock.js';
import type { CadvisorFleet } from '../sim/cadvisor/index.js';
import { startOnFreeBlock } from '../sim/cadvisor/test-support.js';
import { freePort } from '../support/processes.js';
import { frozenClock, machinesOf } from './cadvisor-expected.js';

/** Four simulated cAdvisor hosts (v2.0 and v1.3 alternating) behind two fleet endpoints, with a hosts file. */
export interface HostsFixture {
  readonly fleet: CadvisorFleet;
  /** Frozen: it moves only when a test advances it, so the samples a request gets are known exactly. */
  readonly clock: SimClock;
  /** The port every host listens on, each on its own loopback address. */
  readonly port: number;
  /** A temporary folder of the test's own, removed by stop(). */
  readonly dir: string;
  /** Heapster's hosts file listing every host, in `dir`. */
  readonly hostsFile: string;
  /** Each host's machine info, as its /api/v1.3/machine answers it. */
  readonly machines: ReadonlyMap<string, { cores: number; memory: number }>;
  stop(): Promise<void>;
}

export async function startHostsFixture(o: {
  name: string;
  seed: number;
  /** Where within its second the frozen clock starts (the hosts sample on whole seconds). */
  clockOffsetMs: number;
  fleetPageSize?: number;
}): Promise<HostsFixture> {
  const clock = frozenClock(Math.floor(Date.now() / 1000) * 1000 + o.clockOffsetMs);
  const port = await freePort();
  const fleet = await startOnFreeBlock({
    hosts: 4,
    clock,
    seed: o.seed,
    port,
    versions: ['v2.0', 'v1.3'],
    fleetEndpoints: 2,
    ...(o.fleetPageSize !== undefined ? { fleetPageSize: o.fleetPageSize } : {}),
  });
  const dir = await mkdtemp(join(tmpdir(), `${o.name}-`));
  const stop = async (): Promise<void> => {
    await fleet.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const hostsFile = join(dir, 'hosts.json');
    await fleet.hostsFile(hostsFile);
    return { fleet, clock, port, dir, hostsFile, machines: await machinesOf(fleet), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A small simulated cluster to scrape beside the hosts (kubelets reached through the API server's proxy). */
export const SMALL_CLUSTER = {
  nodes: 3,
  podsPerNode: 3,
  containersPerPod: 1,
  kubeletHttpPort: 0,
  kubeletHttpsPort: 0,
} as const;
