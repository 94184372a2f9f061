import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFault } from './faults.js';
import { sendJson } from './faults.js';
import type { Sim } from './sim.js';

/**
 * The simulator's own control and ground-truth endpoints, next to the Kubernetes API (same auth):
 *   GET    /sim/v1/info                          who this is, sizes, its process CPU and memory
 *   GET    /sim/v1/truth/nodes/NAME/summary[?at=MS]  the exact summary served (by default the last one)
 *   PUT    /sim/v1/faults/NODE|all?fault=slow:2000   set a kubelet fault; DELETE clears it
 *   POST   /sim/v1/clock/advance?ms=N            move simulated time forward
 * Answers true when it handled the request.
 */
export function controlRoutes(req: IncomingMessage, res: ServerResponse, sim: () => Sim): boolean {
  const url = new URL(req.url ?? '/', 'http://sim');
  if (!url.pathname.startsWith('/sim/v1/')) return false;
  const parts = url.pathname.split('/').slice(3).map(decodeURIComponent);
  const s = sim();
  const fail = (code: number, message: string): void =>
    sendJson(res, code, JSON.stringify({ error: message }));
  try {
    if (req.method === 'GET' && parts[0] === 'info') {
      sendJson(
        res,
        200,
        JSON.stringify({
          ...s.describe(),
          servedSummaries: s.kubelets.servedSummaries,
          eventsGenerated: s.events.generated,
          cpuUsage: process.cpuUsage(),
          rssBytes: process.memoryUsage().rss,
          simTimeMs: s.clock.now(),
          // What a cluster total of cpu/usage_rate must come to: every node's load, millicores.
          nodeCpuMillicores: [...s.cluster.nodes.values()].reduce((sum, n) => sum + n.cpu.rate / 1e6, 0),
        }),
      );
    } else if (
      req.method === 'GET' &&
      parts[0] === 'truth' &&
      parts[1] === 'nodes' &&
      parts[3] === 'summary'
    ) {
      const at = url.searchParams.get('at');
      sendJson(
        res,
        200,
        JSON.stringify(s.truth.summary(parts[2] as string, at === null ? undefined : Number(at))),
      );
    } else if (
      parts[0] === 'faults' &&
      parts[1] !== undefined &&
      (req.method === 'PUT' || req.method === 'DELETE')
    ) {
      const fault = req.method === 'PUT' ? parseFault(url.searchParams.get('fault') ?? '') : undefined;
      s.setFault(parts[1], fault).then(
        () => sendJson(res, 200, JSON.stringify({ node: parts[1], fault: fault ?? null })),
        (err: Error) => fail(500, err.message),
      );
    } else if (req.method === 'POST' && parts[0] === 'clock' && parts[1] === 'advance') {
      s.clock.advance(Number(url.searchParams.get('ms')));
      sendJson(res, 200, JSON.stringify({ simTimeMs: s.clock.now() }));
    } else {
      fail(404, `no simulator endpoint ${req.method} ${url.pathname}`);
    }
  } catch (err) {
    fail(400, (err as Error).message);
  }
  return true;
}
