import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MetricServiceClient, type protos } from '@google-cloud/monitoring';
import { loadDetailTypes } from './protos.js';
import { startGcmStandIn, type GcmStandIn } from './server.js';

/** The stand-in as the real client sees it: every documented rule, partial failures, faults. */
type Series = protos.google.monitoring.v3.ITimeSeries;

const PROJECT = 'stand-in-test';
const types = loadDetailTypes();
let clock = Date.UTC(2030, 0, 1, 12, 0, 0);
const ts = (ms: number): { seconds: number; nanos: number } => ({
  seconds: Math.floor(ms / 1000),
  nanos: (ms % 1000) * 1e6,
});

function gauge(
  metric: string,
  node: string,
  end: number,
  value: number,
  labels: Record<string, string> = {},
): Series {
  return {
    metric: { type: `custom.googleapis.com/t/${metric}`, labels },
    resource: {
      type: 'k8s_node',
      labels: { project_id: PROJECT, location: 'l1', cluster_name: 'c', node_name: node },
    },
    points: [{ interval: { endTime: ts(end) }, value: { int64Value: value } }],
  };
}

function cumulative(node: string, start: number, end: number, value: number): Series {
  return {
    metric: { type: 'custom.googleapis.com/t/counter', labels: {} },
    resource: {
      type: 'k8s_node',
      labels: { project_id: PROJECT, location: 'l1', cluster_name: 'c', node_name: node },
    },
    points: [{ interval: { startTime: ts(start), endTime: ts(end) }, value: { int64Value: value } }],
  };
}

interface Failure {
  code: number;
  message: string;
  summary?: {
    totalPointCount: number;
    successPointCount: number;
    errors: { status: { code: number; message: string }; pointCount: number }[];
  };
  retryDelayMs?: number;
}

/** The error a call failed with, its status details decoded with protobufjs from the shipped protos. */
async function failure(call: Promise<unknown>): Promise<Failure> {
  try {
    await call;
  } catch (err) {
    const e = err as { code: number; details: string; metadata: { get(k: string): Buffer[] } };
    const out: Failure = { code: e.code, message: e.details };
    for (const bytes of e.metadata.get('grpc-status-details-bin')) {
      // protobufjs' own google.protobuf.Any keeps the proto's field name, type_url.
      const status = types.status.decode(bytes) as unknown as {
        details: { type_url: string; value: Uint8Array }[];
      };
      for (const d of status.details) {
        if (d.type_url.endsWith('CreateTimeSeriesSummary'))
          out.summary = types.summary.toObject(types.summary.decode(d.value), { defaults: true }) as never;
        if (d.type_url.endsWith('RetryInfo')) {
          const info = types.retryInfo.toObject(types.retryInfo.decode(d.value), { longs: Number }) as {
            retryDelay: { seconds: number; nanos?: number };
          };
          out.retryDelayMs = info.retryDelay.seconds * 1000 + (info.retryDelay.nanos ?? 0) / 1e6;
        }
      }
    }
    return out;
  }
  assert.fail('the call succeeded');
}

