import type {
  ClusterInventory,
  ContainerInfo,
  NodeInfo,
  PodInfo,
  ResourceList,
} from '../metrics/inventory.js';
import type { FetchOutcome } from '../runtime/http-get.js';
import { withRetries } from '../runtime/retry.js';
import type { KubeConnection, RequestLimits } from './connect.js';

/** A node as the scraper needs it: where its kubelet is, and whether it is worth asking. */
export interface NodeTarget {
  readonly name: string;
  /** InternalIP, else ExternalIP, else Hostname: where a direct kubelet scrape goes. */
  readonly address: string | undefined;
  readonly ready: boolean;
}

export interface Discovery {
  readonly inventory: ClusterInventory;
  readonly nodes: readonly NodeTarget[];
}

export class DiscoveryError extends Error {
  constructor(
    readonly resource: string,
    readonly outcome: Extract<FetchOutcome, { ok: false }>,
  ) {
    super(`listing ${resource} failed (${outcome.reason}): ${outcome.message}`);
    this.name = 'DiscoveryError';
  }
}

/** An object of a list or a watch event, as the API wrote it. */
export type Item = Record<string, unknown>;
type List = { metadata?: { continue?: string; resourceVersion?: string }; items?: Item[] };

export interface ListPage {
  readonly items: Item[];
  /** The list's resourceVersion (the same on every page of one paginated list). */
  readonly resourceVersion: string;
}

/**
 * Lists a resource in pages of `pageSize` (limit/continue), yielding each page as it arrives so a caller can
 * process a large list without holding it whole. Throws DiscoveryError.
 */
export async function* listPages(
  conn: KubeConnection,
  path: string,
  pageSize: number,
  limits: RequestLimits,
  query: URLSearchParams = new URLSearchParams(),
): AsyncGenerator<ListPage> {
  let token: string | undefined;
  do {
    const params = new URLSearchParams(query);
    params.set('limit', String(pageSize));
    if (token) params.set('continue', token);
    const outcome = await getPage(conn, `${path}?${params}`, limits);
    if (!outcome.ok) throw new DiscoveryError(path, outcome);
    let page: List;
    try {
      page = JSON.parse(outcome.text) as List;
    } catch (err) {
      throw new DiscoveryError(path, {
        ok: false,
        reason: 'connection',
        message: `bad JSON: ${(err as Error).message}`,
      });
    }
    yield { items: page.items ?? [], resourceVersion: page.metadata?.resourceVersion ?? '' };
    token = page.metadata?.continue || undefined;
  } while (token !== undefined);
}

/** Answers worth asking again: the API server shedding load (429, 503) or a connection that dropped. */
function mayPass(outcome: Extract<FetchOutcome, { ok: false }>): boolean {
  return outcome.status === 429 || outcome.status === 503 || outcome.reason === 'connection';
}

/**
 * One page, asked again (at most 4 times, honouring Retry-After, with jittered backoff) while the API server
 * sheds load, within one request timeout of the first try and never past the run's signal.
 */
async function getPage(
  conn: KubeConnection,
  pathAndQuery: string,
  limits: RequestLimits,
): Promise<FetchOutcome> {
  let last: FetchOutcome | undefined;
  await withRetries<undefined>(
    {
      maxAttempts: 4,
      initialDelayMs: 250,
      maxDelayMs: 2_000,
      deadline: Date.now() + limits.timeoutMs,
      ...(limits.signal !== undefined ? { signal: limits.signal } : {}),
    },
    async () => {
      last = await conn.get(pathAndQuery, limits);
      if (last.ok || !mayPass(last)) return { outcome: 'success', value: undefined };
      return {
        outcome: 'retryable',
        error: new Error(last.message),
        ...(last.retryAfterMs !== undefined ? { retryAfterMs: last.retryAfterMs } : {}),
      };
    },
  ).catch(() => undefined);
  return last as FetchOutcome;
}

/** Every item of a paginated list. */
export async function listAll(
  conn: KubeConnection,
  path: string,
  pageSize: number,
  limits: RequestLimits,
): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of listPages(conn, path, pageSize, limits))
    for (const item of page.items) items.push(item);
  return items;
}

/** Each item of a paginated list, handed over page by page as the pages arrive. */
async function eachItem(
  conn: KubeConnection,
  path: string,
  pageSize: number,
  limits: RequestLimits,
  visit: (item: Item) => void,
): Promise<void> {
  for await (const page of listPages(conn, path, pageSize, limits))
    for (const item of page.items) visit(item);
}

