import type { Batch } from '../../metrics/model.js';
import type { MetricSink, WriteReport } from '../sink.js';
import type { InfluxdbSinkConfig } from './config.js';
import { influxdbConnection, type InfluxdbConnection, type InfluxdbDeps } from './connection.js';
import { encodeEvents, type KubeEvent } from './encode-events.js';
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

/** Writes Kubernetes events to InfluxDB, for the event service. */
export interface EventWriter {
  readonly name: string;
  /** Writes each event occurrence once (a replay overwrites); never throws. */
  writeEvents(events: readonly KubeEvent[], signal: AbortSignal): Promise<WriteReport>;
  close(): Promise<void>;
}

/** Heapster's InfluxDB event sink: `log/events` (or `events` with withfields), see encode-events.ts. */
export function influxdbEventWriter(config: InfluxdbSinkConfig, deps: InfluxdbDeps): EventWriter {
  return eventWriterOn(influxdbConnection(config, deps), config);
}

export function eventWriterOn(connection: InfluxdbConnection, config: InfluxdbSinkConfig): EventWriter {
  return {
    name: connection.name,
    writeEvents: (events, signal) =>
      connection.write(
        encodeEvents(events, { withFields: config.withFields, clusterName: config.clusterName }),
        'ns',
        signal,
      ),
    close: async () => undefined,
  };
}
