import { arr, map, obj, type Shape } from './go-shape-check.js';

/*
 * The cAdvisor types the simulator serves, transcribed from the Go structs (info/v1/container.go,
 * info/v1/machine.go, info/v2/container.go, info/v2/machine.go). A key ending in "?" is omitempty, or, where
 * marked "later", a field newer cAdvisor releases add.
 */

// ---- info/v1/container.go

const cpuSpec = obj({
  limit: 'uint',
  max_limit: 'uint',
  'mask?': 'string',
  'quota?': 'uint',
  'period?': 'uint',
});
const memorySpec = obj({ 'limit?': 'uint', 'reservation?': 'uint', 'swap_limit?': 'uint' });

export const V1_CONTAINER_SPEC = obj({
  creation_time: 'time',
  'labels?': map('string'),
  'envs?': map('string'),
  has_cpu: 'bool',
  cpu: cpuSpec,
  has_memory: 'bool',
  memory: memorySpec,
  has_hugetlb: 'bool',
  has_network: 'bool',
  has_processes: 'bool',
  processes: obj({ 'limit?': 'uint' }),
  has_filesystem: 'bool',
  has_diskio: 'bool',
  has_custom_metrics: 'bool',
  'custom_metrics?': arr(obj({ name: 'string', type: 'string', format: 'string', units: 'string' })),
  'image?': 'string',
});

const containerReference = {
  'id?': 'string',
  name: 'string',
  'aliases?': arr('string'),
  'namespace?': 'string',
} as const satisfies Record<string, Shape>;

const cpuUsage = obj({ total: 'uint', 'per_cpu_usage?': arr('uint'), user: 'uint', system: 'uint' });
export const V1_CPU_STATS = obj({
  usage: cpuUsage,
  cfs: obj({ periods: 'uint', throttled_periods: 'uint', throttled_time: 'uint' }),
  schedstat: obj({ run_time: 'uint', runqueue_time: 'uint', run_periods: 'uint' }),
  load_average: 'int',
});

const perDiskStats = obj({ device: 'string', major: 'uint', minor: 'uint', stats: map('uint') });
const diskIoStats = obj(
  Object.fromEntries(
    [
      'io_service_bytes',
      'io_serviced',
      'io_queued',
      'sectors',
      'io_service_time',
      'io_wait_time',
      'io_merged',
      'io_time',
    ].map((k) => [`${k}?`, arr(perDiskStats)]),
  ),
);
const memoryData = obj({ pgfault: 'uint', pgmajfault: 'uint', 'numa_stats?': obj({}) /* later */ });
export const V1_MEMORY_STATS = obj({
  usage: 'uint',
  max_usage: 'uint',
  cache: 'uint',
  rss: 'uint',
  swap: 'uint',
  mapped_file: 'uint',
  working_set: 'uint',
  failcnt: 'uint',
  container_data: memoryData,
  hierarchical_data: memoryData,
});
const interfaceFields = {
  name: 'string',
  rx_bytes: 'uint',
  rx_packets: 'uint',
  rx_errors: 'uint',
  rx_dropped: 'uint',
  tx_bytes: 'uint',
  tx_packets: 'uint',
  tx_errors: 'uint',
  tx_dropped: 'uint',
} as const satisfies Record<string, Shape>;
export const V1_INTERFACE_STATS = obj(interfaceFields);
const tcpStat = obj(
  Object.fromEntries(
    [
      'Established',
      'SynSent',
      'SynRecv',
      'FinWait1',
      'FinWait2',
      'TimeWait',
      'Close',
      'CloseWait',
      'LastAck',
      'Listen',
      'Closing',
    ].map((k) => [k, 'uint']),
  ),
);
const udpStat = obj({ Listen: 'uint', Dropped: 'uint', RxQueued: 'uint', TxQueued: 'uint' });
const networkTail = {
  'interfaces?': arr(V1_INTERFACE_STATS),
  tcp: tcpStat,
  tcp6: tcpStat,
  udp: udpStat,
  udp6: udpStat,
  'tcp_advanced?': map('int'), // later
} as const satisfies Record<string, Shape>;
const fsStats = obj({
  'device?': 'string',
  type: 'string',
  capacity: 'uint',
  usage: 'uint',
  base_usage: 'uint',
  available: 'uint',
  has_inodes: 'bool',
  inodes: 'uint',
  inodes_free: 'uint',
  reads_completed: 'uint',
  reads_merged: 'uint',
  sectors_read: 'uint',
  read_time: 'uint',
  writes_completed: 'uint',
  writes_merged: 'uint',
  sectors_written: 'uint',
  write_time: 'uint',
  io_in_progress: 'uint',
  io_time: 'uint',
  weighted_io_time: 'uint',
});
const loadStats = obj({
  nr_sleeping: 'uint',
  nr_running: 'uint',
  nr_stopped: 'uint',
  nr_uninterruptible: 'uint',
  nr_io_wait: 'uint',
});
const processStats = obj({
  process_count: 'uint',
  fd_count: 'uint',
  socket_count: 'uint',
  'threads_current?': 'uint',
  'threads_max?': 'uint',
  'ulimits?': arr(obj({ name: 'string', soft_limit: 'int', hard_limit: 'int' })),
});
const hugetlbStats = obj({ 'usage?': 'uint', 'max_usage?': 'uint', failcnt: 'uint' });

