import type { Cluster } from './cluster.js';
import type { Kubelets } from './kubelet.js';
import { renderSummary, type SummaryOptions } from './summary.js';

/** The kubelet Summary API answer as JSON values (the simulator's own rendering, parsed back). */
export type SummaryJson = {
  node: Record<string, unknown> & { nodeName: string };
  pods: (Record<string, unknown> & { podRef: { name: string; namespace: string; uid: string } })[];
};

/**
 * What the simulated cluster really served and really is, for tests to compare a scraper's output with:
 * the exact payload a kubelet answered at a given simulated time, and the configured workloads behind it.
 */
export class Truth {
  constructor(
    private readonly cluster: Cluster,
    private readonly kubelets: Kubelets,
    private readonly options: SummaryOptions,
  ) {}

  /** Simulated time of the last summary a node's kubelet served, if any. */
  lastServedMs(node: string): number | undefined {
    return this.kubelets.lastServedMs(node);
  }

  /** The summary the node's kubelet serves (or served) at simulated time `atMs`, by default its last answer. */
  summary(node: string, atMs = this.lastServedMs(node)): SummaryJson {
    if (atMs === undefined) throw new Error(`node ${node} has not served a summary yet`);
    return JSON.parse(renderSummary(this.cluster.mustNode(node), atMs, this.options)) as SummaryJson;
  }

  /** The CPU load a container runs at, millicores: what a rate derived from its counter must come to. */
  containerMillicores(podUid: string, container: string): number {
    const c = this.cluster.mustPod(podUid).containers.find((x) => x.name === container);
    if (c === undefined) throw new Error(`pod ${podUid} has no container ${container}`);
    return c.cpu.rate / 1e6;
  }
}
