import { startGcmStandIn, type GcmStandIn } from './server.js';

/**
 * `node --import tsx test/stand-ins/gcm/cli.ts [--keep all|last|none]`: the Monitoring stand-in as its own process
 * (so that a benchmark measures the sink's CPU apart from it). Prints one JSON line when ready, and its
 * statistics as another JSON line when it receives SIGUSR2; stops on SIGINT or SIGTERM.
 */
const keepArg = process.argv[process.argv.indexOf('--keep') + 1];
const keep = keepArg === 'all' || keepArg === 'none' ? keepArg : 'last';
const holder: { standIn?: GcmStandIn } = {};

const stop = async (): Promise<void> => {
  await holder.standIn?.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGUSR2', () => {
  const usage = process.cpuUsage();
  console.log(
    JSON.stringify({
      stats: holder.standIn?.stats,
      cpuMs: (usage.user + usage.system) / 1000,
      rssBytes: process.memoryUsage().rss,
    }),
  );
});

holder.standIn = await startGcmStandIn({ keep });
console.log(JSON.stringify({ ready: true, endpoint: holder.standIn.endpoint, pid: process.pid, keep }));