export const V1_CONTAINER_STATS = obj({
  timestamp: 'time',
  cpu: V1_CPU_STATS,
  diskio: diskIoStats,
  memory: V1_MEMORY_STATS,
  'hugetlb?': map(hugetlbStats),
  network: obj({ ...interfaceFields, ...networkTail }),
  'filesystem?': arr(fsStats),
  task_stats: loadStats,
  'accelerators?': arr(obj({})),
  processes: processStats,
  'custom_metrics?': map(arr(obj({}))),
  'referenced_memory?': 'uint',
});

export const V1_CONTAINER_INFO = obj({
  ...containerReference,
  'subcontainers?': arr(obj(containerReference)),
  spec: V1_CONTAINER_SPEC,
  'stats?': arr(V1_CONTAINER_STATS),
});

// ---- info/v1/machine.go

const cache = obj({ size: 'uint', type: 'string', level: 'int' });
const hugePages = obj({ page_size: 'uint', num_pages: 'uint' });
const fsInfo = obj({
  device: 'string',
  capacity: 'uint',
  type: 'string',
  inodes: 'uint',
  has_inodes: 'bool',
});
const diskInfo = obj({ name: 'string', major: 'uint', minor: 'uint', size: 'uint', scheduler: 'string' });
const netInfo = obj({ name: 'string', mac_address: 'string', speed: 'int', mtu: 'int' });
const node = obj({
  node_id: 'int',
  memory: 'uint',
  hugepages: arr(hugePages),
  cores: arr(obj({ core_id: 'int', thread_ids: arr('int'), caches: arr(cache) })),
  caches: arr(cache),
});

export const V1_MACHINE_INFO = obj({
  num_cores: 'int',
  num_physical_cores: 'int',
  num_sockets: 'int',
  cpu_frequency_khz: 'uint',
  memory_capacity: 'uint',
  memory_dimm_count: 'uint',
  memory_by_type: map(obj({ Capacity: 'uint', DimmCount: 'uint' })),
  hugepages: arr(hugePages),
  machine_id: 'string',
  system_uuid: 'string',
  boot_id: 'string',
  filesystems: arr(fsInfo),
  disk_map: map(diskInfo),
  network_devices: arr(netInfo),
  topology: arr(node),
  cloud_provider: 'string',
  instance_type: 'string',
  instance_id: 'string',
});

// ---- info/v2/container.go and info/v2/machine.go

export const V2_CONTAINER_SPEC = obj({
  creation_time: 'time',
  'aliases?': arr('string'),
  'namespace?': 'string',
  'labels?': map('string'),
  'envs?': map('string'),
  has_cpu: 'bool',
  cpu: cpuSpec,
  has_memory: 'bool',
  memory: memorySpec,
  has_hugetlb: 'bool',
  has_custom_metrics: 'bool',
  'custom_metrics?': arr(obj({})),
  has_processes: 'bool',
  processes: obj({ 'limit?': 'uint' }),
  has_network: 'bool',
  has_filesystem: 'bool',
  has_diskio: 'bool',
  'image?': 'string',
});

export const V2_CPU_INST = obj({
  usage: obj({
    total: 'uint',
    'per_cpu_usage?': arr('uint'),
    user: 'uint',
    system: 'uint',
    'percpu_usage_kernel?': arr('uint'), // later
    'percpu_usage_user?': arr('uint'), // later
  }),
});

/** What v2.0 /stats serves per sample (DeprecatedContainerStats). */
export const V2_CONTAINER_STATS = obj({
  timestamp: 'time',
  has_cpu: 'bool',
  cpu: V1_CPU_STATS,
  'cpu_inst?': V2_CPU_INST,
  has_diskio: 'bool',
  diskio: diskIoStats,
  has_memory: 'bool',
  memory: V1_MEMORY_STATS,
  has_hugetlb: 'bool',
  'hugetlb?': map(hugetlbStats),
  has_network: 'bool',
  network: obj(networkTail),
  has_processes: 'bool',
  processes: processStats,
  has_filesystem: 'bool',
  'filesystem?': arr(fsStats),
  has_load: 'bool',
  load_stats: loadStats,
  has_custom_metrics: 'bool',
  'custom_metrics?': map(arr(obj({}))),
  'referenced_memory?': 'uint',
});

export const V2_ATTRIBUTES = obj({
  kernel_version: 'string',
  container_os_version: 'string',
  docker_version: 'string',
  cadvisor_version: 'string',
  num_cores: 'int',
  cpu_frequency_khz: 'uint',
  memory_capacity: 'int',
  machine_id: 'string',
  system_uuid: 'string',
  filesystems: arr(fsInfo),
  disk_map: map(diskInfo),
  network_devices: arr(netInfo),
  topology: arr(node),
  cloud_provider: 'string',
  instance_type: 'string',
});
