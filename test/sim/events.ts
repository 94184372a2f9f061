import { createWriteStream, type WriteStream } from 'node:fs';
import { k8sMicroTime, k8sTime, type SimClock } from './clock.js';
import type { Cluster } from './cluster.js';
import type { KubeObject } from './objects.js';
import { uuid, type Rng } from './rng.js';

/** Where generated events go: the API server's event store. `upsert` answers the stored resourceVersion. */
export interface EventStore {
  upsert(event: KubeObject): string;
  remove(namespace: string, name: string): void;
}

export interface EventGeneratorOptions {
  /** New events and repeats per second, together. */
  ratePerSecond: number;
  /** Share of changes that repeat an existing event (count/series bump) rather than create one. */
  repeatShare: number;
  /** Share of new events written the events.k8s.io/v1 way (eventTime, series) rather than the core/v1 way. */
  seriesShare: number;
  /** Events are deleted this long after they were created, as the API server's event TTL does (1 h). */
  ttlMs: number;
  /** Every occurrence (ADDED or MODIFIED) is appended here as one JSON line, when given. */
  logPath?: string;
}

/** One occurrence of an event, as written to the log: what a sink must end up holding exactly once. */
export interface Occurrence {
  uid: string;
  resourceVersion: string;
  count: number;
  type: 'ADDED' | 'MODIFIED';
  namespace: string;
  name: string;
  reason: string;
  /** series.lastObservedTime, else lastTimestamp, else eventTime: when this occurrence happened. */
  observed: string;
}

interface Template {
  reason: string;
  type: 'Normal' | 'Warning';
  component: string;
  message: (pod: string, ns: string, node: string, container: string) => string;
}

const POD_EVENTS: readonly Template[] = [
  {
    reason: 'Scheduled',
    type: 'Normal',
    component: 'default-scheduler',
    message: (p, ns, n) => `Successfully assigned ${ns}/${p} to ${n}`,
  },
  {
    reason: 'Pulled',
    type: 'Normal',
    component: 'kubelet',
    message: (_p, _ns, _n, c) => `Container image "docker.io/library/${c}:latest" already present on machine`,
  },
  {
    reason: 'Created',
    type: 'Normal',
    component: 'kubelet',
    message: (_p, _ns, _n, c) => `Created container ${c}`,
  },
  {
    reason: 'Started',
    type: 'Normal',
    component: 'kubelet',
    message: (_p, _ns, _n, c) => `Started container ${c}`,
  },
  {
    reason: 'Killing',
    type: 'Normal',
    component: 'kubelet',
    message: (_p, _ns, _n, c) => `Stopping container ${c}`,
  },
  {
    reason: 'BackOff',
    type: 'Warning',
    component: 'kubelet',
    message: (p, ns, _n, c) => `Back-off restarting failed container ${c} in pod ${p}_${ns}`,
  },
  {
    reason: 'Unhealthy',
    type: 'Warning',
    component: 'kubelet',
    message: () =>
      'Readiness probe failed: Get "http://10.8.0.12:8080/healthz": context deadline exceeded (Client.Timeout exceeded while awaiting headers)',
  },
  {
    reason: 'Failed',
    type: 'Warning',
    component: 'kubelet',
    message: (_p, _ns, _n, c) =>
      `Error: failed to create containerd task: failed to create shim task: OCI runtime create failed:\nrunc create failed: unable to start container process: exec: "/bin/${c}": stat /bin/${c}: no such file or directory: unknown`,
  },
  {
    reason: 'FailedMount',
    type: 'Warning',
    component: 'kubelet',
    message: () =>
      'MountVolume.SetUp failed for volume "config" : configmap "réglages-ünïcode ✓" not found, key=a,b=c',
  },
];

/**
 * Generates Kubernetes events about the simulated cluster's pods at a steady rate: new events and repeats
 * of existing ones, deleted after their TTL, every occurrence logged for later comparison with the sinks.
 */
