import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer } from './apiserver/server.js';
import { createClusterStores, type ServedStores } from './apiserver/resources.js';
import { createClock, type SimClock } from './clock.js';
import { Cluster, NAMESPACES } from './cluster.js';
import { EventGenerator } from './events.js';
import { sendJson, type Fault } from './faults.js';
import { Kubelets } from './kubelet.js';
import { writeKubeconfig } from './kubeconfig.js';
import { addressBlock, type AddressBlock } from './loopback.js';
import { namespaceObject, nodeObject, podObject } from './objects.js';
import { createRng } from './rng.js';
import { generateTls } from './tls.js';
import { Truth } from './truth.js';
import { startCadvisorFleet, type CadvisorFleet } from './cadvisor/index.js';
import { controlRoutes } from './control.js';

export interface SimOptions {
  nodes: number;
  podsPerNode: number;
  containersPerPod: number;
  /** Event changes (new and repeated) per second; 0 for none. */
  eventsPerSecond: number;
  seed: number;
  /** How often kubelet stats refresh (each stat's `time` moves in these steps). */
  statsIntervalMs: number;
  kubeletHttpPort: number;
  /** 0 to serve no kubelet TLS port. */
  kubeletHttpsPort: number;
  /** Bearer token the API server and kubelet TLS ports require; null for no authentication. */
  token: string | null;
  /** Changes kept per resource for watches from an older resourceVersion (the "history window"). */
  watchHistory: number;
  bookmarkIntervalMs: number;
  /** Pods deleted and replaced per minute, and container restarts per minute. */
  podChurnPerMinute: number;
  restartsPerMinute: number;
  acceleratorEvery: number;
  zeroNanoCoresShare: number;
  /** Standalone cAdvisor hosts (and a fleet endpoint listing them); 0 for none. */
  cadvisorHosts: number;
  cadvisorPort: number;
  /** Where the kubeconfig, CA and event log go; a fresh temporary folder by default (removed on stop). */
  workDir?: string;
  /** Second octet of the 127.B.x.y block the kubelets use; random when not given. */
  secondOctet?: number;
}

export const DEFAULT_SIM_OPTIONS: SimOptions = {
  nodes: 3,
  podsPerNode: 10,
  containersPerPod: 2,
  eventsPerSecond: 0,
  seed: 1,
  statsIntervalMs: 10_000,
  kubeletHttpPort: 10255,
  kubeletHttpsPort: 10250,
  token: 'generate',
  watchHistory: 10_000,
  bookmarkIntervalMs: 60_000,
  podChurnPerMinute: 0,
  restartsPerMinute: 0,
  acceleratorEvery: 0,
  zeroNanoCoresShare: 0.5,
  cadvisorHosts: 0,
  cadvisorPort: 8080,
};

export interface Sim {
  readonly instanceId: string;
  readonly apiServer: ApiServer;
  /** HTTPS URL of the API server (the kubeconfig's), and its plain-HTTP twin. */
  readonly url: string;
  readonly httpUrl: string;
  readonly caPath: string;
  readonly token: string | undefined;
  readonly kubeconfigPath: string;
  readonly eventLogPath: string;
  readonly addresses: AddressBlock;
  readonly nodeAddressRange: string;
  readonly clock: SimClock;
  readonly cluster: Cluster;
  readonly kubelets: Kubelets;
  readonly truth: Truth;
  readonly events: EventGenerator;
  /** The standalone cAdvisor hosts and fleet endpoint, when asked for. */
  readonly cadvisor: CadvisorFleet | undefined;
  /** Heapster's external hosts file listing the cAdvisor hosts, when there are any. */
  readonly hostsFilePath: string | undefined;
  readonly stores: ServedStores;
  setFault(node: string | 'all', fault: Fault | undefined): Promise<void>;
  /** The one JSON line the CLI prints when ready. */
  describe(): Record<string, unknown>;
  stop(): Promise<void>;
}

