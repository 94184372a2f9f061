import type { Batch } from '../../metrics/model.js';
import type { RetryPolicy } from '../../runtime/retry.js';
import type { Logger } from '../../runtime/log.js';
import type { MetricSink, WriteReport } from '../sink.js';
import type { MonitoringApi } from './api.js';
import { monitoringApi } from './client.js';
import { descriptorsFor } from './descriptors.js';
import { countRound } from './round-series.js';
import type { GcmSinkConfig } from './options.js';
import { DescriptorRegistry } from './registry.js';
import { RoundOrder } from './round-order.js';
import { resolveTarget, runtimeLookup, type RuntimeLookup, type Target } from './runtime.js';
import { SeriesEncoder } from './series-encoder.js';
import { writeRequests } from './write.js';

/**
 * The Google Cloud Monitoring sink: descriptors from the catalogue, each point on its Kubernetes monitored
 * resource, rounds written in order, and a report of every point written or refused, by reason.
 */
export interface GcmSinkDeps {
  readonly log: Logger;
  readonly now?: () => number;
  /** The API for a project; the real client by default. */
  readonly api?: (endpoint: string | undefined, project: string) => MonitoringApi;
  readonly runtime?: RuntimeLookup;
  readonly retry?: Partial<Omit<RetryPolicy, 'deadline' | 'signal'>>;
  /** Cloud Monitoring's minimum time between two points of a series. */
  readonly minSamplingPeriodMs?: number;
}

/** Reasons that mean the sink failed as a whole, not that its points were wrong: a later retry may help. */
const SINK_FAILURES = new Set([
  'unavailable',
  'deadline-exceeded',
  'rate-limited',
  'deadline',
  'cancelled',
  'permission-denied',
  'not-found',
  'descriptor-unavailable',
  'internal',
  'no-target',
]);

export function gcmSink(config: GcmSinkConfig, deps: GcmSinkDeps): MetricSink {
  const now = deps.now ?? Date.now;
  const order = new RoundOrder(deps.minSamplingPeriodMs);
  const wanted = descriptorsFor(config);
  // Rounds of one sink are written one at a time (RoundOrder), so one encoder serves them all.
  const encoder = new SeriesEncoder();
  let setup: Promise<{ target: Target; api: MonitoringApi; registry: DescriptorRegistry }> | undefined;
  const start = (): NonNullable<typeof setup> =>
    (setup ??= resolveTarget(config, deps.runtime ?? runtimeLookup()).then((target) => {
      const api = (deps.api ?? monitoringApi)(config.endpoint, target.project);
      const registry = new DescriptorRegistry({
        api,
        project: target.project,
        prefix: config.prefix,
        wanted,
        now,
        timeoutMs: config.timeoutMs,
        ...(deps.retry !== undefined ? { retry: deps.retry } : {}),
      });
      return { target, api, registry };
    })).catch((err: unknown) => {
      setup = undefined; // the next run asks again
      throw err;
    });
  const name = `gcm${config.project !== undefined ? `?project=${config.project}` : ''}`;
  const log = deps.log.child({ sink: 'gcm' });

  return {
    name,
    async write(batch: Batch, signal: AbortSignal): Promise<WriteReport> {
      const began = now();
      const placeholder = { project: config.project ?? '-', location: config.location ?? '-' };
      const pointsFor = (target: Target): number => countRound(batch, { ...config, ...target, now: now() });
      let ready: Awaited<ReturnType<typeof start>>;
      try {
        ready = await start();
      } catch (err) {
        const points = pointsFor(placeholder);
        return finish(
          { written: 0, rejected: points > 0 ? { 'no-target': points } : {}, retried: 0 },
          points,
          {
            error: (err as Error).message,
          },
        );
      }
      const admission = await order.admit(batch.timestamp, signal);
      if (!admission.admitted) {
        const points = pointsFor(ready.target);
        return finish(
          { written: 0, rejected: points > 0 ? { [admission.reason]: points } : {}, retried: 0 },
          points,
        );
      }
      try {
        const descriptors = await ready.registry.ensure(signal);
        const dropped: Record<string, number> = {};
        let encodedSeries = 0;
        const requests = encoder.requests(
          batch,
          { ...config, ...ready.target, now: now(), unavailable: descriptors.unavailable },
          dropped,
        );
        const counted = (function* () {
          for (const request of requests) {
            encodedSeries += request.count;
            yield request;
          }
        })();
        const tally = await writeRequests(counted, {
          api: ready.api,
          concurrency: config.concurrency,
          timeoutMs: config.timeoutMs,
          signal,
          repeat: admission.repeat,
          ...(deps.retry !== undefined ? { retry: deps.retry } : {}),
        });
        if (tally.rejected['bad-metric'] !== undefined) ready.registry.invalidate();
        const rejected = { ...dropped };
        for (const [r, n] of Object.entries(tally.rejected)) rejected[r] = (rejected[r] ?? 0) + n;
        const points = encodedSeries + Object.values(dropped).reduce((a, b) => a + b, 0);
        return finish({ written: tally.written, rejected, retried: tally.retried }, points, {
          requests: tally.requests,
          confirmed: tally.confirmed,
          descriptorsCreated: descriptors.created,
          descriptorCalls: descriptors.calls,
          samples: tally.samples,
          problems: descriptors.problems,
        });
      } finally {
        admission.release();
      }

      function finish(
        counts: { written: number; rejected: Record<string, number>; retried: number },
        points: number,
        extra: Record<string, unknown> & { error?: string } = {},
      ): WriteReport {
        const failedWhole =
          counts.written === 0 &&
          points > 0 &&
          Object.keys(counts.rejected).some((r) => SINK_FAILURES.has(r));
        const error =
          extra.error ?? (failedWhole ? `no point written: ${describeRejected(counts.rejected)}` : undefined);
        const refused = Object.values(counts.rejected).reduce((a, b) => a + b, 0);
        log.log(error !== undefined ? 'ERROR' : refused > 0 ? 'WARNING' : 'INFO', 'gcm sink: round written', {
          timestamp: new Date(batch.timestamp).toISOString(),
          points,
          ...counts,
          durationMs: now() - began,
          ...extra,
        });
        return { sink: name, ...counts, ...(error !== undefined ? { error } : {}) };
      }
    },
    async close(): Promise<void> {
      const pending = setup;
      setup = undefined;
      if (pending !== undefined) await (await pending.catch(() => undefined))?.api.close();
    },
  };
}

function describeRejected(rejected: Record<string, number>): string {
  return Object.entries(rejected)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `${n} ${r}`)
    .join(', ');
}
