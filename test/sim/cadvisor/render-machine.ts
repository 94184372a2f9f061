import { MISSING_FIELDS, omitPaths, type JsonObject } from './json.js';
import type { HostModel } from './model.js';

/** v1 MachineInfo (also what /api/v2.0/machine serves). */
export function machineInfo(host: HostModel, missing: boolean): JsonObject {
  const m = host.machine;
  const threadsPerCore = m.numCores / m.numPhysicalCores;
  const hugepages = [
    { page_size: 1048576, num_pages: 0 },
    { page_size: 2048, num_pages: 0 },
  ];
  const info: JsonObject = {
    num_cores: m.numCores,
    num_physical_cores: m.numPhysicalCores,
    num_sockets: m.numSockets,
    cpu_frequency_khz: m.cpuFrequencyKhz,
    memory_capacity: m.memoryCapacity,
    memory_dimm_count: 0,
    memory_by_type: {},
    hugepages,
    machine_id: m.machineId,
    system_uuid: m.systemUuid,
    boot_id: m.bootId,
    filesystems: m.filesystems.map((f) => ({
      device: f.device,
      capacity: f.capacity,
      type: 'vfs',
      inodes: f.inodes,
      has_inodes: true,
    })),
    disk_map: Object.fromEntries(
      m.disks.map((d) => [
        `${d.major}:${d.minor}`,
        { name: d.name, major: d.major, minor: d.minor, size: d.size, scheduler: d.scheduler },
      ]),
    ),
    network_devices: m.nics.map((n) => ({
      name: n.name,
      mac_address: n.macAddress,
      speed: n.speedMbps,
      mtu: n.mtu,
    })),
    topology: [
      {
        node_id: 0,
        memory: m.memoryCapacity,
        hugepages,
        cores: Array.from({ length: m.numPhysicalCores }, (_, core) => ({
          core_id: core,
          thread_ids: Array.from({ length: threadsPerCore }, (_, t) => core + t * m.numPhysicalCores),
          caches: [
            { size: 32768, type: 'Data', level: 1 },
            { size: 32768, type: 'Instruction', level: 1 },
            { size: 262144, type: 'Unified', level: 2 },
          ],
        })),
        caches: [{ size: 47185920, type: 'Unified', level: 3 }],
      },
    ],
    cloud_provider: m.cloudProvider,
    instance_type: m.instanceType,
    instance_id: m.instanceId,
  };
  return missing ? omitPaths(info, MISSING_FIELDS.machine) : info;
}
