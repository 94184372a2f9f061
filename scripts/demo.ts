import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startSim } from '../test/sim/sim.js';
import type { SummaryJson } from '../test/sim/truth.js';

/**
 * `npm run demo [-- --keep]`: starts a small simulated cluster and reads it the way the scraper does, through
 * the API server with the kubeconfig the simulator wrote. With --keep it stays up until Ctrl-C.
 */
type PodStats = {
  podRef: { namespace: string; name: string };
  cpu?: { usageNanoCores?: number };
  memory?: { workingSetBytes?: number };
};

async function main(): Promise<void> {
  const keep = process.argv.includes('--keep');
  const sim = await startSim({
    nodes: 3,
    podsPerNode: 8,
    eventsPerSecond: 2,
    kubeletHttpPort: 0,
    kubeletHttpsPort: 0,
  });
  console.log('Simulated cluster ready:');
  console.log(`  API server  ${sim.url}  (kubeconfig: ${sim.kubeconfigPath})`);
  console.log(`  kubelets    ${sim.nodeAddressRange}`);
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(sim.kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const nodes = await core.listNode();
    console.log(`\n${nodes.items.length} nodes: ${nodes.items.map((n) => n.metadata?.name).join(', ')}`);
    for (const node of nodes.items) {
      const name = node.metadata?.name as string;
      const summary = (await core.connectGetNodeProxyWithPath({
        name,
        path: 'stats/summary',
      })) as unknown as SummaryJson;
      const pods = summary.pods as unknown as PodStats[];
      console.log(`\n${name}: ${pods.length} pods (GET /api/v1/nodes/${name}/proxy/stats/summary)`);
      console.log(`  ${'POD'.padEnd(44)} ${'CPU (m)'.padStart(8)} ${'WORKING SET (MiB)'.padStart(18)}`);
      for (const pod of pods.slice(0, 5)) {
        const cpu = (pod.cpu?.usageNanoCores ?? 0) / 1e6;
        const ws = (pod.memory?.workingSetBytes ?? 0) / 1024 / 1024;
        console.log(
          `  ${`${pod.podRef.namespace}/${pod.podRef.name}`.padEnd(44)} ${cpu.toFixed(0).padStart(8)} ${ws.toFixed(1).padStart(18)}`,
        );
      }
      if (pods.length > 5) console.log(`  ... and ${pods.length - 5} more`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500)); // let the simulator generate a few events
    const events = await core.listEventForAllNamespaces({ limit: 5 });
    console.log(
      `\nrecent events: ${events.items.map((e) => `${e.reason} ${e.involvedObject.name}`).join('; ') || '(none yet)'}`,
    );
    if (keep) {
      console.log('\nRunning until Ctrl-C. Try: kubectl --kubeconfig ' + sim.kubeconfigPath + ' get pods -A');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    await sim.stop();
  }
}

main().catch((err: unknown) => {
  console.error(`demo: ${(err as Error).message}`);
  process.exit(1);
});