/** Starts a whole simulated cluster: API server, kubelets, workloads, events. */
export async function startSim(overrides: Partial<SimOptions> = {}): Promise<Sim> {
  const o: SimOptions = { ...DEFAULT_SIM_OPTIONS, ...overrides };
  const instanceId = randomBytes(8).toString('hex');
  const ownDir = o.workDir === undefined;
  const workDir = o.workDir ?? mkdtempSync(join(tmpdir(), 'heapster-sim-'));
  const token =
    o.token === null ? undefined : o.token === 'generate' ? randomBytes(16).toString('hex') : o.token;
  const clock = createClock();
  const addresses = addressBlock(o.secondOctet ?? 10 + Math.floor(Math.random() * 90));
  const tls = generateTls(
    join(workDir, 'pki'),
    Array.from({ length: o.nodes + 64 }, (_, i) => addresses.node(i)),
  );

  const stores = createClusterStores({
    historyLimit: o.watchHistory,
    now: clock.now,
    initialResourceVersion: 1000,
  });

  const cluster = new Cluster({
    nodes: 0,
    podsPerNode: o.podsPerNode,
    containersPerPod: o.containersPerPod,
    seed: o.seed,
    clock,
    addresses,
    statsIntervalMs: o.statsIntervalMs,
    acceleratorEvery: o.acceleratorEvery,
    zeroNanoCoresShare: o.zeroNanoCoresShare,
  });
  const kubelets = new Kubelets(cluster, {
    httpPort: o.kubeletHttpPort,
    httpsPort: o.kubeletHttpsPort,
    tls,
    token,
    instanceId,
    statsIntervalMs: o.statsIntervalMs,
  });
  const pending: Promise<void>[] = [];
  cluster.onChange((change) => {
    switch (change.kind) {
      case 'node-added':
        stores.nodes.put(nodeObject(change.node, o.kubeletHttpsPort || o.kubeletHttpPort));
        pending.push(kubelets.start(change.node));
        return;
      case 'node-removed':
        stores.nodes.delete('', change.node.name);
        pending.push(kubelets.stopNode(change.node.name));
        return;
      case 'pod-added':
      case 'pod-updated':
        stores.pods.put(podObject(change.pod, cluster));
        return;
      case 'pod-removed':
        stores.pods.delete(change.pod.namespace, change.pod.name);
        return;
    }
  });
  const bornMs = clock.now() - 3 * 3600_000;
  for (const ns of NAMESPACES)
    stores.namespaces.put(namespaceObject(ns, cluster.namespaceUids.get(ns) as string, bornMs - 86_400_000));
  for (let i = 0; i < o.nodes; i++) cluster.addNode(bornMs);
  await Promise.all(pending.splice(0));

  const eventLogPath = join(workDir, 'events.jsonl');
  const events = new EventGenerator(
    cluster,
    {
      upsert: (event) => stores.events.put(event).metadata.resourceVersion as string,
      remove: (ns, name) => void stores.events.delete(ns, name),
    },
    clock,
    createRng(o.seed ^ 0x5eed),
    {
      ratePerSecond: o.eventsPerSecond,
      repeatShare: 0.35,
      seriesShare: 0.2,
      ttlMs: 3600_000,
      logPath: eventLogPath,
    },
  );
  const truth = new Truth(cluster, kubelets, { statsIntervalMs: o.statsIntervalMs });

  const proxyAgent = new Agent({ keepAlive: true, maxSockets: 8 });
  const proxy = (nodeName: string, path: string, req: IncomingMessage, res: ServerResponse): void => {
    const node = cluster.nodes.get(nodeName);
    if (node === undefined) {
      sendJson(res, 404, JSON.stringify(status(404, 'NotFound', `nodes "${nodeName}" not found`)));
      return;
    }
    const upstream = request(
      {
        host: node.address,
        port: kubelets.port(node.name),
        path,
        method: 'GET',
        agent: proxyAgent,
        headers: { accept: req.headers.accept ?? '*/*' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('aborted', () => res.destroy());
        answer.on('error', () => res.destroy());
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const why =
        err.code === 'ECONNREFUSED'
          ? 'connect: connection refused'
          : err.code === 'ECONNRESET'
            ? 'read: connection reset by peer'
            : err.message;
      sendJson(
        res,
        503,
        JSON.stringify(
          status(
            503,
            'ServiceUnavailable',
            `error trying to reach service: dial tcp ${node.address}:${o.kubeletHttpPort}: ${why}`,
          ),
        ),
      );
    });
    res.on('close', () => upstream.destroy());
    upstream.end();
  };

  const self: { sim?: Sim } = {};
  const apiServer = await startApiServer({
    stores,
    token,
    tls,
    now: clock.now,
    bookmarkIntervalMs: o.bookmarkIntervalMs,
    proxy,
    extraRoutes: (req, res) => controlRoutes(req, res, () => self.sim as Sim),
  });
  const kubeconfigPath = join(workDir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, apiServer.httpsUrl, tls.caPem, token);

  const cadvisor =
    o.cadvisorHosts > 0
      ? await startCadvisorFleet({
          hosts: o.cadvisorHosts,
          secondOctet: addresses.secondOctet,
          clock,
          seed: o.seed,
          port: o.cadvisorPort,
        })
      : undefined;
  const hostsFilePath = cadvisor === undefined ? undefined : join(workDir, 'cadvisor-hosts.json');
  if (cadvisor !== undefined && hostsFilePath !== undefined) await cadvisor.hostsFile(hostsFilePath);

  const life = lifeTimer(cluster, o);
  events.start();
  const sim: Sim = {
    instanceId,
    apiServer,
    url: apiServer.httpsUrl,
    httpUrl: apiServer.httpUrl,
    caPath: tls.caPath,
    token,
    kubeconfigPath,
    eventLogPath,
    addresses,
    nodeAddressRange: addresses.describeNodes(cluster.nodes.size),
    clock,
    cluster,
    kubelets,
    truth,
    events,
    cadvisor,
    hostsFilePath,
    stores,
    setFault: (node, fault) => kubelets.setFault(node, fault),
    describe: () => ({
      instanceId,
      apiServer: apiServer.httpsUrl,
      apiServerHttp: apiServer.httpUrl,
      caPath: tls.caPath,
      token,
      kubeconfig: kubeconfigPath,
      eventLog: eventLogPath,
      nodes: cluster.nodes.size,
      pods: cluster.pods.size,
      nodeAddresses: addresses.describeNodes(cluster.nodes.size),
      kubeletPorts: { http: o.kubeletHttpPort, https: o.kubeletHttpsPort },
      ...(cadvisor !== undefined
        ? {
            cadvisorHosts: cadvisor.hosts.map((h) => ({
              name: h.name,
              url: h.url,
              apiVersion: h.apiVersion,
            })),
            fleet: cadvisor.fleetUrls,
            hostsFile: hostsFilePath,
          }
        : {}),
    }),
    stop: async () => {
      if (life !== undefined) clearInterval(life);
      await events.stop();
      await apiServer.stop();
      await kubelets.stop();
      await cadvisor?.stop();
      proxyAgent.destroy();
      if (ownDir) rmSync(workDir, { recursive: true, force: true });
    },
  };
  self.sim = sim;
  return sim;
}

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** Pod churn and container restarts at the configured rates, once a second. */
function lifeTimer(cluster: Cluster, o: SimOptions): NodeJS.Timeout | undefined {
  if (o.podChurnPerMinute <= 0 && o.restartsPerMinute <= 0) return undefined;
  const rng = createRng(o.seed ^ 0x11fe);
  let churn = 0;
  let restarts = 0;
  const timer = setInterval(() => {
    churn += o.podChurnPerMinute / 60;
    restarts += o.restartsPerMinute / 60;
    for (; churn >= 1; churn--) {
      const pods = [...cluster.pods.values()].filter((p) => p.namespace !== 'kube-system');
      if (pods.length === 0) break;
      const victim = rng.pick(pods);
      cluster.deletePod(victim.uid);
      cluster.addPod();
    }
    for (; restarts >= 1; restarts--) {
      const pods = [...cluster.pods.values()];
      if (pods.length === 0) break;
      const pod = rng.pick(pods);
      const container = rng.pick(pod.containers);
      cluster.restartContainer(pod.uid, container.name);
    }
  }, 1000);
  timer.unref();
  return timer;
}
