import { uuid, type Rng } from '../rng.js';
import type { MachineModel } from './model.js';

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

export function between(rng: Rng, min: number, max: number): number {
  return min + rng.next() * (max - min);
}

/** A GCE-like VM: 2-8 vCPUs at 3.75 GiB each, a boot disk and a docker data disk, two NICs. */
export function buildMachine(rng: Rng, anchorMs: number): MachineModel {
  const numCores = rng.pick([2, 4, 8]);
  const bootMs = anchorMs - rng.int(8, 30) * 3_600_000 - rng.int(0, 3_599_999);
  const mac = (): string => `42:01:0a:80:${rng.hex(2)}:${rng.hex(2)}`;
  return {
    numCores,
    numPhysicalCores: numCores / 2,
    numSockets: 1,
    cpuFrequencyKhz: rng.pick([2200000, 2300000, 2600000]),
    memoryCapacity: numCores * 3.75 * GIB,
    machineId: rng.hex(32),
    systemUuid: uuid(rng).toUpperCase(),
    bootId: uuid(rng),
    bootMs,
    disks: [
      { name: 'sda', major: 8, minor: 0, size: 100 * GIB, scheduler: 'mq-deadline' },
      { name: 'sdb', major: 8, minor: 16, size: 200 * GIB, scheduler: 'mq-deadline' },
    ],
    filesystems: [
      {
        device: '/dev/sda1',
        disk: 'sda',
        mountpoint: '/',
        capacity: 98 * GIB,
        inodes: 6_400_000,
        baseUsage: Math.round(between(rng, 6, 14) * GIB),
      },
      {
        device: '/dev/sdb1',
        disk: 'sdb',
        mountpoint: '/var/lib/docker',
        capacity: 196 * GIB,
        inodes: 12_800_000,
        baseUsage: Math.round(between(rng, 3, 9) * GIB),
      },
    ],
    nics: [
      { name: 'eth0', macAddress: mac(), speedMbps: 10000, mtu: 1460 },
      { name: 'eth1', macAddress: mac(), speedMbps: 10000, mtu: 1460 },
    ],
    cloudProvider: 'GCE',
    instanceType: `n1-standard-${numCores}`,
    instanceId: String(rng.int(1_000_000_000, 9_999_999_999)),
    kernelVersion: '4.19.112+',
    containerOsVersion: 'Container-Optimized OS from Google',
    dockerVersion: '19.03.6',
    cadvisorVersion: 'v0.34.0',
  };
}
