import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError, parsePlanOptions, type PlanFlagValues } from '../../shared/plan/plan-options.js';

function problems(values: PlanFlagValues): string[] {
  try {
    parsePlanOptions(values);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((p) => `${p.variable}: ${p.problem} (for example: ${p.example})`);
  }
  assert.fail('no problem found');
}

describe('plan flags', () => {
  test('defaults: 30 pods of 2 containers, a round a minute, the gcm sink, no sharding, the events service', () => {
    const inputs = parsePlanOptions({ nodes: '100' });
    assert.deepEqual(inputs.shape, {
      nodes: 100,
      podsPerNode: 30,
      containersPerPod: 2,
      volumesPerPod: 1,
      namespaces: 10,
      systemContainersPerNode: 4,
    });
    assert.equal(inputs.resolutionMs, 60_000);
    assert.deepEqual(
      inputs.sinks.map((s) => s.kind),
      ['gcm'],
    );
    assert.equal(inputs.shardSize, undefined);
    assert.equal(inputs.firestoreDatabase, 'heapster');
    assert.deepEqual(inputs.scrape, { vcpu: 1, memoryGiB: 1 });
    assert.notEqual(inputs.events, undefined);
  });

  test('every flag read', () => {
    const inputs = parsePlanOptions({
      nodes: '5000',
      'pods-per-node': '110',
      'containers-per-pod': '3',
      'volumes-per-pod': '2',
      namespaces: '50',
      'system-containers': '3',
      resolution: '15s',
      sinks: ['gcm?levels=pod,node', 'log'],
      'shard-size': '500',
      timeout: '55s',
      'scrape-cpu': '2',
      'scrape-memory': '512Mi',
      'cpu-ms-per-node': '2.5',
      'cpu-ms-per-1000-points': '7',
      'events-per-node-hour': '0.5',
    });
    assert.deepEqual(inputs.shape, {
      nodes: 5000,
      podsPerNode: 110,
      containersPerPod: 3,
      volumesPerPod: 2,
      namespaces: 50,
      systemContainersPerNode: 3,
    });
    assert.equal(inputs.resolutionMs, 15_000);
    assert.deepEqual(
      inputs.sinks.map((s) => s.kind),
      ['gcm', 'log'],
    );
    assert.equal(inputs.shardSize, 500);
    assert.equal(inputs.functionTimeoutMs, 55_000);
    assert.deepEqual(inputs.scrape, { vcpu: 2, memoryGiB: 0.5 });
    assert.equal(inputs.timing.cpuMsPerNode, 2.5);
    assert.equal(inputs.timing.cpuMsPerThousandPoints, 7);
    assert.equal(inputs.events?.perNodeHour, 0.5);
    assert.equal(parsePlanOptions({ nodes: '1', 'no-events': true }).events, undefined);
  });

  test('every problem at once, each with an example', () => {
    assert.deepEqual(
      problems({
        'pods-per-node': 'many',
        resolution: '45s',
        'scrape-memory': '1G',
        'cpu-ms-per-node': '-1',
        'shard-size': '5',
        'firestore-database': 'Heapster',
      }),
      [
        '--nodes: is required: the number of nodes (for example: --nodes=100)',
        '--pods-per-node: "many" must be a whole number from 0 to 1000 (for example: --pods-per-node=30)',
        '--resolution: 45s must divide a minute (like 15s or 30s) or be whole minutes that divide an hour (like 1m or 5m) (for example: --resolution=30s)',
        '--shard-size: "5" must be a whole number from 10 to 5000 (for example: --shard-size=250)',
        '--firestore-database: "Heapster" is not (default) or 4-63 lowercase letters, digits and "-" (for example: --firestore-database=heapster)',
        '--scrape-memory: "1G" must be a memory size from 128Mi to 32Gi, like 512Mi or 1Gi (for example: --scrape-memory=1Gi)',
        '--cpu-ms-per-node: "-1" must be a number from 0 to 10000 (for example: --cpu-ms-per-node=1.1)',
      ],
    );
  });

  test('sink problems read as the SINKS variable does', () => {
    assert.deepEqual(problems({ nodes: '3', sinks: ['log?points=maybe', 'bogus'] }), [
      'SINKS (log option points): "maybe" must be true or false (for example: log?points=false)',
      'SINKS: unknown sink "bogus" in "bogus"; known sinks: log, gcm, influxdb (for example: log?points=false)',
    ]);
    const [gcm] = problems({ nodes: '3', sinks: 'gcm?levels=pods' });
    assert.match(gcm ?? '', /^SINKS \(gcm option levels\): "pods" is not one of /);
    assert.deepEqual(problems({ nodes: '2', resolution: '2h' }), [
      '--resolution: 2h is out of range: it must be between 5s and 3600s (for example: --resolution=60s)',
    ]);
  });
});
