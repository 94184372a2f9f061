import assert from 'node:assert/strict';
import type { Sim } from '../../sim/sim.js';
import type { SummaryJson } from '../../sim/truth.js';
import type { ScrapedRound } from '../../support/in-process-scrape.js';
import type { LoggedPoint } from '../../support/point-lines.js';
import { differences } from './compare.js';
import { expectedPoints, type ExpectedPoint } from './heapster-points.js';

/** Assertions shared by the fault tests, on rounds run with the in-process scraper. */

export function only(
  map: ReadonlyMap<string, SummaryJson>,
  keep: (node: string) => boolean,
): Map<string, SummaryJson> {
  return new Map([...map].filter(([name]) => keep(name)));
}

export function pointsOfNode(points: ReadonlyMap<string, LoggedPoint>, node: string): LoggedPoint[] {
  return [...points.values()].filter((p) => p.labels['nodename'] === node);
}

/**
 * No rate or utilization below zero or not a number, and no container, pod or system container using more
 * CPU than its whole node (whose own rate the exact comparisons pin to the truth).
 */
export function assertNoAbsurdRates(points: ReadonlyMap<string, LoggedPoint>): void {
  const nodeCpu = new Map<string, number>();
  for (const p of points.values())
    if (p.metric === 'cpu/usage_rate' && p.labels['type'] === 'node')
      nodeCpu.set(p.labels['nodename'] as string, p.value);
  let rates = 0;
  for (const p of points.values()) {
    if (!p.metric.endsWith('_rate') && !p.metric.endsWith('_utilization')) continue;
    rates++;
    assert.ok(
      Number.isFinite(p.value) && p.value >= 0,
      `${p.metric} ${JSON.stringify(p.labels)} = ${p.value}`,
    );
    const whole = nodeCpu.get(p.labels['nodename'] ?? '');
    if (p.metric === 'cpu/usage_rate' && p.labels['type'] !== 'node' && whole !== undefined)
      assert.ok(
        p.value <= whole + 1,
        `${p.metric} ${JSON.stringify(p.labels)}: ${p.value} > node's ${whole}`,
      );
  }
  assert.ok(rates > 0, 'the round has rates to check');
}

/**
 * What the truth implies for the nodes `keep` accepts, with the namespace and cluster sums over them; rates
 * from `previous`, the summaries each node served the last time it answered.
 */
export function expectationFor(
  sim: Sim,
  round: ScrapedRound,
  previous: ReadonlyMap<string, SummaryJson> | undefined,
  keep: (node: string) => boolean,
): Map<string, ExpectedPoint> {
  return expectedPoints({
    current: only(round.served, keep),
    previous,
    cluster: sim.cluster,
    objects: round.objects,
    roundTime: round.roundTime,
    clusterName: round.report.cluster,
  });
}

/**
 * Every point of the round is what the answering nodes served: nothing missing, wrong or extra. With
 * `aggregates: false` only the points of the nodes `answered` accepts are compared (namespace and cluster
 * sums then include nodes the expectation leaves out).
 */
export function assertExactlyTheTruth(
  sim: Sim,
  round: ScrapedRound,
  previous: ReadonlyMap<string, SummaryJson> | undefined,
  answered: (node: string) => boolean,
  options: { aggregates: boolean } = { aggregates: true },
): void {
  let expected = expectationFor(sim, round, previous, answered);
  let actual: ReadonlyMap<string, LoggedPoint> = round.points;
  if (!options.aggregates) {
    const ofAnswered = (p: LoggedPoint | ExpectedPoint): boolean => {
      const node = p.labels['nodename'];
      return node !== undefined && answered(node);
    };
    expected = new Map([...expected].filter(([, p]) => ofAnswered(p)));
    actual = new Map([...actual].filter(([, p]) => ofAnswered(p)));
  }
  const found = differences(actual, expected);
  if (found.length > 0) assert.fail(found.join('\n'));
}
