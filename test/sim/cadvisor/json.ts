import type { Payload } from '../faults.js';

/**
 * cgroup v1 reports "no memory limit" as 2^63 - 4096, which cAdvisor passes through as an exact uint64.
 * JSON.stringify would print it as 9223372036854772000, so such values travel as bigint and are written
 * digit for digit.
 */
export const CGROUP_UNLIMITED = 9223372036854771712n;

const MARK = '\u0001';

export function goJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `${MARK}${v}${MARK}` : v,
  );
  return text.replace(/"\\u0001(\d+)\\u0001"/g, '$1');
}

export type JsonObject = { [key: string]: unknown };

/**
 * What the missing-fields fault leaves out: these properties of every stats sample (v1 ContainerStats and
 * v2 ContainerStats alike) and of MachineInfo. The has_* flags stay as they were, as a half-broken host
 * would leave them.
 */
export const MISSING_FIELDS = {
  stats: ['memory', 'network', 'filesystem', 'cpu.usage.per_cpu_usage'],
  machine: ['filesystems', 'network_devices', 'topology'],
} as const;

/** A copy of `obj` without the given dotted property paths. */
export function omitPaths(obj: JsonObject, paths: readonly string[]): JsonObject {
  const out: JsonObject = { ...obj };
  for (const path of paths) {
    const [head, ...rest] = path.split('.') as [string, ...string[]];
    if (rest.length === 0) delete out[head];
    else if (typeof out[head] === 'object' && out[head] !== null) {
      out[head] = omitPaths(out[head] as JsonObject, [rest.join('.')]);
    }
  }
  return out;
}

/** A lazily built payload for answerJson; `build(true)` gives the body the missing-fields fault serves. */
export function jsonPayload(build: (missing: boolean) => unknown): Payload {
  return {
    render: () => goJson(build(false)),
    renderMissingFields: () => goJson(build(true)),
  };
}
