import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Labels } from '../../../../shared/metrics/labels.js';
import { forEachPoint, type MetricBlock } from '../../../../shared/metrics/model.js';
import type { HostAnswer } from '../../../../shared/sources/cadvisor/types.js';

const DIR = fileURLToPath(new URL('../../../fixtures/cadvisor/', import.meta.url));

/** A cAdvisor fixture (test/fixtures/cadvisor), JSON-parsed afresh on every call. */
export function cadvisorFixture(
  name: 'v1.3-subcontainers.json' | 'v2.0-spec.json' | 'v2.0-stats.json' | 'machine.json',
): unknown {
  return JSON.parse(readFileSync(DIR + name, 'utf8'));
}

export function fixtureText(name: string): string {
  return readFileSync(DIR + name, 'utf8');
}

export function v13Answer(): HostAnswer {
  return {
    version: 'v1.3',
    machine: cadvisorFixture('machine.json'),
    subcontainers: cadvisorFixture('v1.3-subcontainers.json'),
  };
}

export function v20Answer(): HostAnswer {
  return {
    version: 'v2.0',
    machine: cadvisorFixture('machine.json'),
    spec: cadvisorFixture('v2.0-spec.json'),
    stats: cadvisorFixture('v2.0-stats.json'),
  };
}

/** A point's key: metric, then the labels that tell entities apart, then resource_id. */
export function pointKey(metric: string, labels: Labels, resourceId?: string): string {
  const who = [labels.type, labels.namespace_name, labels.pod_name, labels.container_name]
    .filter((v) => v !== undefined && v !== '')
    .join('/');
  return `${metric} ${who}${resourceId !== undefined ? ` ${resourceId}` : ''}`;
}

/** Every point of the blocks by pointKey. */
export function pointsOf(...blocks: MetricBlock[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const block of blocks)
    forEachPoint(block, (_set, labels, metric, value, pointLabels) =>
      out.set(pointKey(metric.name, labels, pointLabels?.resource_id), value),
    );
  return out;
}

/** Labels of every set by `type/namespace/pod/container`. */
export function labelsOf(block: MetricBlock): Map<string, Labels> {
  const out = new Map<string, Labels>();
  block.labels.forEach((labels) => out.set(pointKey('', labels).trim(), labels));
  return out;
}
