import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Problems, type ConfigProblem } from '../../../shared/config/config-error.js';
import { parseSink, SINK_KINDS, type SinkConfig } from '../../../shared/config/sink-uri.js';

function parse(text: string): { sink: SinkConfig | undefined; problems: ConfigProblem[] } {
  const problems = new Problems();
  const sink = parseSink(problems, 'SINKS', text);
  return { sink, problems: problems.list };
}

describe('parseSink: the log sink', () => {
  const rows: [string, SinkConfig][] = [
    ['log', { kind: 'log', points: false }],
    ['log:', { kind: 'log', points: false }],
    ["log:''", { kind: 'log', points: false }],
    ['log?points=true', { kind: 'log', points: true }],
    ['log:?points=1', { kind: 'log', points: true }],
    ['log?points=False', { kind: 'log', points: false }],
    ['  log?points=true  ', { kind: 'log', points: true }],
  ];
  for (const [text, expected] of rows) {
    test(JSON.stringify(text), () => assert.deepEqual(parse(text), { sink: expected, problems: [] }));
  }
});

describe('parseSink: errors with their exact message', () => {
  test('an unknown sink names the sinks there are', () => {
    assert.deepEqual(parse('kafka:?brokers=localhost:9092').problems, [
      {
        variable: 'SINKS',
        problem: `unknown sink "kafka" in "kafka:?brokers=localhost:9092"; known sinks: ${SINK_KINDS.join(', ')}`,
        example: 'log?points=false',
      },
    ]);
  });
  test('points that is not a boolean', () => {
    assert.deepEqual(parse('log?points=yes').problems, [
      {
        variable: 'SINKS (log option points)',
        problem: '"yes" must be true or false',
        example: 'log?points=false',
      },
    ]);
  });
  test('a misspelt option and an unknown one', () => {
    assert.deepEqual(parse('log?point=true&verbose=1').problems, [
      {
        variable: 'SINKS',
        problem:
          'unknown option "point" in log?point=true&verbose=1 (did you mean points?); known options: points',
        example: 'log?points=true&verbose=1',
      },
      {
        variable: 'SINKS',
        problem: 'unknown option "verbose" in log?point=true&verbose=1; known options: points',
        example: 'log?point=true',
      },
    ]);
  });
});
