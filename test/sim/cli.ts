import { parseArgs } from 'node:util';
import { DEFAULT_SIM_OPTIONS, startSim, type SimOptions } from './sim.js';

/**
 * `npm run sim -- --nodes N --pods-per-node P --containers-per-pod C --events-per-sec R`
 * Starts a simulated cluster, prints one JSON line when ready, stops on SIGINT/SIGTERM.
 */
const numeric = {
  nodes: 'nodes',
  'pods-per-node': 'podsPerNode',
  'containers-per-pod': 'containersPerPod',
  'events-per-sec': 'eventsPerSecond',
  seed: 'seed',
  'stats-interval-ms': 'statsIntervalMs',
  'kubelet-port': 'kubeletHttpPort',
  'kubelet-https-port': 'kubeletHttpsPort',
  'watch-history': 'watchHistory',
  'bookmark-interval-ms': 'bookmarkIntervalMs',
  'pod-churn-per-min': 'podChurnPerMinute',
  'restarts-per-min': 'restartsPerMinute',
  'accelerator-every': 'acceleratorEvery',
  'second-octet': 'secondOctet',
  'cadvisor-hosts': 'cadvisorHosts',
  'cadvisor-port': 'cadvisorPort',
} as const satisfies Record<string, keyof SimOptions>;

function usage(problem: string): never {
  const flags = Object.keys(numeric).map((f) => `--${f} N`);
  console.error(
    `sim: ${problem}\nusage: npm run sim -- [${flags.join('] [')}] [--token T | --no-auth] [--work-dir DIR]`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(Object.keys(numeric).map((f) => [f, { type: 'string' as const }])),
      token: { type: 'string' },
      'no-auth': { type: 'boolean' },
      'work-dir': { type: 'string' },
    },
    strict: true,
  });
  const options: Partial<SimOptions> = {};
  for (const [flag, key] of Object.entries(numeric)) {
    const raw = (values as Record<string, unknown>)[flag];
    if (typeof raw !== 'string') continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) usage(`--${flag} must be a non-negative number, got "${raw}"`);
    (options as Record<string, number>)[key] = n;
  }
  if (values['no-auth'] === true) options.token = null;
  else if (typeof values.token === 'string') options.token = values.token;
  if (typeof values['work-dir'] === 'string') options.workDir = values['work-dir'];
  // Signal handlers go in before anything starts, so a stop request is never missed.
  const running: { sim?: Awaited<ReturnType<typeof startSim>> } = {};
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    (running.sim === undefined ? Promise.resolve() : running.sim.stop()).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const started = Date.now();
  const sim = await startSim({ ...DEFAULT_SIM_OPTIONS, ...options });
  running.sim = sim;
  if (stopping) return void (await sim.stop());
  console.log(JSON.stringify({ ready: true, startupMs: Date.now() - started, ...sim.describe() }));
}

main().catch((err: unknown) => {
  console.error(`sim: ${(err as Error).message}`);
  process.exit(1);
});