/**
 * Nodes, pods and namespaces: what enrich needs from the API, and the nodes to scrape. Each page is turned into
 * the few fields kept as soon as it arrives: whole pod objects (a few KiB each, 30,000 of them in a 1,000-node
 * cluster) are never all held at once.
 */
export async function discover(
  conn: KubeConnection,
  limits: RequestLimits,
  pageSize = 500,
): Promise<Discovery> {
  const nodes = new Map<string, NodeInfo>();
  const targets: NodeTarget[] = [];
  const pods = new Map<string, PodInfo>();
  const namespaces = new Map<string, string>();
  await Promise.all([
    eachItem(conn, '/api/v1/nodes', pageSize, limits, (item) => {
      const { info, target } = toNode(item);
      nodes.set(info.name, info);
      targets.push(target);
    }),
    eachItem(conn, '/api/v1/pods', pageSize, limits, (item) => {
      const pod = toPod(item);
      if (pod !== undefined) pods.set(pod.uid, pod);
    }),
    eachItem(conn, '/api/v1/namespaces', pageSize, limits, (item) => {
      const ns = toNamespace(item);
      if (ns !== undefined) namespaces.set(ns.name, ns.uid);
    }),
  ]);
  return { inventory: { nodes, pods, namespaces }, nodes: targets };
}

/** A node object -> what enrich keeps of it and where to scrape it. */
export function toNode(item: Item): { info: NodeInfo; target: NodeTarget } {
  const meta = (item['metadata'] ?? {}) as {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  const spec = (item['spec'] ?? {}) as { providerID?: string };
  const status = (item['status'] ?? {}) as {
    capacity?: ResourceList;
    allocatable?: ResourceList;
    addresses?: { type: string; address: string }[];
    conditions?: { type: string; status: string }[];
  };
  const address = (type: string): string | undefined =>
    status.addresses?.find((a) => a.type === type)?.address;
  const hostId = spec.providerID ?? meta.annotations?.['node.alpha.kubernetes.io/host-id'];
  return {
    info: {
      name: meta.name,
      hostname: address('Hostname') ?? meta.name,
      ...(hostId !== undefined ? { hostId } : {}),
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(status.capacity ? { capacity: status.capacity } : {}),
      ...(status.allocatable ? { allocatable: status.allocatable } : {}),
    },
    target: {
      name: meta.name,
      address: address('InternalIP') ?? address('ExternalIP') ?? address('Hostname'),
      ready: status.conditions?.find((c) => c.type === 'Ready')?.status === 'True',
    },
  };
}

/** A pod object -> what enrich keeps of it; undefined without a uid, name and namespace. */
export function toPod(item: Item): PodInfo | undefined {
  const meta = item['metadata'] as
    { name?: string; namespace?: string; uid?: string; labels?: Record<string, string> } | undefined;
  if (!meta?.uid || !meta.name || !meta.namespace) return undefined;
  const spec = (item['spec'] ?? {}) as {
    nodeName?: string;
    containers?: {
      name: string;
      image?: string;
      resources?: { requests?: ResourceList; limits?: ResourceList };
    }[];
  };
  const statuses =
    ((item['status'] ?? {}) as { containerStatuses?: { name: string; restartCount?: number }[] })
      .containerStatuses ?? [];
  const containers: ContainerInfo[] = (spec.containers ?? []).map((c) => {
    const restartCount = statuses.find((s) => s.name === c.name)?.restartCount;
    return {
      name: c.name,
      ...(c.image !== undefined ? { image: c.image } : {}),
      ...(c.resources?.requests ? { requests: c.resources.requests } : {}),
      ...(c.resources?.limits ? { limits: c.resources.limits } : {}),
      ...(restartCount !== undefined ? { restartCount } : {}),
    };
  });
  return {
    uid: meta.uid,
    name: meta.name,
    namespace: meta.namespace,
    ...(spec.nodeName ? { nodeName: spec.nodeName } : {}),
    ...(meta.labels ? { labels: meta.labels } : {}),
    containers,
  };
}

/** A namespace object -> its name and UID; undefined without both. */
export function toNamespace(item: Item): { name: string; uid: string } | undefined {
  const meta = item['metadata'] as { name?: string; uid?: string } | undefined;
  return meta?.name && meta.uid ? { name: meta.name, uid: meta.uid } : undefined;
}
