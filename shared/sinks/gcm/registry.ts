import { mapLimit } from '../../runtime/limit.js';
import { withRetries, type RetryPolicy } from '../../runtime/retry.js';
import { GRPC, isRetryable, type CallError, type CallResult, type MonitoringApi } from './api.js';
import type { DescriptorSpec } from './descriptors.js';

/**
 * Makes sure the metric descriptors exist, creating missing ones from the catalogue and never deleting any.
 * What it found is remembered for the life of the process, so a warm function instance checks with one
 * ListMetricDescriptors call now and then instead of re-creating descriptors on every run.
 */
export interface RegistryOptions {
  readonly api: MonitoringApi;
  readonly project: string;
  readonly prefix: string;
  readonly wanted: readonly DescriptorSpec[];
  readonly now: () => number;
  /** How long a check holds before the next run lists the descriptors again. */
  readonly recheckMs?: number;
  readonly timeoutMs: number;
  readonly retry?: Partial<Omit<RetryPolicy, 'deadline' | 'signal'>>;
}

export interface EnsureResult {
  /** Metric types that cannot be written this run, with the reason their points are counted under. */
  readonly unavailable: ReadonlyMap<string, string>;
  readonly created: number;
  readonly calls: number;
  /** Problems worth a log line (a conflicting descriptor, a failed listing). */
  readonly problems: readonly string[];
}

export class DescriptorRegistry {
  private checkedAt = Number.NEGATIVE_INFINITY;
  private readonly ready = new Set<string>();

  constructor(private readonly options: RegistryOptions) {}

  /** Forget what was checked: the next run lists again (after a write said a descriptor is missing). */
  invalidate(): void {
    this.checkedAt = Number.NEGATIVE_INFINITY;
    this.ready.clear();
  }

  async ensure(signal: AbortSignal): Promise<EnsureResult> {
    const o = this.options;
    const fresh = o.now() - this.checkedAt < (o.recheckMs ?? 3_600_000);
    if (fresh && o.wanted.every((d) => this.ready.has(d.type)))
      return { unavailable: new Map(), created: 0, calls: 0, problems: [] };

    let calls = 0;
    const problems: string[] = [];
    const call = async <T>(run: () => Promise<CallResult<T>>): Promise<CallResult<T>> => {
      let last: CallResult<T> | undefined;
      try {
        await withRetries(
          { maxAttempts: 4, initialDelayMs: 250, maxDelayMs: 4_000, ...o.retry, deadline: Infinity, signal },
          async () => {
            calls++;
            last = await run();
            if (last.ok) return { outcome: 'success', value: undefined };
            const e = last.error;
            return isRetryable(e.code)
              ? {
                  outcome: 'retryable',
                  error: new Error(e.message),
                  ...(e.retryDelayMs !== undefined ? { retryAfterMs: e.retryDelayMs } : {}),
                }
              : { outcome: 'failure', error: new Error(e.message) };
          },
        );
      } catch {
        // The run's deadline cut a wait short; the last answer stands.
      }
      return (
        last ?? {
          ok: false,
          error: { code: GRPC.CANCELLED, message: 'run deadline reached', statusDetails: [] },
        }
      );
    };
    const callOptions = { timeoutMs: o.timeoutMs, signal };

    const listed = await call(() => o.api.listMetricDescriptors(o.project, `${o.prefix}/`, callOptions));
    const existing = new Map<string, DescriptorSpec>();
    if (listed.ok) for (const d of listed.value) existing.set(d.type, d);
    else problems.push(`listing metric descriptors failed, creating them all: ${listed.error.message}`);

    const unavailable = new Map<string, string>();
    const toCreate: DescriptorSpec[] = [];
    for (const want of o.wanted) {
      const have = existing.get(want.type);
      if (have === undefined) {
        toCreate.push(want);
        continue;
      }
      if (have.metricKind !== want.metricKind || have.valueType !== want.valueType) {
        // A descriptor is never deleted here: its data would go with it. Its points wait for an operator.
        unavailable.set(want.type, 'descriptor-conflict');
        problems.push(
          `${want.type} exists as ${have.metricKind} ${have.valueType}, wanted ${want.metricKind} ${want.valueType}`,
        );
        continue;
      }
      const labels = new Set(have.labels.map((l) => l.key));
      if (want.labels.some((l) => !labels.has(l.key)))
        // Creating again with more labels adds them; the labels it had stay.
        toCreate.push({
          ...want,
          labels: [...have.labels, ...want.labels.filter((l) => !labels.has(l.key))],
        });
      else this.ready.add(want.type);
    }

    let created = 0;
    await mapLimit(toCreate, 4, async (spec) => {
      const result = await call(() => o.api.createMetricDescriptor(o.project, spec, callOptions));
      if (result.ok || result.error.code === GRPC.ALREADY_EXISTS) {
        created += result.ok ? 1 : 0;
        this.ready.add(spec.type);
        return;
      }
      unavailable.set(spec.type, descriptorReason(result.error));
      problems.push(`creating ${spec.type} failed: ${result.error.message}`);
    });
    if (unavailable.size === 0 && listed.ok) this.checkedAt = o.now();
    for (const type of unavailable.keys()) this.ready.delete(type);
    return { unavailable, created, calls, problems };
  }
}

function descriptorReason(error: CallError): string {
  if (isRetryable(error.code) || error.code === GRPC.CANCELLED) return 'descriptor-unavailable';
  if (error.code === GRPC.PERMISSION_DENIED || error.code === GRPC.UNAUTHENTICATED)
    return 'permission-denied';
  return 'descriptor-rejected';
}
