import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseScrapeConfig } from '../../../shared/config/scrape-config.js';
import { slotTimes } from '../../../shared/scrape/run-rounds.js';
import { problemsOf } from './problems-of.js';

describe('RESOLUTION', () => {
  test('defaults to the interval: one round per invocation', () => {
    assert.equal(parseScrapeConfig({ SINKS: 'log' }).resolutionMs, 60_000);
    assert.equal(
      parseScrapeConfig({ SINKS: 'log', INTERVAL: '2m', FUNCTION_TIMEOUT: '90s' }).resolutionMs,
      120_000,
    );
  });

  test('15s and 30s with a function timeout covering the interval', () => {
    for (const [raw, ms] of [
      ['15s', 15_000],
      ['30s', 30_000],
    ] as const)
      assert.equal(
        parseScrapeConfig({ SINKS: 'log', RESOLUTION: raw, FUNCTION_TIMEOUT: '65s' }).resolutionMs,
        ms,
      );
  });

  test('must divide the interval', () => {
    assert.deepEqual(problemsOf({ SINKS: 'log', RESOLUTION: '25s', FUNCTION_TIMEOUT: '65s' }), [
      {
        variable: 'RESOLUTION',
        problem: '25s does not divide INTERVAL 60s into whole rounds',
        example: 'RESOLUTION=15s',
      },
    ]);
  });

  test('between 5s and the interval', () => {
    assert.deepEqual(problemsOf({ SINKS: 'log', RESOLUTION: '2s' }), [
      {
        variable: 'RESOLUTION',
        problem: '2s is out of range: it must be between 5s and 60s',
        example: 'RESOLUTION=60s',
      },
    ]);
    assert.deepEqual(problemsOf({ SINKS: 'log', RESOLUTION: '2m' }), [
      {
        variable: 'RESOLUTION',
        problem: '2m is out of range: it must be between 5s and 60s',
        example: 'RESOLUTION=60s',
      },
    ]);
  });

  test('the function timeout must cover the whole interval plus the answer', () => {
    assert.deepEqual(problemsOf({ SINKS: 'log', RESOLUTION: '15s' }), [
      {
        variable: 'FUNCTION_TIMEOUT',
        problem:
          'with RESOLUTION 15s one invocation runs for its whole INTERVAL 60s: FUNCTION_TIMEOUT 60s must be at least INTERVAL plus 5s (65s)',
        example: 'FUNCTION_TIMEOUT=65s',
      },
    ]);
  });

  test("a node's timeout must fit in a round's collecting time (four fifths of the slot)", () => {
    assert.deepEqual(
      problemsOf({
        SINKS: 'log',
        RESOLUTION: '5s',
        FUNCTION_TIMEOUT: '65s',
        SOURCES: 'kubernetes.summary_api:?timeout=4s',
      }),
      [
        {
          variable: 'SOURCES',
          problem:
            "the per-node timeout 4s must be shorter than a round's collecting time at RESOLUTION 5s (4s; the last fifth of each round is for writes)",
          example: 'kubernetes.summary_api:?timeout=2s',
        },
      ],
    );
    // The default 10 s node timeout fits a 15 s slot (12 s of collecting).
    assert.equal(
      parseScrapeConfig({ SINKS: 'log', RESOLUTION: '15s', FUNCTION_TIMEOUT: '65s' }).resolutionMs,
      15_000,
    );
  });
});

describe('slotTimes', () => {
  test('the interval start of the schedule time, then every resolution', () => {
    const minute = Date.parse('2026-03-01T10:07:00Z');
    assert.deepEqual(slotTimes(minute + 4_321, 60_000, 15_000), [
      minute,
      minute + 15_000,
      minute + 30_000,
      minute + 45_000,
    ]);
    assert.deepEqual(slotTimes(minute + 59_999, 60_000, 30_000), [minute, minute + 30_000]);
    assert.deepEqual(slotTimes(minute + 1, 60_000, 60_000), [minute]);
  });
});
