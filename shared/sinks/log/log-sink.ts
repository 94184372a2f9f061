import { countBatch, forEachPoint, type Batch } from '../../metrics/model.js';
import type { Labels, PointLabels } from '../../metrics/labels.js';
import type { Logger } from '../../runtime/log.js';
import type { MetricSink, WriteReport } from '../sink.js';

export interface LogSinkOptions {
  /** Print every point, one line each (Heapster's log sink did; large clusters make large logs). */
  readonly points: boolean;
}

/**
 * Heapster's debugging sink: a summary per round in the structured log and, on request, every point as a
 * line `metric{label="value",...} value` on standard output.
 */
export function logSink(
  options: LogSinkOptions,
  log: Logger,
  write: (text: string) => void = (t) => process.stdout.write(t),
): MetricSink {
  return {
    name: options.points ? 'log?points=true' : 'log',
    async write(batch: Batch): Promise<WriteReport> {
      if (options.points) printPoints(batch, write);
      // Counted once for the whole round when the batch says; only a batch without counts is walked here.
      const { total, perType } = batch.counts ?? countBatch(batch.blocks);
      log.info('log sink: round written', {
        sink: 'log',
        timestamp: new Date(batch.timestamp).toISOString(),
        points: total,
        pointsPerType: perType,
      });
      return { sink: this.name, written: total, rejected: {}, retried: 0 };
    },
    close: async () => undefined,
  };
}

function printPoints(batch: Batch, write: (text: string) => void): void {
  const lines: string[] = [];
  for (const block of batch.blocks) {
    forEachPoint(block, (_set, labels, metric, value, pointLabels) => {
      lines.push(`${metric.name}{${formatLabels(labels, pointLabels)}} ${value}`);
      if (lines.length >= 10_000) write(lines.splice(0).join('\n') + '\n');
    });
  }
  if (lines.length > 0) write(lines.join('\n') + '\n');
}

function formatLabels(labels: Labels, pointLabels: PointLabels | undefined): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(labels))
    if (v !== undefined && v !== '') parts.push(`${k}=${JSON.stringify(v)}`);
  if (pointLabels)
    for (const [k, v] of Object.entries(pointLabels))
      if (v !== undefined && v !== '') parts.push(`${k}=${JSON.stringify(v)}`);
  return parts.join(',');
}
