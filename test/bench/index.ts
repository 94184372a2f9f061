import { benchScrape } from './scrape.js';
import { benchGcm } from './gcm.js';
import { benchInfluxdb } from './influxdb.js';
import { benchSim } from './sim.js';
import { benchEvents } from './events.js';
import { benchScale } from './scale.js';

/** `npm run bench [-- NAME [--flag value ...]]`: runs one benchmark, or all of them, printing figures and conditions. */
const benches: Record<string, (args: Map<string, string>) => Promise<void>> = {
  sim: benchSim,
  influxdb: benchInfluxdb,
  scrape: benchScrape,
  gcm: benchGcm,
  events: benchEvents,
  scale: benchScale,
};

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  const args = new Map<string, string>();
  for (let i = 0; i < rest.length; i += 2)
    args.set((rest[i] as string).replace(/^--/, ''), rest[i + 1] ?? '');
  const chosen = name === undefined ? Object.keys(benches) : [name];
  for (const bench of chosen) {
    const run = benches[bench];
    if (run === undefined)
      throw new Error(`no benchmark "${bench}"; one of: ${Object.keys(benches).join(', ')}`);
    await run(args);
  }
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).message}`);
  process.exit(1);
});
