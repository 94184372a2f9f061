import { sampleContainer, type ContainerSample } from './counters.js';
import { sampleInstants } from './housekeeping.js';
import { goTime, parseGoTime } from './go-time.js';
import { containerOf, subtree, type ContainerModel, type HostModel, type PodRef } from './model.js';

/** What a test may know about a container without asking the server. */
export interface ContainerFacts {
  name: string;
  kind: ContainerModel['kind'];
  id?: string;
  aliases: readonly string[];
  namespace?: string;
  labels: Readonly<Record<string, string>>;
  image?: string;
  creationTime: string;
  parent?: string;
  children: readonly string[];
  pod?: PodRef;
  cpuShares: number;
  cpuLimitCores?: number;
  memoryLimitBytes?: number;
}

/** The rates and levels a container's served numbers follow, its subtree included. */
export interface ObservedLoad {
  cpuCores: number;
  /** Mean of memory usage (the served value swings ±4 % around it). */
  memoryBytes: number;
  /** Per interface of the container's network namespace; empty without one. */
  interfaces: readonly { name: string; rxBytesPerSecond: number; txBytesPerSecond: number }[];
  rxBytesPerSecond: number;
  txBytesPerSecond: number;
  diskReadBytesPerSecond: number;
  diskWriteBytesPerSecond: number;
}

export interface CadvisorTruth {
  containers(host: string): readonly ContainerFacts[];
  load(host: string, container: string): ObservedLoad;
  /** Timestamps a stats request at simulated time `nowMs` would get (newest `count`, all for -1), oldest first. */
  sampleTimes(host: string, container: string, count: number, nowMs: number): string[];
  /** Exactly the numbers served for the sample with this timestamp (any instant works, served or not). */
  sample(host: string, container: string, timestamp: string): ContainerSample;
}

function facts(c: ContainerModel): ContainerFacts {
  return {
    name: c.name,
    kind: c.kind,
    ...(c.id !== undefined ? { id: c.id } : {}),
    aliases: c.aliases,
    ...(c.namespace !== undefined ? { namespace: c.namespace } : {}),
    labels: c.labels,
    ...(c.image !== undefined ? { image: c.image } : {}),
    creationTime: goTime({ ms: c.creationMs, ns: 0 }),
    ...(c.parent !== undefined ? { parent: c.parent } : {}),
    children: c.children,
    ...(c.pod !== undefined ? { pod: c.pod } : {}),
    cpuShares: c.cpuShares,
    ...(c.cpuLimitCores !== undefined ? { cpuLimitCores: c.cpuLimitCores } : {}),
    ...(c.memoryLimitBytes !== undefined ? { memoryLimitBytes: c.memoryLimitBytes } : {}),
  };
}

export function createTruth(hostByName: (name: string) => HostModel): CadvisorTruth {
  return {
    containers: (host) => [...hostByName(host).containers.values()].map(facts),
    load: (host, container) => {
      const h = hostByName(host);
      const nodes = subtree(h, container);
      const sum = (pick: (c: ContainerModel) => number): number => nodes.reduce((a, c) => a + pick(c), 0);
      const interfaces = (containerOf(h, container).netns?.interfaces ?? []).map((i) => ({ ...i }));
      return {
        cpuCores: sum((c) => c.own.cpuCores),
        memoryBytes: sum((c) => c.own.memoryBytes),
        interfaces,
        rxBytesPerSecond: interfaces.reduce((a, i) => a + i.rxBytesPerSecond, 0),
        txBytesPerSecond: interfaces.reduce((a, i) => a + i.txBytesPerSecond, 0),
        diskReadBytesPerSecond: sum((c) => c.own.diskReadBytesPerSecond),
        diskWriteBytesPerSecond: sum((c) => c.own.diskWriteBytesPerSecond),
      };
    },
    sampleTimes: (host, container, count, nowMs) => {
      const all = sampleInstants(hostByName(host), container, nowMs).map(goTime);
      return count < 0 ? all : all.slice(Math.max(0, all.length - count));
    },
    sample: (host, container, timestamp) => {
      const at = parseGoTime(timestamp);
      if (at === undefined) throw new Error(`not an RFC 3339 time: ${timestamp}`);
      return sampleContainer(hostByName(host), container, at);
    },
  };
}
