import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseScrapeConfig } from '../../../shared/config/scrape-config.js';
import type { AggregatePartial } from '../../../shared/metrics/aggregate.js';
import { metricId } from '../../../shared/metrics/catalogue.js';
import { NO_POINTS, valueOf, type NodeBlock } from '../../../shared/metrics/model.js';
import { mergeSourceRounds } from '../../../shared/scrape/merge-sources.js';
import { buildReport, type SourceReport } from '../../../shared/scrape/report.js';
import type { NodeOutcome } from '../../../shared/scrape/scrape-node.js';
import type { SourceRound } from '../../../shared/scrape/source-rounds.js';

const CPU = metricId('cpu/usage_rate');
const isCadvisorKey = (key: string): boolean => key.startsWith('cadvisor:');
const isNodeKey = (key: string): boolean => !isCadvisorKey(key);

/** A node that answered, using `cpu` millicores in namespace `ns`. */
function answered(node: string, cpu: number, ns = 'default', problems: string[] = []): NodeOutcome {
  const block: NodeBlock = {
    nodeName: node,
    sets: [],
    owners: [],
    times: [],
    values: new Float64Array(0),
    points: NO_POINTS,
    labels: [],
  };
  const partial: AggregatePartial = {
    namespaces: { [ns]: { sums: { 'cpu/usage_rate': cpu } } },
    cluster: { 'cpu/usage_rate': cpu },
  };
  return { ok: true, node, block, partial, state: Uint8Array.of(cpu), problems, resets: 1 };
}

const failed = (node: string): NodeOutcome => ({ ok: false, node, reason: 'timeout', message: 'slow' });

/** A source's round as the sources give it: every answering node's new counter state under its key. */
function sourceRound(
  source: SourceRound['source'],
  outcomes: NodeOutcome[],
  problems: string[] = [],
): SourceRound {
  const cadvisor = source !== 'kubernetes.summary_api';
  const key = (node: string): string => (cadvisor ? `cadvisor:${node}` : node);
  return {
    source,
    nodesTotal: outcomes.length,
    outcomes,
    states: new Map(outcomes.flatMap((o) => (o.ok ? [[key(o.node), o.state]] : []))),
    problems,
    ownsState: cadvisor ? isCadvisorKey : isNodeKey,
  };
}
const kube = (outcomes: NodeOutcome[]) => sourceRound('kubernetes.summary_api', outcomes);
const cadvisor = (outcomes: NodeOutcome[], problems: string[] = []) =>
  sourceRound('cadvisor:external', outcomes, problems);

function nothingNamed(source: SourceRound['source'], error: string, owns = isCadvisorKey): SourceRound {
  return { source, nodesTotal: 0, outcomes: [], states: new Map(), problems: [], error, ownsState: owns };
}

/** The cluster set's cpu/usage_rate of the totals block (the last block). */
const clusterCpu = (blocks: readonly { sets: readonly { type: string }[]; values: Float64Array }[]) => {
  const totals = blocks.at(-1) as Parameters<typeof valueOf>[0];
  return valueOf(
    totals,
    totals.sets.findIndex((s) => s.type === 'cluster'),
    CPU,
  );
};

