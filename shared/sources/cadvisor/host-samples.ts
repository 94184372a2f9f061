import { METRIC_COUNT } from '../../metrics/catalogue.js';
import type { PointLabels } from '../../metrics/labels.js';
import type { MetricSet, NodeSamples } from '../../metrics/model.js';
import { SampleBuilder } from '../../metrics/sample-builder.js';
import { classify, type ContainerRole, type PodIdentity } from './classify.js';
import { M } from './host-sets.js';
import type { CadvisorContainer, StatsSample } from './container.js';
import { NumberReader, readSample, type SampleValues } from './stats.js';
import { nanosBetween, type Instant } from './time.js';

/**
 * Map: a host's containers -> metric sets with the values of their newest sample, plus what only the
 * answer's older samples can give, the rates over the answer's own span (oldest to newest sample).
 */
export interface HostSamples {
  readonly samples: NodeSamples;
  /** Per set a row of METRIC_COUNT: rates computed within the answer, NaN where it had one sample only. */
  readonly answerRates: Float64Array;
  /** Disk counters per set and device, for rates within the answer or across rounds. */
  readonly disks: readonly DiskCounter[];
  /** Image per set (pod containers), for the container_base_image label. */
  readonly images: readonly (string | undefined)[];
  readonly problems: readonly string[];
  readonly ignoredValues: number;
  /** Counters that went down within the answer: no rate for them. */
  readonly resets: number;
}

export interface DiskCounter {
  readonly set: number;
  readonly labels: PointLabels;
  readonly at: Instant;
  readonly read: number;
  readonly write: number;
  /** The same device in the answer's oldest sample, when there is one. */
  readonly oldest?: { readonly at: Instant; readonly read: number; readonly write: number };
}

class HostBuilder {
  readonly b: SampleBuilder;
  readonly reader = new NumberReader();
  rates: Float64Array;
  readonly disks: DiskCounter[] = [];
  readonly images: (string | undefined)[] = [];
  resets = 0;
  private readonly pods = new Map<string, number>();

  constructor(
    readonly nodeName: string,
    capacity: number,
  ) {
    this.b = new SampleBuilder(nodeName, capacity);
    this.rates = new Float64Array(capacity * METRIC_COUNT).fill(NaN);
  }

  /** A set whose start is the container's creation and whose times are those of its newest sample. */
  private add(
    set: MetricSet,
    owner: number,
    c: CadvisorContainer | undefined,
    newest: StatsSample | undefined,
    image?: string,
  ): number {
    const index = this.b.addSet(set, owner);
    this.stamp(index, c, newest);
    if ((index + 1) * METRIC_COUNT > this.rates.length) {
      const grown = new Float64Array(Math.max(8, index * 2) * METRIC_COUNT).fill(NaN);
      grown.set(this.rates);
      this.rates = grown;
    }
    this.images[index] = image;
    return index;
  }

  private stamp(set: number, c: CadvisorContainer | undefined, newest: StatsSample | undefined): void {
    const t = newest === undefined ? NaN : newest.at.ms;
    this.b.stamp(set, c?.creationTime ?? NaN, t, t, t);
  }

  /** The pod's set, made on first sight; its own values come from the sandbox only. */
  pod(pod: PodIdentity): number {
    const key = podKey(pod);
    let set = this.pods.get(key);
    if (set === undefined) {
      set = this.add(this.b.entities.pod(pod.namespace, pod.name, pod.uid).set, -1, undefined, undefined);
      this.pods.set(key, set);
    }
    return set;
  }

  container(c: CadvisorContainer, role: ContainerRole): void {
    const newest = c.samples[c.samples.length - 1];
    const entities = this.b.entities;
    switch (role.kind) {
      case 'node':
        return this.fill(this.add(entities.node, -1, c, newest), c, true);
      case 'sys_container':
        return this.fill(this.add(entities.systemContainer(role.name), -1, c, newest), c, false);
      case 'pod_container': {
        const pod = this.pod(role.pod);
        const { namespace, name, uid } = role.pod;
        const container = entities.pod(namespace, name, uid).container(role.container);
        return this.fill(this.add(container, pod, c, newest, c.image), c, false);
      }
      case 'pod': {
        const set = this.pod(role.pod);
        this.stamp(set, c, newest);
        return this.network(set, c);
      }
    }
  }

  /** Network counters and their rates over the answer: the machine's and the pods' (their sandbox's). */
  private network(set: number, c: CadvisorContainer): void {
    if (!c.has.network) return;
    const { newest, oldest, span } = this.ends(c);
    if (newest === undefined) return;
    const pairs = [
      [M.rx, M.rxRate, newest.network.rx, oldest?.network.rx],
      [M.rxErrors, M.rxErrorsRate, newest.network.rxErrors, oldest?.network.rxErrors],
      [M.tx, M.txRate, newest.network.tx, oldest?.network.tx],
      [M.txErrors, M.txErrorsRate, newest.network.txErrors, oldest?.network.txErrors],
    ] as const;
    for (const [metric, rate, now, before] of pairs) {
      this.b.put(set, metric, now);
      this.rate(set, rate, now, before, span, 1e9);
    }
  }

