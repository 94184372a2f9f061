import { isRecord, type StatsSample } from './container.js';

/**
 * The numbers a round reads from one ContainerStats sample (v1 and v2.0 spell them alike). Absent is NaN,
 * never zero; values that are present but not non-negative numbers are counted as ignored.
 */
export interface SampleValues {
  readonly cpuTotal: number;
  readonly loadAverage: number;
  readonly memory: {
    readonly usage: number;
    readonly workingSet: number;
    readonly rss: number;
    readonly cache: number;
    /** container_data: the cgroup alone, as Heapster read it. */
    readonly pgfault: number;
    readonly pgmajfault: number;
  };
  /** Summed over the interfaces cAdvisor lists; NaN when it lists none. */
  readonly network: {
    readonly rx: number;
    readonly rxErrors: number;
    readonly tx: number;
    readonly txErrors: number;
  };
  readonly filesystems: readonly FilesystemValues[];
  readonly disks: readonly DiskValues[];
}

export interface FilesystemValues {
  readonly device: string;
  readonly capacity: number;
  readonly usage: number;
  readonly available: number;
  readonly inodes: number;
  readonly inodesFree: number;
}

export interface DiskValues {
  /** The device name, or "major:minor" when cAdvisor gave none (as Heapster labelled it). */
  readonly resourceId: string;
  readonly read: number;
  readonly write: number;
}

/** Reads numbers and counts the malformed ones. */
export class NumberReader {
  ignored = 0;

  num(raw: unknown): number {
    if (typeof raw === 'number' && raw >= 0 && raw < Infinity) return raw;
    if (raw !== undefined && raw !== null) this.ignored++;
    return NaN;
  }

  at(obj: unknown, ...path: string[]): number {
    let v: unknown = obj;
    for (const key of path) v = isRecord(v) ? v[key] : undefined;
    return this.num(v);
  }
}

const sumOrNaN = (a: number, b: number): number => (a !== a ? b : b !== b ? a : a + b);

function network(r: NumberReader, raw: unknown): SampleValues['network'] {
  const out = { rx: NaN, rxErrors: NaN, tx: NaN, txErrors: NaN };
  if (!isRecord(raw)) return out;
  // Clients older than the interface list read the first interface inlined at the top of NetworkStats.
  const list = Array.isArray(raw['interfaces'])
    ? raw['interfaces']
    : typeof raw['name'] === 'string' && raw['name'] !== ''
      ? [raw]
      : [];
  for (const i of list) {
    out.rx = sumOrNaN(out.rx, r.at(i, 'rx_bytes'));
    out.rxErrors = sumOrNaN(out.rxErrors, r.at(i, 'rx_errors'));
    out.tx = sumOrNaN(out.tx, r.at(i, 'tx_bytes'));
    out.txErrors = sumOrNaN(out.txErrors, r.at(i, 'tx_errors'));
  }
  return out;
}

function filesystems(r: NumberReader, raw: unknown): FilesystemValues[] {
  if (!Array.isArray(raw)) return [];
  const out: FilesystemValues[] = [];
  for (const fs of raw) {
    if (!isRecord(fs) || typeof fs['device'] !== 'string' || fs['device'] === '') continue;
    out.push({
      device: fs['device'],
      capacity: r.num(fs['capacity']),
      usage: r.num(fs['usage']),
      available: r.num(fs['available']),
      inodes: fs['has_inodes'] === false ? NaN : r.num(fs['inodes']),
      inodesFree: fs['has_inodes'] === false ? NaN : r.num(fs['inodes_free']),
    });
  }
  return out;
}

function disks(r: NumberReader, raw: unknown): DiskValues[] {
  const list = isRecord(raw) ? raw['io_service_bytes'] : undefined;
  if (!Array.isArray(list)) return [];
  const out: DiskValues[] = [];
  for (const d of list) {
    if (!isRecord(d)) continue;
    const device = typeof d['device'] === 'string' ? d['device'] : '';
    const resourceId =
      device !== '' ? device : `${r.num(d['major'])}:${r.num(d['minor'])}`.replace(/NaN/g, '?');
    out.push({ resourceId, read: r.at(d, 'stats', 'Read'), write: r.at(d, 'stats', 'Write') });
  }
  return out;
}

export function readSample(r: NumberReader, sample: StatsSample): SampleValues {
  const s = sample.stats;
  const memory = s['memory'];
  return {
    cpuTotal: r.at(s['cpu'], 'usage', 'total'),
    // load_average is an int in Go and may be negative in theory; only non-negative values are loads.
    loadAverage: r.at(s['cpu'], 'load_average'),
    memory: {
      usage: r.at(memory, 'usage'),
      workingSet: r.at(memory, 'working_set'),
      rss: r.at(memory, 'rss'),
      cache: r.at(memory, 'cache'),
      pgfault: r.at(memory, 'container_data', 'pgfault'),
      pgmajfault: r.at(memory, 'container_data', 'pgmajfault'),
    },
    network: network(r, s['network']),
    filesystems: filesystems(r, s['filesystem']),
    disks: disks(r, s['diskio']),
  };
}
