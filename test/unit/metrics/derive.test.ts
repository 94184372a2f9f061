import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeCounters, encodeCounters } from '../../../shared/metrics/counter-state.js';
import { derive, type NodeCounters } from '../../../shared/metrics/derive.js';
import type { NodeSamples } from '../../../shared/metrics/model.js';
import { parseSummary } from '../../../shared/sources/summary/parse.js';
import type { ContainerStats, PodStats, Summary } from '../../../shared/sources/summary/types.js';
import { setIndex, summaryFixture, value } from '../fixtures.js';

const ROUND = Date.parse('2020-04-20T22:53:00Z');

function samplesOf(payload: Summary): NodeSamples {
  const outcome = parseSummary(payload);
  if (!outcome.ok) throw new Error(outcome.error);
  return outcome.samples;
}

/** Round-trips the state through its stored form, as a real run does. */
function stored(counters: NodeCounters): NodeCounters {
  const decoded = decodeCounters(encodeCounters(counters));
  if (!decoded.ok) throw new Error(decoded.error);
  return decoded.counters;
}

describe('derive on the two consecutive fixture scrapes', () => {
  const first = derive(undefined, samplesOf(summaryFixture(1)), ROUND);
  const second = derive(stored(first.next), samplesOf(summaryFixture(2)), ROUND + 60_000);
  const rates = (samples: NodeSamples, metric: Parameters<typeof value>[2]) =>
    samples.sets.map((_, i) => value(samples, i, metric)).filter((v) => !Number.isNaN(v));

  test('first sight: no rate at all', () => {
    for (const metric of ['cpu/usage_rate', 'memory/page_faults_rate', 'network/rx_rate'] as const) {
      assert.deepEqual(rates(first.samples, metric), []);
    }
  });

  test('every cpu/usage_rate is exactly 1000 millicores (2e9 ns over 2 s)', () => {
    const fixture = summaryFixture(2);
    const withCpu =
      1 + // node
      (fixture.node?.systemContainers ?? []).filter((c) => c.cpu).length +
      (fixture.pods ?? []).reduce(
        (n, p) => n + (p.cpu ? 1 : 0) + (p.containers ?? []).filter((c) => c.cpu).length,
        0,
      );
    const found = rates(second.samples, 'cpu/usage_rate');
    assert.equal(found.length, withCpu);
    assert.ok(found.every((v) => v === 1000));
  });

  test('memory and network times did not advance: no rate', () => {
    for (const metric of [
      'memory/page_faults_rate',
      'memory/major_page_faults_rate',
      'network/rx_rate',
      'network/tx_errors_rate',
    ] as const) {
      assert.deepEqual(rates(second.samples, metric), []);
    }
    assert.equal(second.resets, 0);
  });

  test('uptime is the round time minus the start time', () => {
    const fixture = summaryFixture(1);
    const pod = fixture.pods?.[0] as PodStats;
    const container = pod.containers?.[0] as ContainerStats;
    const s = setIndex(first.samples, 'pod_container', pod.podRef?.name, container.name);
    assert.equal(value(first.samples, s, 'uptime'), ROUND - Date.parse(container.startTime as string));
    const n = setIndex(first.samples, 'node');
    assert.equal(value(first.samples, n, 'uptime'), ROUND - Date.parse(fixture.node?.startTime as string));
  });

  test('the input samples are left untouched', () => {
    const samples = samplesOf(summaryFixture(1));
    const before = samples.values.slice();
    derive(first.next, samples, ROUND);
    assert.deepEqual(samples.values, before);
  });
});

