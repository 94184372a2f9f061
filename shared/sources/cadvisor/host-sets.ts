import { metricId } from '../../metrics/catalogue.js';
import type { MetricSet } from '../../metrics/model.js';
import type { CadvisorContainer, StatsSample } from './container.js';

/** The metrics a cAdvisor host gives, by id. */
export const M = {
  cpuUsage: metricId('cpu/usage'),
  cpuRate: metricId('cpu/usage_rate'),
  load: metricId('cpu/load'),
  memUsage: metricId('memory/usage'),
  workingSet: metricId('memory/working_set'),
  rss: metricId('memory/rss'),
  cache: metricId('memory/cache'),
  pageFaults: metricId('memory/page_faults'),
  pageFaultsRate: metricId('memory/page_faults_rate'),
  majorFaults: metricId('memory/major_page_faults'),
  majorFaultsRate: metricId('memory/major_page_faults_rate'),
  rx: metricId('network/rx'),
  rxRate: metricId('network/rx_rate'),
  rxErrors: metricId('network/rx_errors'),
  rxErrorsRate: metricId('network/rx_errors_rate'),
  tx: metricId('network/tx'),
  txRate: metricId('network/tx_rate'),
  txErrors: metricId('network/tx_errors'),
  txErrorsRate: metricId('network/tx_errors_rate'),
  fsUsage: metricId('filesystem/usage'),
  fsLimit: metricId('filesystem/limit'),
  fsAvailable: metricId('filesystem/available'),
  fsInodes: metricId('filesystem/inodes'),
  fsInodesFree: metricId('filesystem/inodes_free'),
  diskRead: metricId('disk/io_read_bytes'),
  diskWrite: metricId('disk/io_write_bytes'),
};

/** A set's identity; its start is the container's creation, its times those of its newest sample. */
export function metricSet(
  base: Pick<MetricSet, 'type' | 'namespace' | 'podName' | 'podUid' | 'containerName' | 'pod'>,
  nodeName: string,
  c: CadvisorContainer | undefined,
  newest: StatsSample | undefined,
): MetricSet {
  const t = newest === undefined ? NaN : newest.at.ms;
  return {
    ...base,
    nodeName,
    startTime: c?.creationTime ?? NaN,
    cpuTime: t,
    memoryTime: t,
    networkTime: t,
  };
}
