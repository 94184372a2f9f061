import { METRIC_SET_TYPES, METRICS, type MetricDefinition } from './catalogue.js';
import { LABELS } from './labels.js';

/** docs/metrics.md, rendered from the catalogue (scripts/gen-metrics-doc.ts writes it; a test checks it). */
export function renderMetricsDoc(): string {
  const metrics = (METRICS as readonly MetricDefinition[]).map((m) => [
    code(m.name),
    m.kind,
    m.valueType,
    m.unit,
    m.levels.join(', '),
    m.pointLabels.map(code).join(', '),
    m.description,
  ]);
  const labels = LABELS.map((l) => [code(l.key), l.description]);
  return [
    '# Metrics',
    '',
    '<!-- Generated from shared/metrics/catalogue.ts by `node --import tsx scripts/gen-metrics-doc.ts`. Do not edit. -->',
    '',
    "Every metric the pipeline emits, with Heapster's names, so that Heapster's InfluxDB schema and Grafana",
    'dashboards keep working. A metric keeps its value type forever (InfluxDB field types cannot change).',
    "All points of one round carry the round's scheduled time; rates use the time of each stat (kubelet or cAdvisor).",
    '',
    `Levels are the values of the \`type\` label: ${METRIC_SET_TYPES.map(code).join(', ')}.`,
    'A metric is only emitted where its source (the kubelet Summary API, a standalone cAdvisor, the pod or node spec)',
    'supplies it: an absent stat is never a zero.',
    '',
    table(['Metric', 'Kind', 'Value', 'Unit', 'Levels', 'Point labels', 'Description'], metrics),
    '',
    '## Labels',
    '',
    table(['Label', 'Description'], labels),
    '',
  ].join('\n');
}

const code = (text: string): string => `\`${text}\``;

/** A Markdown table aligned the way Prettier aligns it, so the generated file passes `prettier --check`. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows].map((r) => r.map((cell) => cell.replace(/\|/g, '\\|')));
  const widths = header.map((_, c) => Math.max(3, ...all.map((r) => (r[c] as string).length)));
  const line = (r: readonly string[]) =>
    `| ${r.map((cell, c) => cell.padEnd(widths[c] as number)).join(' | ')} |`;
  const [head, ...body] = all as [string[], ...string[][]];
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
