import type { Problems } from './config-error.js';
import type { SourceConfig } from './source-uri.js';
import { readDuration } from './values.js';

/**
 * Sub-minute resolution: Cloud Scheduler fires at most once a minute, so RESOLUTION below INTERVAL makes one
 * invocation run INTERVAL / RESOLUTION rounds, one per slot. Each slot keeps its last fifth for the writes;
 * the rest is for collecting, which is why a node's timeout must fit in it.
 */
export const RESOLUTION_MIN_MS = 5_000;

/** Part of a slot reserved for writing what was collected (the rest is for collecting). */
export const WRITE_SHARE = 1 / 5;

/** How long before the function's timeout an invocation stops starting work (scrape-config's margin). */
export const RESOLUTION_ANSWER_MARGIN_MS = 5_000;

/** Collecting time of one slot at this resolution. */
export function collectingMs(resolutionMs: number): number {
  return Math.floor(resolutionMs * (1 - WRITE_SHARE));
}

export interface ResolutionInput {
  readonly raw: string | undefined;
  readonly intervalMs: number;
  readonly functionTimeoutMs: number;
  readonly sources: readonly SourceConfig[];
}

/** Reads RESOLUTION (default: the interval, one round per invocation) and checks it against the rest. */
export function readResolution(problems: Problems, input: ResolutionInput): number {
  const { intervalMs, functionTimeoutMs } = input;
  const resolutionMs = readDuration(problems, 'RESOLUTION', input.raw, intervalMs, {
    minMs: RESOLUTION_MIN_MS,
    maxMs: Math.max(RESOLUTION_MIN_MS, intervalMs),
  });
  if (resolutionMs === intervalMs) return resolutionMs;
  const seconds = (ms: number): string => `${ms / 1000}s`;
  if (intervalMs % resolutionMs !== 0) {
    problems.add(
      'RESOLUTION',
      `${seconds(resolutionMs)} does not divide INTERVAL ${seconds(intervalMs)} into whole rounds`,
      'RESOLUTION=15s',
    );
    return intervalMs;
  }
  const needed = intervalMs + RESOLUTION_ANSWER_MARGIN_MS;
  if (functionTimeoutMs < needed) {
    problems.add(
      'FUNCTION_TIMEOUT',
      `with RESOLUTION ${seconds(resolutionMs)} one invocation runs for its whole INTERVAL ${seconds(intervalMs)}: FUNCTION_TIMEOUT ${seconds(functionTimeoutMs)} must be at least INTERVAL plus ${seconds(RESOLUTION_ANSWER_MARGIN_MS)} (${seconds(needed)})`,
      `FUNCTION_TIMEOUT=${seconds(needed)}`,
    );
  }
  const collecting = collectingMs(resolutionMs);
  for (const source of input.sources) {
    if (source.timeoutMs >= collecting) {
      problems.add(
        'SOURCES',
        `the per-node timeout ${seconds(source.timeoutMs)} must be shorter than a round's collecting time at RESOLUTION ${seconds(resolutionMs)} (${seconds(collecting)}; the last fifth of each round is for writes)`,
        `kubernetes.summary_api:?timeout=${seconds(Math.max(1000, Math.floor(collecting / 2000) * 1000))}`,
      );
    }
  }
  return resolutionMs;
}
