import { aggregateInPlace } from '../../metrics/aggregate.js';
import { METRIC_COUNT, metricId } from '../../metrics/catalogue.js';
import { deriveInPlace, type NodeCounters } from '../../metrics/derive.js';
import { Labeller, type LabelOptions } from '../../metrics/entity-labels.js';
import type { ClusterInventory, NodeInfo } from '../../metrics/inventory.js';
import type { Labels } from '../../metrics/labels.js';
import { withPoints, type MetricSet, type NodeSamples } from '../../metrics/model.js';
import type { NodeOutcome } from '../../metrics/pipeline.js';
import { isRecord } from './container.js';
import { diskRates } from './disk-rates.js';
import { hostSamples } from './host-samples.js';
import { parseV1Containers, parseV2Containers } from './parse-answer.js';
import type { CadvisorHost, HostAnswer } from './types.js';

/** One host's round through the pure stages: parse -> map -> rates (answer, then state) -> labels -> aggregate. */
export interface HostRound {
  readonly host: CadvisorHost;
  readonly answer: HostAnswer;
  readonly previous: NodeCounters | undefined;
  /** The round's time (ms since the epoch): every point carries it; uptime is measured to it. */
  readonly timestamp: number;
  readonly options?: LabelOptions;
}

const CPU_CAPACITY = metricId('cpu/node_capacity');
const MEMORY_CAPACITY = metricId('memory/node_capacity');

/** The machine's capacity and ID from MachineInfo (v1.3 and v2.0 serve the same one). */
function machineFacts(machine: unknown): { cores: number; memory: number; machineId?: string } {
  const m = isRecord(machine) ? machine : {};
  const num = (v: unknown): number => (typeof v === 'number' && v > 0 && v < Infinity ? v : NaN);
  const id = m['machine_id'];
  return {
    cores: num(m['num_cores']),
    memory: num(m['memory_capacity']),
    ...(typeof id === 'string' && id !== '' ? { machineId: id } : {}),
  };
}

function concat(a: NodeCounters, b: NodeCounters): NodeCounters {
  const keys = new Float64Array(a.keys.length + b.keys.length);
  keys.set(a.keys);
  keys.set(b.keys, a.keys.length);
  const rows = new Float64Array(a.rows.length + b.rows.length);
  rows.set(a.rows);
  rows.set(b.rows, a.rows.length);
  return { keys, rows };
}

/** The same outcome as a summary node's round (processNode), so the scrape treats both sources alike. */
export function processHost(round: HostRound): NodeOutcome {
  const { host, answer } = round;
  const parsed =
    answer.version === 'v1.3'
      ? parseV1Containers(answer.subcontainers)
      : parseV2Containers(answer.spec, answer.stats);
  if (!parsed.ok) return parsed;
  const mapped = hostSamples(host.nodeName, parsed.containers);
  const disks = diskRates(mapped.disks, mapped.samples, round.previous);
  const samples: NodeSamples = {
    ...mapped.samples,
    points: withPoints(mapped.samples.points, disks.points),
  };
  // Rates from the previous round's counters, then those over the answer's own samples where it had
  // several: they need no state and cover the latest span. The samples are this round's own, so the
  // stages write into them instead of copying them.
  const derived = deriveInPlace(round.previous, samples, round.timestamp);
  const values = derived.samples.values;
  const answerRates = mapped.answerRates;
  for (let i = 0; i < answerRates.length; i++) {
    const r = answerRates[i] as number;
    if (r === r) values[i] = r;
  }

  const machine = machineFacts(answer.machine);
  const nodeInfo: NodeInfo = {
    name: host.nodeName,
    hostname: host.hostname,
    ...((host.hostId ?? machine.machineId) !== undefined ? { hostId: host.hostId ?? machine.machineId } : {}),
  };
  const inventory: ClusterInventory = {
    nodes: new Map([[host.nodeName, nodeInfo]]),
    pods: new Map(),
    namespaces: new Map(),
  };
  const labeller = new Labeller(host.nodeName, nodeInfo, inventory, round.options ?? {});
  const sets = derived.samples.sets;
  const owners = derived.samples.owners;
  const labels: Labels[] = sets.map((set, s) => {
    const owner = owners[s] as number;
    return labeller.labels(
      set,
      owner >= 0 ? sets[owner] : undefined,
      undefined,
      set.type === 'pod_container' ? { name: set.containerName, image: mapped.images[s] } : undefined,
    );
  });
  const node = sets.findIndex((s: MetricSet) => s.type === 'node');
  if (node >= 0) {
    if (machine.cores === machine.cores) values[node * METRIC_COUNT + CPU_CAPACITY] = machine.cores * 1000;
    if (machine.memory === machine.memory) values[node * METRIC_COUNT + MEMORY_CAPACITY] = machine.memory;
  }
  const { block, partial } = aggregateInPlace({
    ...derived.samples,
    values,
    labels,
    nodeName: host.nodeName,
  });
  return {
    ok: true,
    block,
    partial,
    next: concat(derived.next, disks.next),
    problems: [
      ...parsed.problems,
      ...mapped.problems,
      ...(machine.cores !== machine.cores ? ['machine info has no num_cores: no cpu/node_capacity'] : []),
    ],
    ignoredValues: mapped.ignoredValues,
    resets: derived.resets + disks.resets + mapped.resets,
  };
}
