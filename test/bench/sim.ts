import { simClient } from './sim-client.js';
import { startSimProcess } from './sim-process.js';

/**
 * `npm run bench -- sim [--nodes N] [--pods-per-node P]`: how long the simulator takes to be ready, and what
 * serving one full round of node summaries through the API server's node proxy costs it in CPU.
 */
export async function benchSim(args: Map<string, string>): Promise<void> {
  const nodes = Number(args.get('nodes') ?? 1000);
  const podsPerNode = Number(args.get('pods-per-node') ?? 30);
  const concurrency = Number(args.get('concurrency') ?? 32);
  const sim = await startSimProcess(['--nodes', String(nodes), '--pods-per-node', String(podsPerNode)]);
  try {
    const { apiServer, caPath, token } = sim.ready;
    const get = simClient({ apiServer, caPath, token }, concurrency);
    const info = async (): Promise<{
      cpuUsage: { user: number; system: number };
      rssBytes: number;
      instanceId: string;
    }> => JSON.parse((await get('GET', '/sim/v1/info')).toString()) as never;

    const before = await info();
    if (before.instanceId !== sim.ready.instanceId)
      throw new Error('the server answering is not the simulator this bench started');
    const names = Array.from({ length: nodes }, (_, i) => `node-${String(i).padStart(4, '0')}`);
    const started = process.hrtime.bigint();
    let bytes = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < names.length) {
          const name = names[next++] as string;
          const body = await get('GET', `/api/v1/nodes/${name}/proxy/stats/summary`);
          bytes += body.length;
        }
      }),
    );
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    const after = await info();
    const cpuMs =
      (after.cpuUsage.user + after.cpuUsage.system - before.cpuUsage.user - before.cpuUsage.system) / 1000;
    get.close();
    console.log(
      `bench sim: ${nodes} nodes x ${podsPerNode} pods x 2 containers, ${concurrency} concurrent HTTPS requests through the node proxy`,
    );
    console.log(
      `  conditions: node ${process.version}, ${(await import('node:os')).cpus().length} cores, simulator in its own process`,
    );
    console.log(`  ready in              ${(sim.ready.startupMs / 1000).toFixed(1)} s (target < 30 s)`);
    console.log(
      `  round of summaries    ${nodes} in ${(wallMs / 1000).toFixed(2)} s wall, ${(bytes / 1024 / 1024).toFixed(1)} MiB`,
    );
    console.log(
      `  simulator CPU (round) ${(cpuMs / 1000).toFixed(2)} s (target < 20 s), ${(cpuMs / nodes).toFixed(2)} ms per node`,
    );
    console.log(`  simulator RSS         ${(after.rssBytes / 1024 / 1024).toFixed(0)} MiB`);
  } finally {
    await sim.stop();
  }
}
