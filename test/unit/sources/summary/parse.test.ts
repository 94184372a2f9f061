import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { METRIC_COUNT, METRICS, metricId, type MetricName } from '../../../../shared/metrics/catalogue.js';
import {
  countPoints,
  CPU_TIME,
  NETWORK_TIME,
  pointLabelsAt,
  START_TIME,
  timeOf,
  type NodeSamples,
} from '../../../../shared/metrics/model.js';
import { parseSummary, type ParseOutcome } from '../../../../shared/sources/summary/parse.js';
import type { ContainerStats, FsStats, Summary } from '../../../../shared/sources/summary/types.js';
import { labelled, must, setIndex, summaryFixture, value } from '../../fixtures.js';

function parsed(payload: unknown): { samples: NodeSamples; outcome: ParseOutcome & { ok: true } } {
  const outcome = parseSummary(payload);
  if (!outcome.ok) throw new Error(outcome.error);
  return { samples: outcome.samples, outcome };
}

/** Metrics with a value in a set. */
function present(samples: NodeSamples, set: number): MetricName[] {
  const names: MetricName[] = [];
  for (let m = 0; m < METRIC_COUNT; m++) {
    const v = samples.values[set * METRIC_COUNT + m] as number;
    if (!Number.isNaN(v)) names.push((METRICS[m] as { name: MetricName }).name);
  }
  return names.sort();
}

describe('parseSummary on the real fixture', () => {
  const fixture = summaryFixture(1);
  const { samples, outcome } = parsed(fixture);
  const pods = fixture.pods ?? [];

  test('one set per node, system container, pod and container, with no problems', () => {
    const containers = pods.reduce((n, p) => n + (p.containers?.length ?? 0), 0);
    const systemContainers = fixture.node?.systemContainers?.length ?? 0;
    assert.equal(samples.nodeName, 'minikube');
    assert.equal(samples.sets.length, 1 + systemContainers + pods.length + containers);
    assert.equal(samples.values.length, samples.sets.length * METRIC_COUNT);
    assert.deepEqual(outcome.problems, []);
    assert.equal(outcome.ignoredValues, 0);
  });

  test('container values are the payload numbers, memory/cache is usage minus rss', () => {
    for (const pod of pods) {
      const podName = pod.podRef?.name ?? '';
      for (const c of pod.containers ?? []) {
        const s = setIndex(samples, 'pod_container', podName, c.name);
        const cpu = must(c.cpu?.usageCoreNanoSeconds);
        const memory = c.memory ?? {};
        assert.equal(value(samples, s, 'cpu/usage'), cpu);
        assert.equal(value(samples, s, 'memory/usage'), must(memory.usageBytes));
        assert.equal(value(samples, s, 'memory/working_set'), must(memory.workingSetBytes));
        assert.equal(value(samples, s, 'memory/rss'), must(memory.rssBytes));
        assert.equal(value(samples, s, 'memory/cache'), must(memory.usageBytes) - must(memory.rssBytes));
        assert.equal(value(samples, s, 'memory/page_faults'), must(memory.pageFaults));
        assert.equal(value(samples, s, 'memory/major_page_faults'), must(memory.majorPageFaults));
        assert.equal(
          value(samples, s, 'ephemeral_storage/usage'),
          must(c.rootfs?.usedBytes) + must(c.logs?.usedBytes),
        );
        assert.equal(timeOf(samples, s, CPU_TIME), Date.parse(c.cpu?.time as string));
        assert.equal(timeOf(samples, s, START_TIME), Date.parse(c.startTime as string));
        assert.equal(samples.sets[s]?.podUid, pod.podRef?.uid);
        assert.equal(samples.sets[samples.owners[s] as number]?.podName, podName);
      }
    }
  });

  test('containers have no network metrics; rates and uptime are not parse business', () => {
    const s = setIndex(samples, 'pod_container', 'kube-scheduler-minikube', 'kube-scheduler');
    assert.deepEqual(present(samples, s), [
      'cpu/usage',
      'ephemeral_storage/usage',
      'memory/cache',
      'memory/major_page_faults',
      'memory/page_faults',
      'memory/rss',
      'memory/usage',
      'memory/working_set',
    ]);
  });

  test('filesystem points per resource_id: "/" and "logs" for containers, Volume:<name> for pods', () => {
    const pod = pods.find((p) => p.podRef?.name === 'go-hello-world-5456b4b8cd-99vxc');
    const container = pod?.containers?.[0] as ContainerStats;
    const c = setIndex(samples, 'pod_container', 'go-hello-world-5456b4b8cd-99vxc', 'server');
    const rootfs = container.rootfs as FsStats;
    const logs = container.logs as FsStats;
    assert.deepEqual(
      labelled(samples, c, 'filesystem/usage'),
      new Map([
        ['/', must(rootfs.usedBytes)],
        ['logs', must(logs.usedBytes)],
      ]),
    );
    assert.deepEqual(labelled(samples, c, 'filesystem/inodes_free').get('/'), rootfs.inodesFree);
    assert.deepEqual(labelled(samples, c, 'filesystem/limit').get('logs'), logs.capacityBytes);

    const p = setIndex(samples, 'pod', 'go-hello-world-5456b4b8cd-99vxc');
    const token = pod?.volume?.find((v) => v.name === 'default-token-wgfsl') as FsStats;
    for (const [metric, field] of [
      ['filesystem/usage', 'usedBytes'],
      ['filesystem/limit', 'capacityBytes'],
      ['filesystem/available', 'availableBytes'],
      ['filesystem/inodes', 'inodes'],
      ['filesystem/inodes_free', 'inodesFree'],
    ] as const) {
      // The volume with only a time and a name emits no filesystem point at all.
      assert.deepEqual(labelled(samples, p, metric), new Map([['Volume:default-token-wgfsl', token[field]]]));
    }
  });

  test('node: cpu, memory, default-interface network, root filesystem, ephemeral usage', () => {
    const node = fixture.node ?? {};
    const n = setIndex(samples, 'node');
    assert.equal(value(samples, n, 'cpu/usage'), node.cpu?.usageCoreNanoSeconds);
    assert.equal(value(samples, n, 'memory/working_set'), 1234567890);
    assert.equal(value(samples, n, 'network/rx'), node.network?.rxBytes);
    assert.equal(value(samples, n, 'network/tx_errors'), node.network?.txErrors);
    assert.equal(value(samples, n, 'ephemeral_storage/usage'), node.fs?.usedBytes);
    assert.deepEqual(labelled(samples, n, 'filesystem/available'), new Map([['/', node.fs?.availableBytes]]));
    assert.equal(timeOf(samples, n, NETWORK_TIME), Date.parse(node.network?.time as string));
  });

  test('pods: their own cpu, memory, network and ephemeral-storage stats', () => {
    const pod = pods[0] ?? {};
    const p = setIndex(samples, 'pod', pod.podRef?.name);
    assert.equal(value(samples, p, 'cpu/usage'), pod.cpu?.usageCoreNanoSeconds);
    assert.equal(value(samples, p, 'memory/usage'), pod.memory?.usageBytes);
    assert.equal(value(samples, p, 'network/rx'), pod.network?.rxBytes);
    assert.equal(value(samples, p, 'ephemeral_storage/usage'), pod['ephemeral-storage']?.usedBytes);
    assert.equal(samples.sets[p]?.namespace, 'kube-system');
  });

  test('system containers keep the kubelet names', () => {
    const names = samples.sets.filter((s) => s.type === 'sys_container').map((s) => s.containerName);
    assert.deepEqual(names, ['kubelet', 'runtime', 'pods']);
  });
});

