import type { PointLabels } from '../../shared/metrics/labels.js';
import { forEachPoint, type Batch } from '../../shared/metrics/model.js';
import type { MetricSink, WriteReport } from '../../shared/sinks/sink.js';
import { pointKey, type LoggedPoint } from './point-lines.js';

/** How a capturing sink answers a write. */
export const SINK_BEHAVIOURS = ['accept', 'throw', 'report-error'] as const;
export type SinkBehaviour = (typeof SINK_BEHAVIOURS)[number];

/**
 * A sink for tests that keeps every batch it is given as points keyed like the log sink's lines (labels with
 * empty values left out), and then accepts the batch, throws, or reports a failed write, as told.
 */
export interface CaptureSink extends MetricSink {
  /** One map per write call, in order. */
  readonly writes: Map<string, LoggedPoint>[];
  behaviour: SinkBehaviour;
}

export function captureSink(name = 'capture'): CaptureSink {
  const sink: CaptureSink = {
    name,
    writes: [],
    behaviour: 'accept',
    async write(batch: Batch): Promise<WriteReport> {
      const points = batchPoints(batch);
      sink.writes.push(points);
      if (sink.behaviour === 'throw') throw new Error(`${name}: the backend is down`);
      if (sink.behaviour === 'report-error')
        return {
          sink: name,
          written: 0,
          rejected: { unavailable: points.size },
          retried: 2,
          error: 'HTTP 503',
        };
      return { sink: name, written: points.size, rejected: {}, retried: 0 };
    },
    close: async () => undefined,
  };
  return sink;
}

/** A copy of a batch that stays valid after its write (a round's value arrays serve the next round again). */
export function keptBatch(batch: Batch): Batch {
  return {
    ...batch,
    blocks: batch.blocks.map((block) => ({
      ...block,
      owners: Array.from(block.owners),
      times: Array.from(block.times),
      values: block.values.slice(),
      points: {
        set: Array.from(block.points.set),
        metric: Array.from(block.points.metric),
        value: Array.from(block.points.value),
        label: Array.from(block.points.label),
        labelTable: [...block.points.labelTable],
      },
    })),
  };
}

export function batchPoints(batch: Batch): Map<string, LoggedPoint> {
  const points = new Map<string, LoggedPoint>();
  for (const block of batch.blocks) {
    forEachPoint(block, (_set, setLabels, metric, value, pointLabels: PointLabels | undefined) => {
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...setLabels, ...pointLabels }))
        if (typeof v === 'string' && v !== '') labels[k] = v;
      const key = pointKey(metric.name, labels);
      if (points.has(key)) throw new Error(`point written twice in one batch: ${key}`);
      points.set(key, { metric: metric.name, labels, value });
    });
  }
  return points;
}
