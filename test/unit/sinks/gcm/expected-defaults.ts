/**
 * What the gcm sink writes when no levels or metrics are given, as the product decided it: written out here,
 * not read from the sink, so that tests comparing the sink (or infra, or the dashboard) to it can fail.
 */

/** The `core` metric set. */
export const CORE_METRIC_NAMES: readonly string[] = [
  'cpu/usage_rate',
  'cpu/request',
  'cpu/limit',
  'memory/usage',
  'memory/working_set',
  'memory/request',
  'memory/limit',
  'network/rx_rate',
  'network/tx_rate',
  'ephemeral_storage/usage',
  'restart_count',
  // Heapster's node autoscaling metrics.
  'cpu/node_capacity',
  'memory/node_capacity',
  'cpu/node_allocatable',
  'memory/node_allocatable',
  'cpu/node_reservation',
  'memory/node_reservation',
  'cpu/node_utilization',
  'memory/node_utilization',
];

/** Heapster's `metrics=autoscaling` (its NodeAutoscalingMetrics). */
export const AUTOSCALING_METRIC_NAMES: readonly string[] = CORE_METRIC_NAMES.slice(-8);

/** pod_container is left out: on GKE the free kubernetes.io/container/* metrics cover containers. */
export const DEFAULT_LEVEL_NAMES: readonly string[] = ['pod', 'node', 'ns', 'cluster'];
