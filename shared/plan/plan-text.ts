import { FREE_DATABASE, type CostPlan } from './cost-model.js';
import { ACTIVE_SERIES_PER_RESOURCE, PRICES, type PriceSource } from './prices.js';
import { UNCOUNTED_METRICS } from './series-model.js';
import { SCHEDULER_MIN_MS, type PlanInputs } from './usage-model.js';

/** What the figures rest on, in words: printed under the table and returned in the JSON answer. */
export function planAssumptions(inputs: PlanInputs, plan: CostPlan): string[] {
  const { shape, timing, resolutionMs } = inputs;
  const uncounted = [...new Set(Object.values(UNCOUNTED_METRICS))].map(
    (why) =>
      `${Object.keys(UNCOUNTED_METRICS)
        .filter((m) => UNCOUNTED_METRICS[m] === why)
        .join(', ')}: ${why}`,
  );
  const lines = [
    `A 730-hour month: ${fmt(plan.usage.roundsPerMonth)} rounds at one every ${resolutionMs / 1000}s.`,
    `Every node alike: ${shape.podsPerNode} pods of ${shape.containersPerPod} containers, ${plural(shape.volumesPerPod, 'volume')} per pod, ${shape.systemContainersPerNode} system containers; ${shape.namespaces} namespaces.`,
    'Filesystems: rootfs and logs per container, one per pod volume, the root filesystem per node, none for system containers.',
    'Series are those of a steady round (rates need the previous round); one point per series per round. ' +
      `Not counted: ${uncounted.join('; ')}.`,
    `Scrape CPU ${timing.cpuMsPerNode} ms per node and gcm sink ${timing.cpuMsPerThousandPoints} ms per 1000 points, measured by the benchmarks on a 2-core test machine; ` +
      `${timing.overheadMsPerInvocation} ms per invocation besides; an invocation is billed for its whole request at ${inputs.scrape.vcpu} vCPU and ${inputs.scrape.memoryGiB} GiB.`,
  ];
  if (resolutionMs < SCHEDULER_MIN_MS)
    lines.push(
      `Cloud Scheduler runs once a minute: each invocation runs ${SCHEDULER_MIN_MS / resolutionMs} rounds and is billed while it waits between them.`,
    );
  if (plan.usage.shards > 1)
    lines.push(
      `${plan.usage.shards} shards of up to ${inputs.shardSize ?? shape.nodes} nodes a round, side by side: one Pub/Sub message each ` +
        '(billed published and pushed, each push at least 1000 bytes), one invocation each; the coordinator waits for ' +
        "them, reading the round's Firestore record every 500 ms; claims, reports and totals are Firestore transactions.",
    );
  lines.push(
    `Firestore counters: about ${inputs.counterBytesPerEntity} bytes per node, pod and container, in documents of up to 900 KiB, each read twice and written once a round.`,
    inputs.firestoreDatabase === FREE_DATABASE
      ? 'Firestore database (default): its daily free reads and writes apply.'
      : `Firestore database "${inputs.firestoreDatabase}": a named database, so no free quota (only (default) has one).`,
  );
  if (inputs.events !== undefined)
    lines.push(
      `Events service: one always-on instance (${inputs.events.vcpu} vCPU, ${inputs.events.memoryGiB} GiB, instance-based billing), ` +
        `${inputs.events.perNodeHour} events per node per hour of ${inputs.events.bytesPerEntry} bytes each in Cloud Logging, ` +
        `a lease transaction every ${inputs.events.leaseRenewMs / 1000}s and at most one checkpoint a second.`,
    );
  if (inputs.sinks.some((s) => s.kind === 'influxdb'))
    lines.push('InfluxDB sinks write to a server of your own: it is not priced here.');
  lines.push(
    "Free allotments are per billing account or project and shared with everything else there: 'after free' assumes this deployment is their only user.",
  );
  return lines;
}

const BILL_COLUMNS = [38, 24, 16, 16];

/** The plan as a table for a terminal. */
export function formatPlan(inputs: PlanInputs, plan: CostPlan): string {
  const { shape } = inputs;
  const out: string[] = [
    `Monthly cost for ${fmt(shape.nodes)} nodes x ${shape.podsPerNode} pods x ${shape.containersPerPod} containers, ` +
      `a round every ${inputs.resolutionMs / 1000}s (list prices in USD read ${plan.pricesRead})`,
    '',
    row(['item', 'usage a month', 'list', 'after free'], BILL_COLUMNS),
  ];
  for (const i of plan.items)
    out.push(row([i.label, `${fmt(i.quantity)} ${i.unit}`, usd(i.listUsd), usd(i.usd)], BILL_COLUMNS));
  out.push(row(['total', '', usd(plan.totalListUsd), usd(plan.totalUsd)], BILL_COLUMNS), '');
  for (const w of plan.warnings) out.push(`warning: ${w}`);
  if (plan.warnings.length > 0) out.push('');

  const series = plan.usage.series;
  if (series.levels.length === 0) out.push('No gcm sink: no Cloud Monitoring series.');
  else {
    out.push(`GCM points a round: ${fmt(plan.usage.gcmPointsPerRound)} (one per series)`);
    out.push(row(['level', 'entities', 'series each', 'series'], [16, 14, 14, 14]));
    for (const l of series.levels)
      out.push(row([l.level, fmt(l.entities), fmt(l.seriesPerEntity), fmt(l.series)], [16, 14, 14, 14]));
    out.push(
      '',
      `Series per monitored resource (quota: ${fmt(plan.seriesLimit)} active series per resource)`,
    );
    out.push(row(['resource', 'resources', 'series each', 'of the quota'], [16, 14, 14, 14]));
    for (const r of series.resources) {
      const share = `${((100 * r.seriesPerResource) / plan.seriesLimit).toFixed(2)}%`;
      const over = r.seriesPerResource > plan.seriesLimit ? '  OVER THE QUOTA' : '';
      out.push(row([r.type, fmt(r.resources), fmt(r.seriesPerResource), share], [16, 14, 14, 14]) + over);
    }
  }
  out.push('', 'Assumptions:', ...planAssumptions(inputs, plan).map((a) => `  - ${a}`));
  out.push('', `Prices (read ${plan.pricesRead}; * = a figure not seen on the page itself, see the note):`);
  for (const [name, source] of priceSources())
    out.push(
      `  ${source.confirmed ? ' ' : '*'} ${name}: ${source.url}${source.note === undefined ? '' : ` (${source.note})`}`,
    );
  return out.join('\n') + '\n';
}

/** Every price's source, by what it prices. */
export function priceSources(): [string, PriceSource][] {
  return [
    ['Cloud Monitoring ingestion', PRICES.monitoring.source],
    ['Cloud Run functions, request-based', PRICES.runRequestBased.source],
    ['Cloud Run, instance-based', PRICES.runInstanceBased.source],
    ['Pub/Sub', PRICES.pubsub.source],
    ['Firestore', PRICES.firestore.source],
    ['Cloud Scheduler', PRICES.scheduler.source],
    ['Cloud Logging', PRICES.logging.source],
    ['series per resource quota', ACTIVE_SERIES_PER_RESOURCE.source],
  ];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function row(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
    .join('')
    .trimEnd();
}

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : n < 1000 ? 1 : 0 });
}

function usd(n: number): string {
  return `$${n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}
