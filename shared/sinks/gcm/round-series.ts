import type { PointLabels } from '../../metrics/labels.js';
import type { Batch } from '../../metrics/model.js';
import type { Point, TimeInterval, TimeSeries, TypedValue } from './api.js';
import { timestamp, walkRound, type EncodeOptions, type SeriesReceiver } from './encode.js';

/**
 * A round as series objects: what the wire encoder writes, in a form tests and logs can read. Also the count of
 * a round's points when none is going to be written.
 */
export interface EncodedRound {
  readonly series: TimeSeries[];
  /** Points not encoded, by reason. */
  readonly dropped: Record<string, number>;
}

export function encodeRound(batch: Batch, options: EncodeOptions): EncodedRound {
  const dropped: Record<string, number> = {};
  const series: TimeSeries[] = [];
  const endTime = timestamp(batch.timestamp);
  const gauge: TimeInterval = { endTime };
  let lastStart = NaN;
  let cumulative: TimeInterval = gauge;
  const receiver: SeriesReceiver = {
    series(target, plan, start, value, pointLabels) {
      let interval = gauge;
      if (plan.cumulative) {
        if (start !== lastStart) cumulative = { startTime: timestamp((lastStart = start)), endTime };
        interval = cumulative;
      }
      const typed: TypedValue = plan.int ? { int64Value: value } : { doubleValue: value };
      const point: Point = { interval, value: typed };
      series.push({
        metric: { type: plan.type, labels: withPointLabels(target.metricLabels, pointLabels) },
        resource: target.resource,
        metricKind: plan.kind,
        valueType: plan.valueType,
        points: [point],
      });
    },
  };
  for (const _ of walkRound(batch, options, dropped, receiver));
  return { series, dropped };
}

/** How many points a round has for these options, written or dropped (nothing is built). */
export function countRound(batch: Batch, options: EncodeOptions): number {
  const dropped: Record<string, number> = {};
  let n = 0;
  for (const _ of walkRound(batch, options, dropped, { series: () => void n++ }));
  return n + Object.values(dropped).reduce((a, b) => a + b, 0);
}

function withPointLabels(
  setLabels: Readonly<Record<string, string>>,
  pointLabels: PointLabels | undefined,
): Readonly<Record<string, string>> {
  if (pointLabels === undefined) return setLabels;
  const labels: Record<string, string> = { ...setLabels };
  for (const k in pointLabels) {
    const v = pointLabels[k as keyof PointLabels];
    if (v !== undefined && v !== '') labels[k] = v;
  }
  return labels;
}
