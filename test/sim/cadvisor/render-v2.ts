import { sampleContainer } from './counters.js';
import { nanosBetween, type Instant } from './go-time.js';
import { MISSING_FIELDS, omitPaths, type JsonObject } from './json.js';
import { containerOf, type HostModel } from './model.js';
import { machineInfo } from './render-machine.js';
import type { ContainerSample } from './sample-types.js';
import { cpuStats, diskIoStats, fsStats, loadStats, memoryStats, networkV2, specFacts } from './render-v1.js';

/*
 * JSON of cAdvisor's info/v2 types as the v2.0 API serves them. /stats gives, per container, the list
 * DeprecatedStatsFromV1 builds: has_* flags copied from the spec (has_processes never set), cpu_inst from each
 * sample and the one before it (absent on the first), network reduced to its interfaces.
 */

/** v2 ContainerSpec. */
export function specV2(host: HostModel, name: string): JsonObject {
  const c = containerOf(host, name);
  const f = specFacts(host, c);
  return {
    creation_time: f.creationTime,
    ...(c.aliases.length > 0 ? { aliases: c.aliases } : {}),
    ...(c.namespace !== undefined ? { namespace: c.namespace } : {}),
    ...f.labels,
    has_cpu: true,
    cpu: { limit: f.cpu.limit, max_limit: f.cpu.max_limit, mask: f.cpu.mask },
    has_memory: true,
    memory: f.memory,
    has_hugetlb: false,
    has_custom_metrics: false,
    has_processes: true,
    processes: {},
    has_network: f.hasNetwork,
    has_filesystem: f.hasFilesystem,
    has_diskio: true,
    ...f.image,
  };
}

/** CpuInstStats between two samples: each cumulative delta over the elapsed nanoseconds, per second, truncated. */
export function cpuInst(last: ContainerSample, cur: ContainerSample): JsonObject {
  const dt = nanosBetween(last.at, cur.at);
  const rate = (a: number, b: number): number => Math.trunc(((b - a) / dt) * 1e9);
  return {
    usage: {
      total: rate(last.cpu.total, cur.cpu.total),
      per_cpu_usage: cur.cpu.perCpu.map((v, i) => rate(last.cpu.perCpu[i] ?? 0, v)),
      user: rate(last.cpu.user, cur.cpu.user),
      system: rate(last.cpu.system, cur.cpu.system),
    },
  };
}

/** The v2.0 /stats list for one container: one DeprecatedContainerStats per instant. */
export function statsV2(host: HostModel, name: string, instants: Instant[], missing: boolean): JsonObject[] {
  const c = containerOf(host, name);
  const f = specFacts(host, c);
  const samples = instants.map((at) => sampleContainer(host, name, at));
  return samples.map((s, i) => {
    const previous = samples[i - 1];
    const filesystem = fsStats(s);
    const stats: JsonObject = {
      timestamp: s.timestamp,
      has_cpu: true,
      cpu: cpuStats(s),
      ...(previous !== undefined ? { cpu_inst: cpuInst(previous, s) } : {}),
      has_diskio: true,
      diskio: diskIoStats(s),
      has_memory: true,
      memory: memoryStats(s),
      has_hugetlb: false,
      has_network: f.hasNetwork,
      network: networkV2(f.hasNetwork ? s.network : []),
      has_processes: false,
      processes: { process_count: 0, fd_count: 0, socket_count: 0 },
      has_filesystem: f.hasFilesystem,
      ...(f.hasFilesystem && filesystem.length > 0 ? { filesystem } : {}),
      has_load: false,
      load_stats: loadStats(),
      has_custom_metrics: false,
    };
    return missing ? omitPaths(stats, MISSING_FIELDS.stats) : stats;
  });
}

/** v2 Attributes: machine facts plus software versions. */
export function attributes(host: HostModel): JsonObject {
  const m = host.machine;
  const info = machineInfo(host, false);
  return {
    kernel_version: m.kernelVersion,
    container_os_version: m.containerOsVersion,
    docker_version: m.dockerVersion,
    cadvisor_version: m.cadvisorVersion,
    num_cores: m.numCores,
    cpu_frequency_khz: m.cpuFrequencyKhz,
    memory_capacity: m.memoryCapacity,
    machine_id: m.machineId,
    system_uuid: m.systemUuid,
    filesystems: info['filesystems'],
    disk_map: info['disk_map'],
    network_devices: info['network_devices'],
    topology: info['topology'],
    cloud_provider: m.cloudProvider,
    instance_type: m.instanceType,
  };
}