  private ends(c: CadvisorContainer): { newest?: SampleValues; oldest?: SampleValues; span: number } {
    const last = c.samples[c.samples.length - 1];
    const first = c.samples[0];
    if (last === undefined) return { span: NaN };
    const newest = readSample(this.reader, last);
    if (first === undefined || first === last) return { newest, span: NaN };
    return { newest, oldest: readSample(this.reader, first), span: nanosBetween(first.at, last.at) };
  }

  /** (now - before) per `span` nanoseconds, times `scale`; a counter that went down gives none. */
  private rate(
    set: number,
    metric: number,
    now: number,
    before: number | undefined,
    span: number,
    scale: number,
  ): void {
    if (before === undefined || !(span > 0) || now !== now || before !== before) return;
    if (now < before) {
      this.resets++;
      return;
    }
    this.rates[set * METRIC_COUNT + metric] = ((now - before) / span) * scale;
  }

  private fill(set: number, c: CadvisorContainer, isNode: boolean): void {
    const { newest, oldest, span } = this.ends(c);
    if (newest === undefined) return;
    const b = this.b;
    if (c.has.cpu) {
      b.put(set, M.cpuUsage, newest.cpuTotal);
      b.put(set, M.load, newest.loadAverage);
      // nanoseconds of CPU per nanosecond, in millicores
      this.rate(set, M.cpuRate, newest.cpuTotal, oldest?.cpuTotal, span, 1000);
      const r = this.rates[set * METRIC_COUNT + M.cpuRate] as number;
      if (r === r) this.rates[set * METRIC_COUNT + M.cpuRate] = Math.round(r);
    }
    if (c.has.memory) {
      const m = newest.memory;
      b.put(set, M.memUsage, m.usage);
      b.put(set, M.workingSet, m.workingSet);
      b.put(set, M.rss, m.rss);
      b.put(set, M.cache, m.cache);
      b.put(set, M.pageFaults, m.pgfault);
      b.put(set, M.majorFaults, m.pgmajfault);
      this.rate(set, M.pageFaultsRate, m.pgfault, oldest?.memory.pgfault, span, 1e9);
      this.rate(set, M.majorFaultsRate, m.pgmajfault, oldest?.memory.pgmajfault, span, 1e9);
    }
    if (isNode) this.network(set, c);
    if (c.has.filesystem) {
      for (const fs of newest.filesystems) {
        const labels = { resource_id: fs.device };
        b.point(set, M.fsUsage, fs.usage, labels);
        b.point(set, M.fsLimit, fs.capacity, labels);
        b.point(set, M.fsAvailable, fs.available, labels);
        b.point(set, M.fsInodes, fs.inodes, labels);
        b.point(set, M.fsInodesFree, fs.inodesFree, labels);
      }
    }
    if (c.has.diskio) {
      const last = c.samples[c.samples.length - 1] as StatsSample;
      const first = c.samples[0] as StatsSample;
      for (const disk of newest.disks) {
        const labels = { resource_id: disk.resourceId };
        b.point(set, M.diskRead, disk.read, labels);
        b.point(set, M.diskWrite, disk.write, labels);
        const before = oldest?.disks.find((d) => d.resourceId === disk.resourceId);
        this.disks.push({
          set,
          labels,
          at: last.at,
          read: disk.read,
          write: disk.write,
          ...(before !== undefined
            ? { oldest: { at: first.at, read: before.read, write: before.write } }
            : {}),
        });
      }
    }
  }
}

const podKey = (pod: PodIdentity): string => `${pod.namespace}/${pod.name}/${pod.uid}`;

export function hostSamples(nodeName: string, containers: readonly CadvisorContainer[]): HostSamples {
  const h = new HostBuilder(nodeName, containers.length + 4);
  const roles = containers.map(classify);
  // A replaced sandbox can linger in cAdvisor for a while: the newest one is the pod's.
  const sandboxes = new Map<string, CadvisorContainer>();
  roles.forEach((role, i) => {
    const c = containers[i] as CadvisorContainer;
    if (role.kind !== 'pod' || c.samples.length === 0) return;
    const seen = sandboxes.get(podKey(role.pod));
    if (seen === undefined || c.creationTime > seen.creationTime) sandboxes.set(podKey(role.pod), c);
  });
  roles.forEach((role, i) => {
    const c = containers[i] as CadvisorContainer;
    // cAdvisor lists a container before its first housekeeping: nothing to say about it yet.
    if (c.samples.length === 0) return;
    if (role.kind === 'pod' && sandboxes.get(podKey(role.pod)) !== c)
      h.b.problem(`${c.name}: an older sandbox of pod ${role.pod.namespace}/${role.pod.name}: ignored`);
    else h.container(c, role);
  });
  const finished = h.b.finish();
  return {
    samples: finished.samples,
    answerRates: h.rates.slice(0, finished.samples.sets.length * METRIC_COUNT),
    disks: h.disks,
    images: h.images,
    problems: finished.problems,
    ignoredValues: finished.ignoredValues + h.reader.ignored,
    resets: h.resets,
  };
}