describe('absent stats emit nothing', () => {
  const base = (container: ContainerStats): Summary => ({
    node: { nodeName: 'n1' },
    pods: [{ podRef: { name: 'p', namespace: 'ns', uid: 'u' }, containers: [container] }],
  });
  const cases: { name: string; container: ContainerStats; expected: MetricName[]; ignored?: number }[] = [
    { name: 'no stats at all', container: { name: 'c' }, expected: [] },
    { name: 'cpu without the counter', container: { name: 'c', cpu: { usageNanoCores: 5 } }, expected: [] },
    {
      name: 'memory with only usage: no cache',
      container: { name: 'c', memory: { usageBytes: 10 } },
      expected: ['memory/usage'],
    },
    {
      name: 'rss above usage: no cache',
      container: { name: 'c', memory: { usageBytes: 10, rssBytes: 11 } },
      expected: ['memory/rss', 'memory/usage'],
    },
    {
      name: 'rootfs without logs: filesystem points but no ephemeral usage',
      container: { name: 'c', rootfs: { usedBytes: 1 } },
      expected: [],
    },
    {
      name: 'malformed values are ignored and counted',
      container: {
        name: 'c',
        cpu: { usageCoreNanoSeconds: -1 },
        memory: { usageBytes: '12' as never, workingSetBytes: null as never, rssBytes: 3 },
      },
      expected: ['memory/rss'],
      ignored: 2,
    },
    {
      name: 'zero is a value',
      container: { name: 'c', cpu: { usageCoreNanoSeconds: 0 } },
      expected: ['cpu/usage'],
    },
  ];
  for (const { name, container, expected, ignored } of cases) {
    test(name, () => {
      const { samples, outcome } = parsed(base(container));
      assert.deepEqual(present(samples, setIndex(samples, 'pod_container', 'p', 'c')), expected);
      assert.deepEqual(present(samples, setIndex(samples, 'pod', 'p')), []);
      assert.deepEqual(present(samples, setIndex(samples, 'node')), []);
      assert.equal(outcome.ignoredValues, ignored ?? 0);
    });
  }

  test('a bad time is ignored and counted, the values stay', () => {
    const { samples, outcome } = parsed(
      base({
        name: 'c',
        startTime: 'yesterday',
        cpu: { time: '2020-04-20 22:52:23', usageCoreNanoSeconds: 7 },
      }),
    );
    const c = setIndex(samples, 'pod_container', 'p', 'c');
    assert.ok(Number.isNaN(timeOf(samples, c, START_TIME)));
    assert.ok(Number.isNaN(timeOf(samples, c, CPU_TIME)));
    assert.equal(value(samples, c, 'cpu/usage'), 7);
    assert.equal(outcome.ignoredValues, 2);
  });

  test('only the pod-level points that exist', () => {
    const { samples } = parsed({
      node: { nodeName: 'n1' },
      pods: [{ podRef: { name: 'p', namespace: 'ns' } }],
    });
    assert.equal(countPoints(samples), 0);
    assert.equal(samples.sets.length, 2);
  });
});

