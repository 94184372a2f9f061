import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { metricId, type MetricName, type MetricSetType } from '../../shared/metrics/catalogue.js';
import { pointLabelsAt, valueOf, type SampleBlock } from '../../shared/metrics/model.js';
import type { ClusterInventory, NodeInfo, PodInfo } from '../../shared/metrics/inventory.js';
import type { Summary } from '../../shared/sources/summary/types.js';

const KUBELET = fileURLToPath(new URL('../fixtures/kubelet/', import.meta.url));

/** A kubelet fixture (test/fixtures/kubelet), JSON-parsed afresh on every call. */
export function kubeletFixture(name: 'stats-summary-1.json' | 'stats-summary-2.json' | 'pods.json'): unknown {
  return JSON.parse(readFileSync(KUBELET + name, 'utf8'));
}

/** A Summary fixture, typed with the (all-optional) Summary API types for reading expected values. */
export function summaryFixture(n: 1 | 2): Summary {
  return kubeletFixture(`stats-summary-${n}.json`) as Summary;
}

/** A number that must be present in the fixture. */
export function must(v: number | undefined): number {
  if (v === undefined) throw new Error('fixture value missing');
  return v;
}

/** Index of the set of the given type, pod name and container name; throws when absent. */
export function setIndex(block: SampleBlock, type: MetricSetType, podName = '', containerName = ''): number {
  const i = block.sets.findIndex(
    (s) => s.type === type && s.podName === podName && s.containerName === containerName,
  );
  if (i < 0) throw new Error(`no ${type} set ${podName}/${containerName}`);
  return i;
}

export function value(block: SampleBlock, set: number, metric: MetricName): number {
  return valueOf(block, set, metricId(metric));
}

/** The labelled points of one set and metric, as resource_id (or accelerator_id) -> value. */
export function labelled(block: SampleBlock, set: number, metric: MetricName): Map<string, number> {
  const out = new Map<string, number>();
  const id = metricId(metric);
  const { points } = block;
  for (let i = 0; i < points.set.length; i++) {
    if (points.set[i] !== set || points.metric[i] !== id) continue;
    const l = pointLabelsAt(points, i);
    out.set(l?.resource_id ?? l?.accelerator_id ?? '', points.value[i] as number);
  }
  return out;
}

interface PodListJson {
  items?: {
    metadata?: { name?: string; uid?: string; labels?: Record<string, string> };
    spec?: {
      containers?: {
        name?: string;
        image?: string;
        resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
      }[];
    };
    status?: { containerStatuses?: { name?: string; restartCount?: number }[] };
  }[];
}

/**
 * An inventory from the fixture pod list (which has no namespaces: they are taken from the summary by UID),
 * the way discovery would fill it from the API.
 */
export function fixtureInventory(
  extra: { node?: NodeInfo; namespaces?: [string, string][] } = {},
): ClusterInventory {
  const list = kubeletFixture('pods.json') as PodListJson;
  const namespaceOf = new Map(
    (summaryFixture(1).pods ?? []).map((p) => [p.podRef?.uid, p.podRef?.namespace]),
  );
  const pods = new Map<string, PodInfo>();
  for (const item of list.items ?? []) {
    const uid = item.metadata?.uid ?? '';
    const statuses = item.status?.containerStatuses ?? [];
    pods.set(uid, {
      uid,
      name: item.metadata?.name ?? '',
      namespace: namespaceOf.get(uid) ?? '',
      ...(item.metadata?.labels ? { labels: item.metadata.labels } : {}),
      containers: (item.spec?.containers ?? []).map((c) => ({
        name: c.name ?? '',
        ...(c.image ? { image: c.image } : {}),
        ...(c.resources?.requests ? { requests: c.resources.requests } : {}),
        ...(c.resources?.limits ? { limits: c.resources.limits } : {}),
        ...restarts(statuses.find((s) => s.name === c.name)?.restartCount),
      })),
    });
  }
  return {
    nodes: new Map(extra.node ? [[extra.node.name, extra.node]] : []),
    pods,
    namespaces: new Map(extra.namespaces ?? []),
  };
}

const restarts = (n: number | undefined) => (n === undefined ? {} : { restartCount: n });