export class EventGenerator {
  private readonly live: KubeObject[] = [];
  private timer: NodeJS.Timeout | undefined;
  private carry = 0;
  private lastTick = 0;
  private readonly log: WriteStream | undefined;
  generated = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly store: EventStore,
    private readonly clock: SimClock,
    private readonly rng: Rng,
    private readonly options: EventGeneratorOptions,
  ) {
    this.log = options.logPath === undefined ? undefined : createWriteStream(options.logPath, { flags: 'a' });
  }

  start(): void {
    if (this.options.ratePerSecond <= 0 || this.timer !== undefined) return;
    this.lastTick = this.clock.now();
    this.timer = setInterval(() => this.tick(), 50);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const log = this.log;
    if (log !== undefined) await new Promise<void>((resolve) => log.end(resolve));
  }

  /** Makes `n` event changes now (new or repeated), whatever the rate. */
  generate(n: number): Occurrence[] {
    const out: Occurrence[] = [];
    for (let i = 0; i < n; i++) out.push(this.change());
    if (this.log !== undefined && out.length > 0)
      this.log.write(out.map((o) => JSON.stringify(o)).join('\n') + '\n');
    this.expire();
    return out;
  }

  private tick(): void {
    const now = this.clock.now();
    this.carry += ((now - this.lastTick) / 1000) * this.options.ratePerSecond;
    this.lastTick = now;
    const n = Math.floor(this.carry);
    this.carry -= n;
    if (n > 0) this.generate(n);
  }

  private change(): Occurrence {
    const repeat = this.live.length > 0 && this.rng.next() < this.options.repeatShare;
    const event = repeat ? this.repeat(this.pickRecent()) : this.create();
    const resourceVersion = this.store.upsert(event);
    event.metadata.resourceVersion = resourceVersion;
    this.generated++;
    const series = event['series'] as { count: number; lastObservedTime: string } | undefined;
    return {
      uid: event.metadata.uid as string,
      resourceVersion,
      count: series?.count ?? (event['count'] as number | undefined) ?? 1,
      type: repeat ? 'MODIFIED' : 'ADDED',
      namespace: event.metadata.namespace as string,
      name: event.metadata.name,
      reason: event['reason'] as string,
      observed:
        series?.lastObservedTime ??
        (event['lastTimestamp'] as string | null) ??
        (event['eventTime'] as string),
    };
  }

  private pickRecent(): KubeObject {
    const window = Math.min(this.live.length, 200);
    return this.live[this.live.length - 1 - Math.floor(this.rng.next() * window)] as KubeObject;
  }

  private create(): KubeObject {
    const pods = this.cluster.pods;
    const now = this.clock.now();
    const pod = pods.size > 0 ? [...pods.values()][Math.floor(this.rng.next() * pods.size)] : undefined;
    const template = this.rng.pick(POD_EVENTS);
    const node = pod?.nodeName ?? 'node-0000';
    const container = pod?.containers[0]?.name ?? 'app';
    const namespace = pod?.namespace ?? 'default';
    const objectName = pod?.name ?? 'orphan';
    const seriesStyle = this.rng.next() < this.options.seriesShare;
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${objectName}.${this.rng.hex(16)}`,
        namespace,
        uid: uuid(this.rng),
        creationTimestamp: k8sTime(now),
      },
      involvedObject: {
        kind: 'Pod',
        namespace,
        name: objectName,
        uid: pod?.uid ?? uuid(this.rng),
        apiVersion: 'v1',
        ...(template.component === 'kubelet' ? { fieldPath: `spec.containers{${container}}` } : {}),
      },
      reason: template.reason,
      message: template.message(objectName, namespace, node, container),
      source:
        template.component === 'kubelet'
          ? { component: 'kubelet', host: node }
          : { component: template.component },
      type: template.type,
      reportingComponent: template.component,
      reportingInstance: template.component === 'kubelet' ? node : `${template.component}-${node}`,
      ...(seriesStyle
        ? { eventTime: k8sMicroTime(now), firstTimestamp: null, lastTimestamp: null, action: template.reason }
        : { eventTime: null, firstTimestamp: k8sTime(now), lastTimestamp: k8sTime(now), count: 1 }),
    };
    this.live.push(event);
    return event;
  }

  private repeat(previous: KubeObject): KubeObject {
    const now = this.clock.now();
    const series = previous['series'] as { count: number } | undefined;
    const next: KubeObject =
      previous['eventTime'] !== null
        ? { ...previous, series: { count: (series?.count ?? 1) + 1, lastObservedTime: k8sMicroTime(now) } }
        : { ...previous, count: (previous['count'] as number) + 1, lastTimestamp: k8sTime(now) };
    next.metadata = { ...previous.metadata };
    const i = this.live.lastIndexOf(previous);
    this.live[i] = next;
    return next;
  }

  private expire(): void {
    const cutoff = this.clock.now() - this.options.ttlMs;
    let n = 0;
    while (
      n < this.live.length &&
      Date.parse((this.live[n] as KubeObject).metadata.creationTimestamp as string) < cutoff
    )
      n++;
    for (const event of this.live.splice(0, n))
      this.store.remove(event.metadata.namespace as string, event.metadata.name);
  }
}
