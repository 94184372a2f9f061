import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fault } from '../faults.js';
import { sendJson } from '../faults.js';
import { close, listen } from '../loopback.js';
import { generateTls } from '../tls.js';
import type { SimTls } from '../tls.js';
import { apiGroupList, apiResourceList, apiVersions, eventsApiGroup, versionInfo } from './discovery.js';
import { isWatch, serveResource } from './handlers.js';
import type { ResourceContext } from './handlers.js';
import { createListPager } from './paging.js';
import { createClusterStores } from './resources.js';
import type { ServedStores } from './resources.js';
import { parseRoute } from './routes.js';
import type { Route } from './routes.js';
import { notFound, pathNotFound, sendStatus, status } from './status.js';
import type { WatchCloser } from './watch.js';

/*
 * A Kubernetes API server for tests, spoken to over HTTP and HTTPS by real clients (client-node, kubectl):
 * GET/list/watch of nodes, namespaces, pods and events (core/v1 and events.k8s.io/v1), discovery, Table
 * printing, the node proxy. What it deliberately leaves out: writes through the API, lists at an exact older
 * resourceVersion (every list is served from the latest state), and waiting for a watch resourceVersion
 * newer than the current one (such a watch just starts delivering after it).
 */

/**
 * Answers `/api/v1/nodes/NAME/proxy/PATH`. `path` is the decoded target on the node, starting with "/";
 * the query string is in `req.url`. `port` and `scheme` come from a `scheme:name:port` node id.
 */
export type NodeProxyHook = (
  nodeName: string,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  target: { port: number | undefined; scheme: string | undefined },
) => void | Promise<void>;

/** Serves paths outside the Kubernetes API (before authentication); returns whether it answered. */
export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface ApiServerOptions {
  /** The objects to serve (stores sharing one Versioner); a fresh empty set when absent. */
  stores?: ServedStores;
  /** History kept per store, when the stores are created here. */
  historyLimit?: number;
  /** When set, every API request must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Serving certificate; a fresh CA and certificate (in a temp dir removed on stop) when absent. */
  tls?: SimTls;
  /** The simulated cluster's clock (creation timestamps, table ages, continue-token expiry). */
  now?: () => number;
  gitVersion?: string;
  /** BOOKMARK cadence for watches that allow them. */
  bookmarkIntervalMs?: number;
  /** How long a watch without timeoutSeconds stays open. */
  watchTimeoutMs?: number;
  continueTtlMs?: number;
  maxListSnapshots?: number;
  proxy?: NodeProxyHook;
  extraRoutes?: ExtraRoutes;
}

