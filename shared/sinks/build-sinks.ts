import type { SinkConfig } from '../config/sink-uri.js';
import type { Logger } from '../runtime/log.js';
import { logSink } from './log/log-sink.js';
import { gcmSink } from './gcm/gcm-sink.js';
import { influxdbSink } from './influxdb/influxdb-sink.js';
import type { MetricSink } from './sink.js';

/** One sink per configured URI. */
export function buildSinks(configs: readonly SinkConfig[], log: Logger): MetricSink[] {
  return configs.map((config) => {
    switch (config.kind) {
      case 'log':
        return logSink({ points: config.points }, log);
      case 'gcm':
        return gcmSink(config, { log });
      case 'influxdb':
        return influxdbSink(config, { log });
    }
  });
}