describe('rate rules', () => {
  const at = (seconds: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, seconds)).toISOString();
  const START = at(0);
  const pod = (p: {
    start?: string;
    cpuTime?: string;
    cpu?: number;
    memTime?: string;
    faults?: number;
    major?: number;
    netTime?: string;
    rx?: number;
    tx?: number;
  }): Summary => ({
    node: { nodeName: 'n1' },
    pods: [
      {
        podRef: { name: 'p', namespace: 'ns', uid: 'uid-1' },
        startTime: p.start ?? START,
        cpu: { time: p.cpuTime ?? at(60), usageCoreNanoSeconds: p.cpu ?? 1e9 },
        memory: { time: p.memTime ?? at(60), pageFaults: p.faults ?? 100, majorPageFaults: p.major ?? 1 },
        network: { time: p.netTime ?? at(60), rxBytes: p.rx ?? 1000, txBytes: p.tx ?? 1000 },
      },
    ],
  });
  const rateOf = (a: Summary, b: Summary) => {
    const r1 = derive(undefined, samplesOf(a), ROUND);
    const r2 = derive(stored(r1.next), samplesOf(b), ROUND + 60_000);
    const s = setIndex(r2.samples, 'pod', 'p');
    return {
      cpu: value(r2.samples, s, 'cpu/usage_rate'),
      faults: value(r2.samples, s, 'memory/page_faults_rate'),
      major: value(r2.samples, s, 'memory/major_page_faults_rate'),
      rx: value(r2.samples, s, 'network/rx_rate'),
      tx: value(r2.samples, s, 'network/tx_rate'),
      resets: r2.resets,
    };
  };

  const cases: {
    name: string;
    before: Parameters<typeof pod>[0];
    after: Parameters<typeof pod>[0];
    expected: Partial<ReturnType<typeof rateOf>>;
  }[] = [
    {
      name: 'rates per second over each stat time',
      before: { cpuTime: at(60), cpu: 1e9, memTime: at(60), faults: 100, netTime: at(55), rx: 1000 },
      after: { cpuTime: at(90), cpu: 16e9, memTime: at(75), faults: 160, netTime: at(95), rx: 5000 },
      // 15e9 ns over 30 s = 0.5 cores; 60 faults over 15 s; 4000 bytes over 40 s.
      expected: { cpu: 500, faults: 4, major: 0, rx: 100, tx: 0, resets: 0 },
    },
    {
      name: 'millicores are rounded to an integer',
      before: { cpuTime: at(60), cpu: 0 },
      after: { cpuTime: at(63), cpu: 1e9 },
      expected: { cpu: 333 },
    },
    {
      name: 'time did not advance: no rate',
      before: { cpuTime: at(60), cpu: 1e9 },
      after: { cpuTime: at(60), cpu: 2e9 },
      expected: { cpu: NaN },
    },
    {
      name: 'time went back: no rate',
      before: { cpuTime: at(60), cpu: 1e9 },
      after: { cpuTime: at(50), cpu: 2e9 },
      expected: { cpu: NaN },
    },
    {
      name: 'a counter that went down is a reset: no rate for it, the others stay',
      before: { cpuTime: at(60), cpu: 5e9, netTime: at(60), rx: 1000, tx: 1000 },
      after: { cpuTime: at(120), cpu: 1e9, netTime: at(120), rx: 500, tx: 7000 },
      expected: { cpu: NaN, rx: NaN, tx: 100, resets: 2 },
    },
    {
      name: 'a new start time is a restart: no rate at all',
      before: { cpuTime: at(60), cpu: 1e9, memTime: at(60), faults: 1 },
      after: { start: at(30), cpuTime: at(120), cpu: 9e9, memTime: at(120), faults: 100 },
      expected: { cpu: NaN, faults: NaN, rx: NaN, resets: 1 },
    },
  ];
  for (const { name, before, after, expected } of cases) {
    test(name, () => {
      const got = rateOf(pod(before), pod(after));
      for (const [k, v] of Object.entries(expected)) assert.equal(got[k as keyof typeof got], v, k);
    });
  }

  test('another pod with the same name is a different entity', () => {
    const a = pod({ cpuTime: at(60), cpu: 1e9 });
    const b = pod({ cpuTime: at(120), cpu: 2e9 });
    (b.pods?.[0]?.podRef as { uid: string }).uid = 'uid-2';
    assert.ok(Number.isNaN(rateOf(a, b).cpu));
  });
});

describe('stored counter state', () => {
  test('round-trips exactly, including counters above 2^53', () => {
    const state: NodeCounters = {
      keys: new Float64Array([2 ** 48 - 1, 0, 123456789012345]),
      rows: new Float64Array([
        ...[Date.parse('2024-01-01T00:00:00Z'), 1704067260000, 2 ** 60, NaN, 5, 0, NaN, NaN, NaN, NaN, NaN],
        ...[NaN, NaN, NaN, 1704067261000, 1, 2, 1704067262000, 3, 4, 5, 6],
        ...[1600000000000, 1704067260500, 9, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN],
      ]),
    };
    const decoded = decodeCounters(encodeCounters(state));
    assert.ok(decoded.ok);
    if (decoded.ok) assert.deepEqual(decoded.counters, state);
  });

  test('a node of the fixture takes a few bytes per entity', () => {
    const { next } = derive(undefined, samplesOf(summaryFixture(1)), ROUND);
    const bytes = encodeCounters(next);
    assert.equal(next.keys.length, 22);
    assert.ok(bytes.length < 22 * 40, `${bytes.length} bytes`);
  });

  const bad: { name: string; bytes: number[] }[] = [
    { name: 'empty', bytes: [] },
    { name: 'unknown version', bytes: [9, 0, 0, 0] },
    { name: 'row count beyond the data', bytes: [1, 100, 1, 0] },
    { name: 'truncated row', bytes: [1, 1, 1, 0, 1, 2, 3] },
    { name: 'trailing bytes', bytes: [1, 0, 1, 0, 0] },
  ];
  for (const { name, bytes } of bad) {
    test(`rejects ${name}`, () => assert.equal(decodeCounters(new Uint8Array(bytes)).ok, false));
  }
});
