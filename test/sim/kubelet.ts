import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Cluster, SimNode } from './cluster.js';
import { answerJson, sendJson, type Fault } from './faults.js';
import { RestartableServer } from './restartable.js';
import { renderSummary, renderSummaryMissingFields, type SummaryOptions } from './summary.js';
import type { SimTls } from './tls.js';

export interface KubeletOptions extends SummaryOptions {
  /** Read-only plain-HTTP port (the kubelet's 10255). */
  httpPort: number;
  /** Authenticated HTTPS port (the kubelet's 10250); 0 to not serve TLS at all. */
  httpsPort: number;
  tls: SimTls;
  /** Bearer token the HTTPS port requires; undefined to accept any caller. */
  token: string | undefined;
  /** Sent as a header so a client can tell this simulator's kubelets from anyone else's. */
  instanceId: string;
}

/** One node's kubelet endpoints. */
interface KubeletServers {
  node: SimNode;
  http: RestartableServer;
  https: RestartableServer | undefined;
  /** Simulated time of the last /stats/summary served, for the ground truth. */
  lastServedMs: number | undefined;
}

/**
 * The kubelets of every simulated node, each on the node's own loopback address and the kubelet's fixed
 * ports, serving /stats/summary, /pods and /healthz.
 */
export class Kubelets {
  private readonly servers = new Map<string, KubeletServers>();
  private readonly faults = new Map<string, Fault>();
  private globalFault: Fault | undefined;
  servedSummaries = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly options: KubeletOptions,
  ) {}

  async start(node: SimNode): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.handle(node, req, res, false);
    const secureHandler = (req: IncomingMessage, res: ServerResponse): void =>
      this.handle(node, req, res, true);
    const { address } = node;
    const entry: KubeletServers = {
      node,
      http: new RestartableServer(
        () => createHttpServer({ keepAliveTimeout: 30_000 }, handler),
        address,
        this.options.httpPort,
      ),
      https:
        this.options.httpsPort === 0
          ? undefined
          : new RestartableServer(
              () =>
                createHttpsServer(
                  { cert: this.options.tls.certPem, key: this.options.tls.keyPem, keepAliveTimeout: 30_000 },
                  secureHandler,
                ),
              address,
              this.options.httpsPort,
            ),
      lastServedMs: undefined,
    };
    this.servers.set(node.name, entry);
    if (this.faultFor(node.name)?.kind !== 'unreachable') await this.listenAll(entry);
  }

  async stopNode(name: string): Promise<void> {
    const entry = this.servers.get(name);
    if (entry === undefined) return;
    this.servers.delete(name);
    await this.closeAll(entry);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((name) => this.stopNode(name)));
  }

  /** Sets or clears (undefined) a fault on one node, or on all nodes with `'all'`. */
  async setFault(node: string | 'all', fault: Fault | undefined): Promise<void> {
    if (node === 'all') this.globalFault = fault;
    else if (fault === undefined) this.faults.delete(node);
    else this.faults.set(node, fault);
    const affected =
      node === 'all' ? [...this.servers.values()] : [this.servers.get(node)].filter((e) => e !== undefined);
    for (const entry of affected) {
      const unreachable = this.faultFor(entry.node.name)?.kind === 'unreachable';
      await (unreachable ? this.closeAll(entry) : this.listenAll(entry));
    }
  }

  faultFor(node: string): Fault | undefined {
    return this.faults.get(node) ?? this.globalFault;
  }

  /** The node's plain-HTTP kubelet port. */
  port(node: string): number {
    const entry = this.servers.get(node);
    if (entry === undefined) throw new Error(`no kubelet for node ${node}`);
    return entry.http.port;
  }

  lastServedMs(node: string): number | undefined {
    return this.servers.get(node)?.lastServedMs;
  }

  private async listenAll(entry: KubeletServers): Promise<void> {
    await Promise.all([entry.http.start(), entry.https?.start()]);
  }

  private async closeAll(entry: KubeletServers): Promise<void> {
    await Promise.all([entry.http.stop(), entry.https?.stop()]);
  }

  private handle(node: SimNode, req: IncomingMessage, res: ServerResponse, secure: boolean): void {
    res.setHeader('x-heapster-sim', this.options.instanceId);
    if (
      secure &&
      this.options.token !== undefined &&
      req.headers.authorization !== `Bearer ${this.options.token}`
    ) {
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('Unauthorized');
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { 'content-type': 'text/plain' });
      res.end('Method Not Allowed');
      return;
    }
    switch (path) {
      case '/healthz':
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        return;
      case '/stats/summary':
      case '/stats/summary/': {
        const entry = this.servers.get(node.name);
        const now = this.cluster.options.clock.now();
        if (entry !== undefined) entry.lastServedMs = now;
        this.servedSummaries++;
        answerJson(
          req,
          res,
          {
            render: () => renderSummary(node, now, this.options),
            renderMissingFields: () => renderSummaryMissingFields(node, now, this.options),
          },
          this.faultFor(node.name),
        );
        return;
      }
      default:
        sendJson(res, 404, JSON.stringify({ message: `404 page not found: ${path}` }));
    }
  }
}
