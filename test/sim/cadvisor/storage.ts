import type { Instant } from './go-time.js';
import { elapsedNs, type ContainerModel, type FilesystemModel, type HostModel } from './model.js';
import type { BlkioStats, DiskIoSample, FsSample } from './sample-types.js';

function ownFsUsage(c: ContainerModel, at: Instant): number {
  return c.own.fsUsageBytes + Math.floor((c.own.fsGrowthBytesPerSecond * elapsedNs(c, at)) / 1e9);
}

function deviceUsage(host: HostModel, fs: FilesystemModel, at: Instant): number {
  let used = fs.baseUsage;
  for (const c of host.containers.values()) if (c.fsDevice === fs.device) used += ownFsUsage(c, at);
  return used;
}

export function diskIo(host: HostModel, nodes: ContainerModel[], at: Instant): DiskIoSample[] {
  const byDisk = new Map<string, { read: number; write: number; readOps: number; writeOps: number }>();
  for (const c of nodes) {
    const { diskReadBytesPerSecond: r, diskWriteBytesPerSecond: w } = c.own;
    if (r === 0 && w === 0) continue;
    const seconds = elapsedNs(c, at) / 1e9;
    const read = Math.floor(r * seconds);
    const write = Math.floor(w * seconds);
    const acc = byDisk.get(c.disk) ?? { read: 0, write: 0, readOps: 0, writeOps: 0 };
    acc.read += read;
    acc.write += write;
    acc.readOps += Math.floor(read / 32768);
    acc.writeOps += Math.floor(write / 16384);
    byDisk.set(c.disk, acc);
  }
  const blkio = (read: number, write: number): BlkioStats => {
    const sync = read + Math.floor(write / 4);
    return { Async: read + write - sync, Read: read, Sync: sync, Total: read + write, Write: write };
  };
  return host.machine.disks
    .filter((d) => byDisk.has(d.name))
    .map((d) => {
      const acc = byDisk.get(d.name) as { read: number; write: number; readOps: number; writeOps: number };
      return {
        device: `/dev/${d.name}`,
        major: d.major,
        minor: d.minor,
        bytes: blkio(acc.read, acc.write),
        ops: blkio(acc.readOps, acc.writeOps),
      };
    });
}

const EMPTY_FS_IO = {
  readsCompleted: 0,
  readsMerged: 0,
  sectorsRead: 0,
  readTime: 0,
  writesCompleted: 0,
  writesMerged: 0,
  sectorsWritten: 0,
  writeTime: 0,
  ioInProgress: 0,
  ioTime: 0,
  weightedIoTime: 0,
};

/** Root: every machine filesystem with its disk counters; a docker container: its writable layer. */
export function filesystems(host: HostModel, c: ContainerModel, io: DiskIoSample[], at: Instant): FsSample[] {
  const inodesUsed = (bytes: number): number => Math.floor(bytes / 32768);
  const free = (fs: FilesystemModel, used: number): { available: number; inodesFree: number } => ({
    available: Math.max(0, fs.capacity - used - Math.floor(fs.capacity * 0.05)),
    inodesFree: fs.inodes - 40_000 - inodesUsed(used),
  });
  if (c.kind === 'root') {
    return host.machine.filesystems.map((fs) => {
      const used = deviceUsage(host, fs, at);
      const disk = io.find((d) => d.device === `/dev/${fs.disk}`);
      const reads = disk?.ops.Read ?? 0;
      const writes = disk?.ops.Write ?? 0;
      return {
        device: fs.device,
        type: 'vfs',
        capacity: fs.capacity,
        usage: used,
        baseUsage: 0,
        ...free(fs, used),
        inodes: fs.inodes,
        readsCompleted: reads,
        readsMerged: Math.floor(reads / 10),
        sectorsRead: Math.floor((disk?.bytes.Read ?? 0) / 512),
        readTime: Math.floor(reads * 0.8),
        writesCompleted: writes,
        writesMerged: Math.floor(writes / 3),
        sectorsWritten: Math.floor((disk?.bytes.Write ?? 0) / 512),
        writeTime: Math.floor(writes * 1.5),
        ioInProgress: 0,
        ioTime: Math.floor((reads + writes) / 2),
        weightedIoTime: Math.floor((reads + writes) * 0.75),
      };
    });
  }
  const fs = host.machine.filesystems.find((f) => f.device === c.fsDevice);
  if (fs === undefined) return [];
  const usage = ownFsUsage(c, at);
  const device = free(fs, deviceUsage(host, fs, at));
  return [
    {
      device: fs.device,
      type: 'vfs',
      capacity: fs.capacity,
      usage,
      baseUsage: Math.floor(usage * 0.8),
      available: device.available,
      inodes: inodesUsed(usage) + 20,
      inodesFree: device.inodesFree,
      ...EMPTY_FS_IO,
    },
  ];
}
