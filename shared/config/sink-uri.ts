import type { Problems } from './config-error.js';
import { parseHeapsterUri } from './uri.js';
import { parseGcmSink, type GcmSinkConfig } from '../sinks/gcm/options.js';
import { parseInfluxdbSink, type InfluxdbSinkConfig } from '../sinks/influxdb/config.js';
import { readBool, rejectUnknownOptions, uriOption } from './values.js';

/** Where metrics go. Each kind is parsed here once into its typed options. */
export type SinkConfig =
  | { readonly kind: 'log'; readonly points: boolean }
  | ({ readonly kind: 'gcm' } & GcmSinkConfig)
  | InfluxdbSinkConfig;

export const SINK_KINDS = ['log', 'gcm', 'influxdb'] as const;
export const SINK_EXAMPLE = 'log?points=false';

export function parseSink(problems: Problems, variable: string, text: string): SinkConfig | undefined {
  const uri = parseHeapsterUri(text);
  switch (uri.prefix) {
    case 'log':
      rejectUnknownOptions(problems, variable, uri.text, uri.options, ['points']);
      return {
        kind: 'log',
        points: readBool(problems, uriOption(variable, uri, 'points'), uri.options.get('points'), false),
      };
    case 'gcm':
      return { kind: 'gcm', ...parseGcmSink(problems, variable, uri) };
    case 'influxdb':
      return parseInfluxdbSink(problems, variable, uri);
    default:
      problems.add(
        variable,
        `unknown sink "${uri.prefix}" in "${text}"; known sinks: ${SINK_KINDS.join(', ')}`,
        SINK_EXAMPLE,
      );
      return undefined;
  }
}
