import type { Batch } from '../../metrics/model.js';
import type { EventSink, MetricSink, WriteReport } from '../sink.js';
import type { InfluxdbSinkConfig } from './config.js';
import { influxdbConnection, type InfluxdbConnection, type InfluxdbDeps } from './connection.js';
import { encodeEvents } from './encode-events.js';
import { encodeMetrics } from './encode-metrics.js';

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
    write: (batch: Batch, signal: AbortSignal): Promise<WriteReport> =>
      connection.write(
        encodeMetrics(batch, { withFields: config.withFields, clusterName: config.clusterName }),
        'ms',
        signal,
      ),
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
    write: (events, signal) =>
      connection.write(
        encodeEvents(events, { withFields: config.withFields, clusterName: config.clusterName }),
        'ns',
        signal,
      ),
    close: async () => undefined,
  };
}
