import { planCost } from '../../shared/plan/cost-model.js';
import { ConfigError, parsePlanOptions, PLAN_FLAGS } from '../../shared/plan/plan-options.js';
import { formatPlan, planAssumptions, priceSources } from '../../shared/plan/plan-text.js';
import type { PlanInputs } from '../../shared/plan/usage-model.js';
import { problemForFlags, type ConfigFlag } from './config-flags.js';
import { parseFlags, type CliIo } from './io.js';

/** --sinks sets what SINKS would: its problems read as the scrape command's do, with the flag's name. */
const SINKS_FLAG: ConfigFlag = { flag: 'sinks', variable: 'SINKS', repeatable: true, help: '' };

export function planUsage(): string {
  return [
    'usage: heapster plan --nodes=N [--pods-per-node=N] [--resolution=60s] [--sinks=gcm] [--json] [flags]',
    '',
    "What a month of Heapster Serverless costs at Google Cloud's list prices: Cloud Monitoring ingestion,",
    'the scrape function, Pub/Sub, Firestore, Cloud Scheduler, the events service and Cloud Logging; and the',
    "series each monitored resource gets against Cloud Monitoring's per-resource quota. Nothing is deployed",
    'or called: choose levels and metrics (gcm?levels=...&metrics=...) before deploying.',
    '',
    ...PLAN_FLAGS.map((f) => `  ${`--${f.flag}=${f.value}`.padEnd(29)}${f.help}`),
    `  ${'--no-events'.padEnd(29)}without the events service`,
    `  ${'--json'.padEnd(29)}the plan as JSON`,
    '',
    'examples:',
    '  heapster plan --nodes=1000 --pods-per-node=30',
    "  heapster plan --nodes=5000 --resolution=15s --sinks='gcm?levels=pod,node,ns,cluster&metrics=core'",
  ].join('\n');
}

/** `heapster plan`: answers the exit code (0 printed, 2 bad flags). */
export async function planCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parsePlanArgs(argv);
  if (values['help'] === true) {
    io.stdout(planUsage() + '\n');
    return 0;
  }
  let inputs: PlanInputs;
  try {
    inputs = parsePlanOptions(values);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const problems = err.problems.map((p) => problemForFlags(p, new Set(), [SINKS_FLAG]));
    io.stderr(new ConfigError(problems).message + '\n');
    return 2;
  }
  const plan = planCost(inputs);
  if (values['json'] === true) {
    const sources = priceSources().map(([item, source]) => ({ item, ...source }));
    io.stdout(
      JSON.stringify({ inputs, ...plan, assumptions: planAssumptions(inputs, plan), sources }) + '\n',
    );
  } else io.stdout(formatPlan(inputs, plan));
  return 0;
}

function parsePlanArgs(argv: readonly string[]) {
  return parseFlags({
    args: [...argv],
    options: {
      ...Object.fromEntries(
        PLAN_FLAGS.map((f) => [f.flag, { type: 'string' as const, multiple: f.flag === 'sinks' }]),
      ),
      'no-events': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
}