describe('payloads of the wrong shape give an error value', () => {
  const cases: { name: string; payload: unknown; error: RegExp }[] = [
    { name: 'null', payload: null, error: /not a JSON object/ },
    { name: 'an array', payload: [], error: /not a JSON object/ },
    { name: 'a string', payload: 'oops', error: /not a JSON object/ },
    { name: 'no node', payload: { pods: [] }, error: /no "node" object/ },
    { name: 'node is a number', payload: { node: 3 }, error: /no "node" object/ },
    { name: 'no node name', payload: { node: { cpu: {} } }, error: /nodeName/ },
    {
      name: 'pods is an object',
      payload: { node: { nodeName: 'a' }, pods: {} },
      error: /"pods" is not an array/,
    },
    {
      name: 'systemContainers is a string',
      payload: { node: { nodeName: 'a', systemContainers: 'x' } },
      error: /systemContainers/,
    },
  ];
  for (const { name, payload, error } of cases) {
    test(name, () => {
      const outcome = parseSummary(payload);
      assert.equal(outcome.ok, false);
      if (!outcome.ok) assert.match(outcome.error, error);
    });
  }
});

describe('malformed entries are skipped and reported', () => {
  test('pods without a podRef and containers without a name', () => {
    const { samples, outcome } = parsed({
      node: { nodeName: 'n1', systemContainers: [{ cpu: {} }] },
      pods: [
        { containers: [{ name: 'x' }] },
        7,
        { podRef: { name: 'ok', namespace: 'ns' }, containers: [{ name: '' }, 'junk', { name: 'c' }] },
      ],
    });
    assert.deepEqual(
      samples.sets.map((s) => `${s.type}:${s.podName}:${s.containerName}`),
      ['node::', 'pod:ok:', 'pod_container:ok:c'],
    );
    assert.equal(outcome.problems.length, 5);
    assert.match(outcome.problems[1] ?? '', /pods\[0\]/);
  });

  test('problem messages are capped', () => {
    const pods = Array.from({ length: 30 }, () => ({}));
    const { outcome } = parsed({ node: { nodeName: 'n1' }, pods });
    assert.equal(outcome.problems.length, 21);
    assert.match(outcome.problems[20] ?? '', /10 more/);
  });

  test('a container reported twice keeps the newer instance', () => {
    const { samples, outcome } = parsed({
      node: { nodeName: 'n1' },
      pods: [
        {
          podRef: { name: 'p', namespace: 'ns' },
          containers: [
            { name: 'c', startTime: '2020-01-01T00:00:10Z', cpu: { usageCoreNanoSeconds: 2 } },
            { name: 'c', startTime: '2020-01-01T00:00:00Z', cpu: { usageCoreNanoSeconds: 1 } },
          ],
        },
      ],
    });
    const c = setIndex(samples, 'pod_container', 'p', 'c');
    assert.equal(samples.sets.filter((s) => s.type === 'pod_container').length, 1);
    assert.equal(value(samples, c, 'cpu/usage'), 2);
    assert.equal(outcome.problems.length, 1);
  });
});

describe('accelerators', () => {
  test('one labelled point per accelerator and stat', () => {
    const { samples } = parsed({
      node: { nodeName: 'n1' },
      pods: [
        {
          podRef: { name: 'p', namespace: 'ns' },
          containers: [
            {
              name: 'c',
              accelerators: [
                {
                  make: 'nvidia',
                  model: 'tesla-t4',
                  id: 'GPU-1',
                  memoryTotal: 100,
                  memoryUsed: 40,
                  dutyCycle: 7,
                },
                { make: 'nvidia', model: 'tesla-t4', id: 'GPU-2', memoryTotal: 100 },
              ],
            },
          ],
        },
      ],
    });
    const c = setIndex(samples, 'pod_container', 'p', 'c');
    assert.deepEqual(
      labelled(samples, c, 'accelerator/memory_total'),
      new Map([
        ['GPU-1', 100],
        ['GPU-2', 100],
      ]),
    );
    assert.deepEqual(labelled(samples, c, 'accelerator/duty_cycle'), new Map([['GPU-1', 7]]));
    const i = samples.points.metric.indexOf(metricId('accelerator/memory_used'));
    assert.deepEqual(pointLabelsAt(samples.points, i), {
      make: 'nvidia',
      model: 'tesla-t4',
      accelerator_id: 'GPU-1',
    });
  });
});
