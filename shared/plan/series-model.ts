import {
  METRIC_SET_TYPES,
  metricAt,
  type MetricDefinition,
  type MetricSetType,
} from '../metrics/catalogue.js';
import type { GcmSinkConfig } from '../sinks/gcm/options.js';
import { RESOURCE_OF_LEVEL, RESOURCE_TYPES, type ResourceType } from '../sinks/gcm/resources.js';

/** The cluster a plan is for: every node alike. */
export interface ClusterShape {
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly containersPerPod: number;
  /** Volumes per pod on average: each is a filesystem with its own series (resource_id "Volume:<name>"). */
  readonly volumesPerPod: number;
  /** System containers the kubelet reports per node (kubelet, runtime, misc, pods). */
  readonly systemContainersPerNode: number;
  /** Namespaces that have pods: one ns metric set each. */
  readonly namespaces: number;
}

/**
 * Metrics the Summary API source writes nothing for, with the reason. The other metrics of a level are
 * written for every entity of it once a round has the previous round's counters (its rates).
 */
export const UNCOUNTED_METRICS: Readonly<Record<string, string>> = {
  'cpu/load': 'cAdvisor sources only',
  'disk/io_read_bytes': 'cAdvisor sources only',
  'disk/io_read_bytes_rate': 'cAdvisor sources only',
  'disk/io_write_bytes': 'cAdvisor sources only',
  'disk/io_write_bytes_rate': 'cAdvisor sources only',
  'accelerator/memory_total': 'no accelerators assumed',
  'accelerator/memory_used': 'no accelerators assumed',
  'accelerator/duty_cycle': 'no accelerators assumed',
  'accelerator/request': 'no accelerators assumed',
};

/**
 * Filesystems (resource_id values) one entity reports: a container its rootfs and logs, a pod its volumes,
 * a node its root filesystem. The kubelet gives system containers none.
 */
function filesystemsOf(level: MetricSetType, shape: ClusterShape): number {
  switch (level) {
    case 'pod_container':
      return 2;
    case 'pod':
      return shape.volumesPerPod;
    case 'node':
      return 1;
    default:
      return 0;
  }
}

/** Series one metric has on one entity of the level (0 when the level or the source lacks it). */
function seriesOfMetric(metric: MetricDefinition, level: MetricSetType, shape: ClusterShape): number {
  if (!metric.levels.includes(level) || UNCOUNTED_METRICS[metric.name] !== undefined) return 0;
  if (metric.pointLabels.length === 0) return 1;
  return metric.pointLabels.includes('resource_id') ? filesystemsOf(level, shape) : 0;
}

function entitiesOf(level: MetricSetType, shape: ClusterShape): number {
  const pods = shape.nodes * shape.podsPerNode;
  switch (level) {
    case 'pod_container':
      return pods * shape.containersPerPod;
    case 'pod':
      return pods;
    case 'node':
      return shape.nodes;
    case 'sys_container':
      return shape.nodes * shape.systemContainersPerNode;
    case 'ns':
      return shape.namespaces;
    case 'cluster':
      return 1;
  }
}

/** Monitored resources of each type, whatever levels are written. */
export function resourcesOf(type: ResourceType, shape: ClusterShape): number {
  switch (type) {
    case 'k8s_container':
      return entitiesOf('pod_container', shape);
    case 'k8s_pod':
      return entitiesOf('pod', shape);
    case 'k8s_node':
      return shape.nodes;
    case 'k8s_cluster':
      return 1;
  }
}

export interface LevelSeries {
  readonly level: MetricSetType;
  readonly entities: number;
  readonly seriesPerEntity: number;
  /** entities x seriesPerEntity: also the points the level writes a round (one per series). */
  readonly series: number;
}

export interface ResourceSeries {
  readonly type: ResourceType;
  readonly resources: number;
  /** Series on each resource of the type: what Cloud Monitoring's per-resource quota counts. */
  readonly seriesPerResource: number;
  readonly series: number;
}

export interface SeriesPlan {
  readonly levels: readonly LevelSeries[];
  readonly resources: readonly ResourceSeries[];
  readonly seriesPerRound: number;
}

/** The series one gcm sink writes a round for a cluster of this shape, by level and by monitored resource. */
export function planSeries(shape: ClusterShape, sink: Pick<GcmSinkConfig, 'metrics' | 'levels'>): SeriesPlan {
  const metrics = sink.metrics.map(metricAt);
  const levels: LevelSeries[] = [];
  for (const level of METRIC_SET_TYPES) {
    if (!sink.levels.includes(level)) continue;
    const seriesPerEntity = metrics.reduce((n, m) => n + seriesOfMetric(m, level, shape), 0);
    const entities = entitiesOf(level, shape);
    levels.push({ level, entities, seriesPerEntity, series: entities * seriesPerEntity });
  }
  const resources: ResourceSeries[] = [];
  for (const type of RESOURCE_TYPES) {
    const on = levels.filter((l) => RESOURCE_OF_LEVEL[l.level] === type);
    if (on.length === 0) continue;
    const series = on.reduce((n, l) => n + l.series, 0);
    const count = resourcesOf(type, shape);
    resources.push({ type, resources: count, seriesPerResource: count === 0 ? 0 : series / count, series });
  }
  return { levels, resources, seriesPerRound: levels.reduce((n, l) => n + l.series, 0) };
}