describe('merging the sources of a round', () => {
  test('nodes of every source in order, totals over all of them, states and problems of each', () => {
    const merged = mergeSourceRounds(
      [
        kube([answered('node-1', 100), failed('node-2')]),
        cadvisor(
          [answered('server-105', 30, 'default', ['1 stat value ignored']), answered('server-106', 7)],
          ['fleet endpoint http://f:4001: unreachable'],
        ),
      ],
      new Map(),
      'prod',
    );
    assert.deepEqual(
      merged.blocks.slice(0, -1).map((b) => (b as NodeBlock).nodeName),
      ['node-1', 'server-105', 'server-106'],
    );
    assert.equal(clusterCpu(merged.blocks), 100 + 30 + 7);
    assert.equal(merged.nodesTotal, 4);
    assert.deepEqual(merged.failures, [{ node: 'node-2', reason: 'timeout', message: 'slow' }]);
    assert.equal(merged.resets, 3);
    // A source's own notes first, then its nodes'.
    assert.deepEqual(merged.problems, [
      'cadvisor:external: fleet endpoint http://f:4001: unreachable',
      'server-105: 1 stat value ignored',
    ]);
    assert.deepEqual(
      [...merged.states].map(([k, v]) => [k, [...v]]),
      [
        ['node-1', [100]],
        ['cadvisor:server-105', [30]],
        ['cadvisor:server-106', [7]],
      ],
    );
    assert.deepEqual(merged.sources, [
      { source: 'kubernetes.summary_api', nodes: 2, failed: 1 },
      { source: 'cadvisor:external', nodes: 2, failed: 0 },
    ]);
  });

  test('a node named by a second source is left out of it, with a note, and counted once', () => {
    const merged = mergeSourceRounds(
      [kube([answered('node-1', 100)]), cadvisor([answered('node-1', 40), answered('server-105', 5)])],
      new Map(),
      'prod',
    );
    assert.equal(clusterCpu(merged.blocks), 105);
    assert.equal(merged.nodesTotal, 2);
    assert.deepEqual(merged.problems, [
      'cadvisor:external: node-1 is also named by kubernetes.summary_api: left out',
    ]);
  });

  test('a source that named nothing keeps its stored counters; the others own theirs', () => {
    const loaded = new Map([
      ['node-1', Uint8Array.of(1)],
      ['node-gone', Uint8Array.of(2)],
      ['cadvisor:server-105', Uint8Array.of(3)],
    ]);
    const merged = mergeSourceRounds(
      [kube([answered('node-1', 9)]), nothingNamed('cadvisor:external', 'hosts file /h: cannot be read')],
      loaded,
      'prod',
    );
    assert.deepEqual(
      [...merged.states].map(([k, v]) => [k, [...v]]),
      [
        ['node-1', [9]],
        ['cadvisor:server-105', [3]],
      ],
    );
    assert.deepEqual(merged.sources[1], {
      source: 'cadvisor:external',
      nodes: 0,
      failed: 0,
      error: 'hosts file /h: cannot be read',
    });
  });

  test('no node answered anywhere: no totals block', () => {
    const merged = mergeSourceRounds([kube([failed('node-1')])], new Map(), 'prod');
    assert.deepEqual(merged.blocks, []);
  });
});

describe('the report of sources', () => {
  const config = parseScrapeConfig({ SINKS: 'log', SOURCES: 'kubernetes: cadvisor:coreos' });
  const round = { roundTime: 0, signal: new AbortController().signal, shard: 'all' };
  const report = (sources: SourceReport[]) => buildReport({ config, round, started: 0, now: 5, sources });
  const ok: SourceReport = { source: 'kubernetes.summary_api', nodes: 3, failed: 0 };
  const down: SourceReport = { source: 'cadvisor:coreos', nodes: 0, failed: 0, error: 'fleet is down' };

  test('one source of two naming nothing: 200, a warning, the error after its source', () => {
    const r = report([ok, down]);
    assert.deepEqual([r.status, r.severity, r.error], [200, 'WARNING', 'cadvisor:coreos: fleet is down']);
  });

  test('every source naming nothing: 503, each error after its source', () => {
    const r = report([{ ...ok, nodes: 0, error: 'listing /api/v1/nodes failed' }, down]);
    assert.deepEqual(
      [r.status, r.severity, r.error],
      [503, 'ERROR', 'kubernetes.summary_api: listing /api/v1/nodes failed; cadvisor:coreos: fleet is down'],
    );
  });

  test('a single source: its error as it is', () => {
    const r = report([down]);
    assert.deepEqual([r.status, r.error], [503, 'fleet is down']);
  });
});