export interface ApiServer {
  readonly httpUrl: string;
  readonly httpsUrl: string;
  readonly caPath: string;
  readonly caPem: string;
  readonly token: string | undefined;
  readonly stores: ServedStores;
  /** Open watch streams right now. */
  readonly openWatches: number;
  /** Makes get/list/watch answers fail (or stall) until cleared with undefined. */
  setApiFault(fault: Fault | undefined): void;
  stop(): Promise<void>;
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const now = options.now ?? Date.now;
  const stores = options.stores ?? createClusterStores({ historyLimit: options.historyLimit, now });
  let tempDir: string | undefined;
  let tls = options.tls;
  if (tls === undefined) {
    tempDir = mkdtempSync(join(tmpdir(), 'sim-apiserver-'));
    tls = generateTls(tempDir);
  }
  const openWatches = new Set<WatchCloser>();
  const ctx: ResourceContext = {
    stores,
    pager: createListPager({ ttlMs: options.continueTtlMs, maxSnapshots: options.maxListSnapshots, now }),
    now,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    defaultWatchTimeoutMs: options.watchTimeoutMs ?? 30 * 60_000,
    openWatches,
    fault: undefined,
  };
  let httpsAddress = '';
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendStatus(res, status(500, `internal error: ${String(err)}`));
      else res.destroy();
    });
  };
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.extraRoutes !== undefined && (await options.extraRoutes(req, res))) return;
    if (options.token !== undefined && req.headers.authorization !== `Bearer ${options.token}`) {
      return sendStatus(res, status(401, 'Unauthorized'));
    }
    const url = new URL(req.url ?? '/', 'http://apiserver');
    const route = parseRoute(url.pathname);
    if (route.kind === 'node-proxy') return proxyToNode(route, req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendStatus(res, status(405, `the server does not allow this method on the requested resource`));
    }
    if (route.kind !== 'resource') return serveFixed(route, res);
    const fault = ctx.fault;
    const watching = isWatch(route, url.searchParams);
    const serve = (bend: Fault | undefined): void =>
      serveResource({ ...ctx, fault: bend }, req, res, route, url.searchParams);
    if (fault === undefined) return serve(undefined);
    if (fault.kind === 'status') return sendFaultStatus(res, fault);
    if (!watching) return serve(fault);
    // A watch stream can only be delayed, stalled or cut; body-bending faults leave it alone.
    if (fault.kind === 'slow') setTimeout(() => serve(undefined), fault.delayMs);
    else if (fault.kind === 'reset' || fault.kind === 'unreachable') req.socket.destroy();
    else if (fault.kind !== 'hang') serve(undefined);
  };

  const proxyToNode = async (
    route: Extract<Route, { kind: 'node-proxy' }>,
    req: IncomingMessage,
    res: ServerResponse,
  ) => {
    if (stores.nodes.get('', route.node) === undefined) return sendStatus(res, notFound('nodes', route.node));
    if (options.proxy === undefined) {
      return sendStatus(res, status(503, `no node proxy is configured for node "${route.node}"`));
    }
    try {
      await options.proxy(route.node, route.path, req, res, { port: route.port, scheme: route.scheme });
    } catch (err) {
      if (!res.headersSent) sendStatus(res, status(503, `error trying to reach service: ${String(err)}`));
      else res.destroy();
    }
  };

  const serveFixed = (
    route: Exclude<Route, { kind: 'resource' | 'node-proxy' }>,
    res: ServerResponse,
  ): void => {
    const json = (body: object): void => sendJson(res, 200, JSON.stringify(body));
    switch (route.kind) {
      case 'version':
        return json(versionInfo(options.gitVersion ?? 'v1.31.0'));
      case 'health':
        res.writeHead(200, {
          'content-type': 'text/plain; charset=utf-8',
          'x-content-type-options': 'nosniff',
        });
        return void res.end('ok');
      case 'api-versions':
        return json(apiVersions(httpsAddress));
      case 'group-list':
        return json(apiGroupList());
      case 'group':
        return json(eventsApiGroup());
      case 'resource-list': {
        const list = apiResourceList(route.group, route.version);
        return list === undefined ? sendStatus(res, pathNotFound()) : json(list);
      }
      case 'unknown':
        return sendStatus(res, pathNotFound());
    }
  };

  // Idle connections stay open as a real API server's do (Go closes none by default): Node's 5 s default
  // closes them under clients that reuse them after a pause, which answers their next request with a reset.
  const keepAliveTimeout = 120_000;
  const httpServer = createServer({ keepAliveTimeout }, handler);
  const httpsServer = createHttpsServer({ cert: tls.certPem, key: tls.keyPem, keepAliveTimeout }, handler);
  const servers: Server[] = [httpServer, httpsServer];
  try {
    const httpPort = await listen(httpServer, '127.0.0.1', 0);
    const httpsPort = await listen(httpsServer, '127.0.0.1', 0);
    httpsAddress = `127.0.0.1:${httpsPort}`;
    return {
      httpUrl: `http://127.0.0.1:${httpPort}`,
      httpsUrl: `https://${httpsAddress}`,
      caPath: tls.caPath,
      caPem: tls.caPem,
      token: options.token,
      stores,
      get openWatches() {
        return openWatches.size;
      },
      setApiFault: (fault) => {
        ctx.fault = fault;
      },
      stop: async () => {
        for (const closeWatch of [...openWatches]) closeWatch();
        await Promise.all(servers.map((s) => close(s)));
        if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await Promise.all(servers.map((s) => close(s)));
    if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
    throw err;
  }
}

/** The real server's throttling and unavailability answers: a Status, with Retry-After when given. */
function sendFaultStatus(res: ServerResponse, fault: Extract<Fault, { kind: 'status' }>): void {
  const messages: Record<number, string> = {
    429: 'Too many requests, please try again later.',
    503: 'the server is currently unable to handle the request',
    504: 'the server was unable to return a response in the time allotted, but may still be processing the request',
  };
  const retry = fault.retryAfterSeconds;
  const body = status(
    fault.code,
    messages[fault.code] ?? `simulated failure: HTTP ${fault.code}`,
    retry === undefined ? undefined : { retryAfterSeconds: retry },
  );
  sendStatus(res, body, retry === undefined ? {} : { 'retry-after': String(retry) });
}