describe('Cloud Monitoring stand-in', () => {
  let standIn: GcmStandIn;
  let client: MetricServiceClient;
  const name = `projects/${PROJECT}`;
  before(async () => {
    standIn = await startGcmStandIn({ now: () => clock, maxActiveSeriesPerResource: 5 });
    client = new MetricServiceClient(standIn.clientOptions(PROJECT));
    for (const [metric, kind] of [
      ['g', 'GAUGE'],
      ['g2', 'GAUGE'],
      ['counter', 'CUMULATIVE'],
    ] as const)
      await client.createMetricDescriptor({
        name,
        metricDescriptor: {
          type: `custom.googleapis.com/t/${metric}`,
          metricKind: kind,
          valueType: 'INT64',
          labels: [{ key: 'k' }],
        },
      });
  });
  after(async () => {
    await client?.close();
    await standIn?.stop();
  });

  test('descriptors: created, listed by prefix, read, labels added on re-create, limits enforced', async () => {
    const [listed] = await client.listMetricDescriptors({
      name,
      filter: 'metric.type = starts_with("custom.googleapis.com/t/")',
    });
    assert.deepEqual(listed.map((d) => d.type).sort(), [
      'custom.googleapis.com/t/counter',
      'custom.googleapis.com/t/g',
      'custom.googleapis.com/t/g2',
    ]);
    await client.createMetricDescriptor({
      name,
      metricDescriptor: {
        type: 'custom.googleapis.com/t/g',
        metricKind: 'GAUGE',
        valueType: 'INT64',
        labels: [{ key: 'extra' }],
      },
    });
    const [got] = await client.getMetricDescriptor({
      name: `${name}/metricDescriptors/custom.googleapis.com/t/g`,
    });
    assert.deepEqual(
      got.labels?.map((l) => l.key),
      ['k', 'extra'],
    );
    const changeKind = await failure(
      client.createMetricDescriptor({
        name,
        metricDescriptor: { type: 'custom.googleapis.com/t/g', metricKind: 'CUMULATIVE', valueType: 'INT64' },
      }),
    );
    assert.equal(changeKind.code, 3);
    const tooMany = await failure(
      client.createMetricDescriptor({
        name,
        metricDescriptor: {
          type: 'custom.googleapis.com/t/wide',
          metricKind: 'GAUGE',
          valueType: 'INT64',
          labels: Array.from({ length: 31 }, (_, i) => ({ key: `l${i}` })),
        },
      }),
    );
    assert.match(tooMany.message, /31 labels/);
    const badKey = await failure(
      client.createMetricDescriptor({
        name,
        metricDescriptor: {
          type: 'custom.googleapis.com/t/x',
          metricKind: 'GAUGE',
          valueType: 'INT64',
          labels: [{ key: 'k'.repeat(101) }],
        },
      }),
    );
    assert.equal(badKey.code, 3);
    const foreign = await failure(
      client.createMetricDescriptor({
        name,
        metricDescriptor: { type: 'example.com/x', metricKind: 'GAUGE', valueType: 'INT64' },
      }),
    );
    assert.match(foreign.message, /must begin with/);
    const missing = await failure(
      client.getMetricDescriptor({ name: `${name}/metricDescriptors/custom.googleapis.com/t/none` }),
    );
    assert.equal(missing.code, 5);
  });

  test('a request breaking rules is a partial failure: good points stored, the rest counted and named by index', async () => {
    clock += 60_000;
    const t0 = clock - 30_000;
    await client.createTimeSeries({
      name,
      timeSeries: [
        gauge('g', 'n-ord', t0, 1),
        gauge('g', 'n-eq', t0, 1),
        gauge('g', 'n-freq', t0, 1),
        cumulative('n-cum', t0 - 60_000, t0, 10),
      ],
    });
    const good = [gauge('g', 'n-a', t0, 5), gauge('g', 'n-b', t0, 6)];
    const bad: [string, Series][] = [
      ['duplicate', gauge('g', 'n-a', t0, 7)],
      [
        'two points',
        {
          ...gauge('g', 'n-c', t0, 1),
          points: [
            ...(gauge('g', 'n-c', t0, 1).points ?? []),
            ...(gauge('g', 'n-c', t0 + 10_000, 1).points ?? []),
          ],
        },
      ],
      ['older end', gauge('g', 'n-ord', t0 - 1000, 2)],
      ['equal end', gauge('g', 'n-eq', t0, 2)],
      ['too frequent', gauge('g', 'n-freq', t0 + 5_000, 2)],
      ['too old', gauge('g', 'n-d', clock - 25 * 3_600_000 - 1, 1)],
      ['too new', gauge('g', 'n-e', clock + 5 * 60_000 + 1, 1)],
      ['cumulative without start', { ...cumulative('n-f', t0, t0, 1) }],
      ['start moved', cumulative('n-cum', t0 - 30_000, t0 + 20_000, 11)],
      ['foreign prefix', { ...gauge('g', 'n-g', t0, 1), metric: { type: 'example.com/g' } }],
      ['unknown descriptor', gauge('none', 'n-h', t0, 1)],
      ['unknown resource', { ...gauge('g', 'n-i', t0, 1), resource: { type: 'k8s_thing', labels: {} } }],
      [
        'missing resource label',
        { ...gauge('g', 'n-j', t0, 1), resource: { type: 'k8s_node', labels: { project_id: PROJECT } } },
      ],
      ['undeclared label', gauge('g', 'n-k', t0, 1, { nope: 'x' })],
      ['long label value', gauge('g', 'n-l', t0, 1, { k: 'v'.repeat(1025) })],
      [
        'wrong value type',
        {
          ...gauge('g', 'n-m', t0, 1),
          points: [{ interval: { endTime: ts(t0) }, value: { doubleValue: 1.5 } }],
        },
      ],
    ];
    const f = await failure(
      client.createTimeSeries({ name, timeSeries: [...good, ...bad.map(([, s]) => s)] }),
    );
    assert.equal(f.code, 3);
    assert.match(f.message, /^One or more TimeSeries could not be written: /);
    assert.ok(f.summary, 'a CreateTimeSeriesSummary in the status details');
    assert.equal(f.summary.totalPointCount, good.length + bad.length);
    assert.equal(f.summary.successPointCount, good.length);
    assert.equal(
      f.summary.errors.reduce((n, e) => n + e.pointCount, 0),
      bad.length,
    );
    // Every bad series is named by its index in the message.
    const named = new Set<number>();
    for (const m of f.message.matchAll(/timeSeries\[([\d,-]+)\]/g))
      for (const part of (m[1] as string).split(',')) {
        const [a, b] = part.split('-').map(Number);
        for (let i = a as number; i <= (b ?? (a as number)); i++) named.add(i);
      }
    assert.deepEqual(
      [...named].sort((a, b) => a - b),
      bad.map((_, i) => good.length + i),
    );
    for (const needle of [
      /Duplicate TimeSeries/,
      /older end time/,
      /maximum sampling period/,
      /25 hours/,
      /5 minutes in the future/,
      /older start time/,
    ])
      assert.match(f.message, needle);
    const stored = new Map(
      standIn.series(PROJECT).map((s) => [s.resource.labels.node_name, s.points.map((p) => p.value)]),
    );
    assert.deepEqual(stored.get('n-a'), [5]);
    assert.deepEqual(stored.get('n-b'), [6]);
    for (const node of ['n-ord', 'n-eq', 'n-freq']) assert.deepEqual(stored.get(node), [1], node);
    assert.deepEqual(stored.get('n-cum'), [10]);
    for (const node of ['n-c', 'n-d', 'n-e', 'n-f', 'n-g', 'n-h', 'n-i', 'n-j', 'n-k', 'n-l', 'n-m'])
      assert.equal(stored.get(node), undefined, node);
  });

  test('a cumulative series may start again only after its last end, and keeps its start otherwise', async () => {
    clock += 60_000;
    const t = clock - 1000;
    await client.createTimeSeries({ name, timeSeries: [cumulative('reset', t - 120_000, t - 60_000, 50)] });
    await client.createTimeSeries({ name, timeSeries: [cumulative('reset', t - 120_000, t - 30_000, 70)] });
    const overlap = await failure(
      client.createTimeSeries({ name, timeSeries: [cumulative('reset', t - 30_000, t, 5)] }),
    );
    assert.match(overlap.message, /older start time/);
    await client.createTimeSeries({ name, timeSeries: [cumulative('reset', t - 30_000 + 1, t, 5)] });
    const points = standIn.series(PROJECT).find((s) => s.resource.labels.node_name === 'reset')?.points;
    assert.deepEqual(
      points?.map((p) => p.value),
      [50, 70, 5],
    );
  });

  test('more than 200 series in a request: the whole request is refused', async () => {
    clock += 60_000;
    const many = Array.from({ length: 201 }, (_, i) => gauge('g2', `many-${i}`, clock - 1000, i));
    const f = await failure(client.createTimeSeries({ name, timeSeries: many }));
    assert.equal(f.code, 3);
    assert.equal(f.summary, undefined);
    assert.equal(
      standIn.series(PROJECT).filter((s) => s.resource.labels.node_name?.startsWith('many-')).length,
      0,
    );
  });

  test('active series per monitored resource are limited', async () => {
    clock += 60_000;
    const series = Array.from({ length: 7 }, (_, i) =>
      gauge('g2', 'crowded', clock - 1000, i, { k: `v${i}` }),
    );
    const f = await failure(client.createTimeSeries({ name, timeSeries: series }));
    assert.equal(f.summary?.successPointCount, 5);
    assert.match(f.message, /limit of active time series per monitored resource/);
  });

  test('faults: UNAVAILABLE, RESOURCE_EXHAUSTED with a retry delay, failing after storing, latency', async () => {
    clock += 60_000;
    standIn.failNext('CreateTimeSeries', 1, { code: 'UNAVAILABLE' });
    assert.equal(
      (await failure(client.createTimeSeries({ name, timeSeries: [gauge('g2', 'f1', clock, 1)] }))).code,
      14,
    );
    standIn.failNext('CreateTimeSeries', 1, { code: 'RESOURCE_EXHAUSTED', retryDelayMs: 1500 });
    const limited = await failure(
      client.createTimeSeries({ name, timeSeries: [gauge('g2', 'f1', clock, 1)] }),
    );
    assert.equal(limited.code, 8);
    assert.equal(limited.retryDelayMs, 1500);
    assert.equal(
      standIn.series(PROJECT).some((s) => s.resource.labels.node_name === 'f1'),
      false,
    );
    standIn.failNext('CreateTimeSeries', 1, { code: 'UNAVAILABLE', afterStore: true });
    assert.equal(
      (await failure(client.createTimeSeries({ name, timeSeries: [gauge('g2', 'f2', clock, 1)] }))).code,
      14,
    );
    assert.equal(
      standIn.series(PROJECT).some((s) => s.resource.labels.node_name === 'f2'),
      true,
    );
    standIn.setLatency(300);
    const started = Date.now();
    await client.createTimeSeries({ name, timeSeries: [gauge('g2', 'f3', clock, 1)] });
    assert.ok(Date.now() - started >= 290);
    standIn.setLatency(0);
    standIn.failPoints(1, 'UNAVAILABLE');
    const partial = await failure(
      client.createTimeSeries({
        name,
        timeSeries: [gauge('g2', 'f4', clock, 1), gauge('g2', 'f5', clock, 1)],
      }),
    );
    assert.equal(partial.summary?.successPointCount, 1);
    assert.equal(partial.summary?.errors[0]?.status.code, 14);
  });

  test('ListTimeSeries: by metric type and labels, within the interval, newest point first', async () => {
    clock += 60_000;
    const t = clock - 1000;
    for (const [end, v] of [
      [t - 40_000, 1],
      [t - 20_000, 2],
      [t, 3],
    ] as const)
      await client.createTimeSeries({
        name,
        timeSeries: [gauge('g2', 'listed', end, v), gauge('g2', 'other', end, 10 * v)],
      });
    const [series] = await client.listTimeSeries({
      name,
      filter: 'metric.type = "custom.googleapis.com/t/g2" AND resource.labels.node_name = "listed"',
      interval: { startTime: ts(t - 30_000), endTime: ts(t) },
    });
    assert.equal(series.length, 1);
    assert.deepEqual(
      series[0]?.points?.map((p) => Number(p.value?.int64Value)),
      [3, 2],
    );
    assert.equal(series[0]?.metricKind, 'GAUGE');
  });
});
