import { metricId } from '../../metrics/catalogue.js';
import { COLUMNS, ROW_WIDTH, type NodeCounters } from '../../metrics/derive.js';
import { entityKey } from '../../metrics/entity-key.js';
import {
  START_TIME,
  timeOf,
  type LabelledPoint,
  type MetricSet,
  type SampleBlock,
} from '../../metrics/model.js';
import type { DiskCounter } from './host-samples.js';
import { nanosBetween } from './time.js';

/**
 * Disk I/O rates, per set and device. The counters are per-point (resource_id), which derive's per-set rows
 * do not hold, so each device gets a row of its own in the same counter state: its key is the set's identity
 * plus the device, the set's startTime stays in the startTime column, and the sample time and the read and
 * written bytes go in the network time, rx and tx columns. derive never looks those keys up.
 */
const START = COLUMNS.indexOf('startTime');
const TIME = COLUMNS.indexOf('networkTime');
const READ = COLUMNS.indexOf('network/rx');
const WRITE = COLUMNS.indexOf('network/tx');
const READ_RATE = metricId('disk/io_read_bytes_rate');
const WRITE_RATE = metricId('disk/io_write_bytes_rate');

export interface DiskRates {
  readonly points: readonly LabelledPoint[];
  /** Device rows to keep with the set rows for the next round. */
  readonly next: NodeCounters;
  readonly resets: number;
}

export function deviceKey(set: MetricSet, resourceId: string): number {
  return entityKey({
    ...set,
    type: 'pod_container',
    podUid: `disk/${entityKey(set)}`,
    containerName: resourceId,
  });
}

export function diskRates(
  disks: readonly DiskCounter[],
  block: SampleBlock,
  previous: NodeCounters | undefined,
): DiskRates {
  const prevIndex = new Map<number, number>();
  if (previous !== undefined) previous.keys.forEach((k, i) => prevIndex.set(k, i));
  const points: LabelledPoint[] = [];
  const keys: number[] = [];
  const rows: number[] = [];
  const taken = new Set<number>();
  let resets = 0;
  const push = (d: DiskCounter, metric: number, value: number): void => {
    points.push({ set: d.set, metric, value, labels: d.labels });
  };
  for (const d of disks) {
    const set = block.sets[d.set] as MetricSet;
    const start = timeOf(block, d.set, START_TIME);
    const key = deviceKey(set, d.labels.resource_id ?? '');
    // Two devices with one key: neither rate can be trusted.
    if (taken.has(key)) continue;
    taken.add(key);
    const row = new Array<number>(ROW_WIDTH).fill(NaN);
    row[START] = start;
    row[TIME] = d.at.ms;
    row[READ] = d.read;
    row[WRITE] = d.write;
    keys.push(key);
    rows.push(...row);

    if (d.oldest !== undefined) {
      const span = nanosBetween(d.oldest.at, d.at);
      if (!(span > 0)) continue;
      for (const [metric, now, before] of [
        [READ_RATE, d.read, d.oldest.read],
        [WRITE_RATE, d.write, d.oldest.write],
      ] as const) {
        if (!(now >= before)) {
          if (now === now && before === before) resets++;
          continue;
        }
        push(d, metric, ((now - before) / span) * 1e9);
      }
      continue;
    }
    const p = prevIndex.get(key);
    if (p === undefined || previous === undefined) continue;
    const prevRow = previous.rows.subarray(p * ROW_WIDTH, (p + 1) * ROW_WIDTH);
    const prevStart = prevRow[START] as number;
    if (prevStart !== start && (prevStart === prevStart || start === start)) {
      resets++;
      continue;
    }
    const elapsed = d.at.ms - (prevRow[TIME] as number);
    if (!(elapsed > 0)) continue;
    for (const [metric, now, before] of [
      [READ_RATE, d.read, prevRow[READ] as number],
      [WRITE_RATE, d.write, prevRow[WRITE] as number],
    ] as const) {
      if (!(now >= before)) {
        if (now === now && before === before) resets++;
        continue;
      }
      push(d, metric, ((now - before) * 1000) / elapsed);
    }
  }
  return { points, next: { keys: Float64Array.from(keys), rows: Float64Array.from(rows) }, resets };
}
