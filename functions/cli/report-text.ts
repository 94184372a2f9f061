import type { ScrapeReport } from '../../shared/scrape/report.js';

/** A round's report for people: what was scraped, what failed and why, where points went. */
export function formatReport(report: ScrapeReport): string {
  const lines: string[] = [];
  const n = report.nodes;
  lines.push(
    `round ${report.roundTime}  cluster ${report.cluster}  ${(report.durationMs / 1000).toFixed(2)} s  ${report.severity}`,
  );
  if (report.error !== undefined) lines.push(`  error   ${report.error}`);
  lines.push(`  nodes   ${n.ok}/${n.total} ok${n.failed > 0 ? `, ${n.failed} failed` : ''}`);
  lines.push(`  pods    ${report.pods}`);
  const perType = Object.entries(report.pointsPerType)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, count]) => `${type} ${count}`)
    .join(', ');
  lines.push(`  points  ${report.points}${perType === '' ? '' : ` (${perType})`}`);
  for (const sink of report.sinks) {
    const rejected = Object.entries(sink.rejected).map(([reason, count]) => `${count} ${reason}`);
    lines.push(
      `  sink    ${sink.sink}: ${sink.written} written` +
        (rejected.length > 0 ? `, rejected ${rejected.join(', ')}` : '') +
        (sink.retried > 0 ? `, ${sink.retried} retried` : '') +
        (sink.error !== undefined ? `, failed: ${sink.error}` : ''),
    );
  }
  if (report.counterResets > 0) lines.push(`  resets  ${report.counterResets} (rates withheld)`);
  if (report.state.error !== undefined) lines.push(`  state   ${report.state.error}`);
  const shown = n.failures.slice(0, 20);
  for (const f of shown)
    lines.push(`  failed  ${f.node}: ${f.reason}${f.status ? ` ${f.status}` : ''}: ${f.message}`);
  if (n.failures.length > shown.length) lines.push(`  ... and ${n.failures.length - shown.length} more`);
  for (const p of report.problems) lines.push(`  skipped ${p}`);
  return lines.join('\n') + '\n';
}
