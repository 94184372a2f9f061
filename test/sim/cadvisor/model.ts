import type { Instant } from './go-time.js';

/** The newest REST API a simulated cAdvisor answers: v1.3 hosts serve v1.0-v1.3, v2.0 hosts add v2.0. */
export const CADVISOR_API_VERSIONS = ['v1.3', 'v2.0'] as const;
export type CadvisorApiVersion = (typeof CADVISOR_API_VERSIONS)[number];

/** Every version string a host of the given level accepts in /api/<version>/..., as cAdvisor lists them. */
export function servedApiVersions(level: CadvisorApiVersion): readonly string[] {
  const v1 = ['v1.0', 'v1.1', 'v1.2', 'v1.3'];
  return level === 'v2.0' ? [...v1, 'v2.0'] : v1;
}

/**
 * root: the machine ("/"); system: a raw cgroup such as /system.slice/kubelet.service; pod-infra: a pod's
 * sandbox ("POD", the pause container); pod-app: a container the kubelet runs for a pod; docker: a docker
 * container started by hand, without Kubernetes labels.
 */
export const CONTAINER_KINDS = ['root', 'system', 'pod-infra', 'pod-app', 'docker'] as const;
export type ContainerKind = (typeof CONTAINER_KINDS)[number];

/** What one cgroup does by itself; a parent's counters add up its own load and all of its descendants'. */
export interface ContainerLoad {
  /** Average cores busy. */
  cpuCores: number;
  /** Mean memory usage; the served usage swings ±4 % around it. */
  memoryBytes: number;
  /** Network traffic this container adds to its network namespace. */
  rxBytesPerSecond: number;
  txBytesPerSecond: number;
  diskReadBytesPerSecond: number;
  diskWriteBytesPerSecond: number;
  /** Writable-layer size when the container was created (docker containers only). */
  fsUsageBytes: number;
  fsGrowthBytesPerSecond: number;
}

export interface PodRef {
  name: string;
  namespace: string;
  uid: string;
  /** io.kubernetes.container.name: "POD" for the sandbox. */
  container: string;
}

export interface NetInterfaceModel {
  name: string;
  rxBytesPerSecond: number;
  txBytesPerSecond: number;
}

/** A network namespace: every container in it shows the same interface counters, counted from `sinceMs`. */
export interface NetnsModel {
  key: string;
  sinceMs: number;
  interfaces: NetInterfaceModel[];
}

export interface ContainerModel {
  /** Absolute cgroup name, the key of cAdvisor's API: "/", "/docker/<id>", "/system.slice/docker.service". */
  name: string;
  kind: ContainerKind;
  /** Docker id (64 hex digits) for docker containers. */
  id?: string;
  /** Docker name and id, in this order, as cAdvisor's docker handler lists them. */
  aliases: string[];
  namespace?: 'docker';
  /** Keys sorted, as Go's encoding/json writes a map. */
  labels: Record<string, string>;
  image?: string;
  creationMs: number;
  parent?: string;
  children: string[];
  own: ContainerLoad;
  cpuShares: number;
  /** CFS quota as cores; undefined means no limit. */
  cpuLimitCores?: number;
  /** undefined means unlimited (cgroup v1 reads that as 9223372036854771712). */
  memoryLimitBytes?: number;
  /** The namespace whose interfaces this container reports; undefined: has_network false. */
  netns?: NetnsModel;
  /** Block device (disk name such as "sdb") its own I/O goes to. */
  disk: string;
  /** Filesystem device of its writable layer (docker containers only). */
  fsDevice?: string;
  pod?: PodRef;
  processCount: number;
  /** Offset of its housekeeping ticks within the interval. */
  phase: Instant;
  /** Stable per-container number that shapes its curves. */
  hash: number;
}

export interface DiskModel {
  name: string;
  major: number;
  minor: number;
  size: number;
  scheduler: string;
}

export interface FilesystemModel {
  device: string;
  /** The disk in disk_map that holds it, e.g. "sda" for "/dev/sda1". */
  disk: string;
  mountpoint: string;
  capacity: number;
  inodes: number;
  /** Bytes used by everything but docker containers' writable layers. */
  baseUsage: number;
}

export interface NicModel {
  name: string;
  macAddress: string;
  speedMbps: number;
  mtu: number;
}

export interface MachineModel {
  numCores: number;
  numPhysicalCores: number;
  numSockets: number;
  cpuFrequencyKhz: number;
  memoryCapacity: number;
  machineId: string;
  systemUuid: string;
  bootId: string;
  bootMs: number;
  disks: DiskModel[];
  filesystems: FilesystemModel[];
  nics: NicModel[];
  cloudProvider: string;
  instanceType: string;
  instanceId: string;
  kernelVersion: string;
  containerOsVersion: string;
  dockerVersion: string;
  cadvisorVersion: string;
}

export interface HostModel {
  index: number;
  name: string;
  ip: string;
  port: number;
  apiVersion: CadvisorApiVersion;
  machine: MachineModel;
  /** Sorted by name, "/" first. */
  containers: Map<string, ContainerModel>;
  housekeepingIntervalMs: number;
  /** Samples each container keeps (cAdvisor's storage_duration divided by the housekeeping interval). */
  historySamples: number;
}

export function containerOf(host: HostModel, name: string): ContainerModel {
  const c = host.containers.get(name);
  if (c === undefined) throw new Error(`${host.name} has no container ${name}`);
  return c;
}

/** The container and all of its descendants, the container first. */
export function subtree(host: HostModel, name: string): ContainerModel[] {
  const c = containerOf(host, name);
  return [c, ...c.children.flatMap((child) => subtree(host, child))];
}

/** Nanoseconds the container has existed at `at` (0 before its creation). */
export function elapsedNs(c: ContainerModel, at: Instant): number {
  return Math.max(0, (at.ms - c.creationMs) * 1_000_000 + at.ns);
}
