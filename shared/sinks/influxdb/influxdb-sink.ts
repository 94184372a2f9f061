import type { Batch } from '../../metrics/model.js';
import type { EventSink, MetricSink, WriteReport } from '../sink.js';
import type { InfluxdbSinkConfig } from './config.js';
import { influxdbConnection, type InfluxdbConnection, type InfluxdbDeps } from './connection.js';
import { encodeEvents, ENCODING_REFUSALS } from './encode-events.js';
import { encodeMetrics } from './encode-metrics.js';
import { PERMANENT } from './send-lines.js';

/**
 * `SINKS=influxdb:...`: a round's metrics in Heapster's InfluxDB schema (encode-metrics.ts), written and
 * awaited within the round (send-lines.ts). Nothing runs between rounds: no timers, no buffers.
 */
export function influxdbSink(config: InfluxdbSinkConfig, deps: InfluxdbDeps): MetricSink {
  return metricSinkOn(influxdbConnection(config, deps), config);
}

export function metricSinkOn(connection: InfluxdbConnection, config: InfluxdbSinkConfig): MetricSink {
  return {
    name: connection.name,
    write: async (batch: Batch, signal: AbortSignal): Promise<WriteReport> => {
      const { unsent, error, ...report } = await connection.write(
        encodeMetrics(batch, { withFields: config.withFields, clusterName: config.clusterName }),
        'ms',
        signal,
      );
      // A round's sink failed when it wrote nothing and could have (a refusal is not a failure): the
      // rejections are in the report either way.
      return report.written === 0 && unsent > 0 && error !== undefined ? { ...report, error } : report;
    },
    close: async () => undefined,
  };
}

/**
 * Heapster's InfluxDB event sink: `log/events` (or `events` with withfields), see encode-events.ts. Each
 * occurrence is one point with a deterministic timestamp, so a replay overwrites rather than duplicates.
 */
export function influxdbEventSink(config: InfluxdbSinkConfig, deps: InfluxdbDeps): EventSink {
  return eventSinkOn(influxdbConnection(config, deps), config);
}

export function eventSinkOn(connection: InfluxdbConnection, config: InfluxdbSinkConfig): EventSink {
  return {
    name: connection.name,
    write: async (events, signal) => {
      const { unsent, rejected, error, ...report } = await connection.write(
        encodeEvents(events, { withFields: config.withFields, clusterName: config.clusterName }),
        'ns',
        signal,
      );
      // Only refusals are final; the batch is written again (idempotently) while anything else is unsent.
      const refused = Object.fromEntries(Object.entries(rejected).filter(([reason]) => isFinal(reason)));
      return {
        ...report,
        rejected: refused,
        ...(unsent > 0 ? { error: error ?? `${unsent} occurrences not written yet` } : {}),
      };
    },
    close: async () => undefined,
  };
}

/** Occurrences the encoder could not turn into a point, or the server refused: writing again cannot help. */
function isFinal(reason: string): boolean {
  return PERMANENT.has(reason) || ENCODING_REFUSALS.has(reason);
}
