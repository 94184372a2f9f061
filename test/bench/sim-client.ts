import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';

/** Plain HTTPS to a simulator started by a benchmark: its control endpoints and the Kubernetes API. */
export interface SimClient {
  (method: string, path: string): Promise<Buffer>;
  close(): void;
}

export function simClient(
  target: { apiServer: string; caPath: string; token?: string | undefined },
  maxSockets = 8,
): SimClient {
  const agent = new Agent({ keepAlive: true, maxSockets, ca: readFileSync(target.caPath) });
  const headers: Record<string, string> = target.token ? { authorization: `Bearer ${target.token}` } : {};
  const call = (method: string, path: string): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const req = request(`${target.apiServer}${path}`, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`${method} ${path}: HTTP ${res.statusCode}`)),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  return Object.assign(call, { close: () => agent.destroy() });
}
