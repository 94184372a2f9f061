import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { grpc } from 'google-gax';
import { Problems } from '../../../../shared/config/config-error.js';
import { parseSink } from '../../../../shared/config/sink-uri.js';
import { parseHeapsterUri } from '../../../../shared/config/uri.js';
import { METRICS } from '../../../../shared/metrics/catalogue.js';
import { monitoringClientOptions } from '../../../../shared/sinks/gcm/client.js';
import { isLoopbackHost, splitEndpoint } from '../../../../shared/config/endpoint.js';
import { parseGcmSink } from '../../../../shared/sinks/gcm/options.js';
import { AUTOSCALING_METRIC_NAMES, CORE_METRIC_NAMES, DEFAULT_LEVEL_NAMES } from './expected-defaults.js';

const names = (ids: readonly number[]): string[] => ids.map((id) => METRICS[id]?.name as string);

const parse = (text: string): { config: ReturnType<typeof parseGcmSink>; problems: string[] } => {
  const problems = new Problems();
  const config = parseGcmSink(problems, 'SINKS', parseHeapsterUri(text));
  return { config, problems: problems.list.map((p) => `${p.variable}: ${p.problem}`) };
};

describe('gcm sink options', () => {
  test('defaults: the core metrics on pod, node, ns and cluster under custom.googleapis.com/heapster', () => {
    const { config, problems } = parse('gcm');
    assert.deepEqual(problems, []);
    assert.equal(config.prefix, 'custom.googleapis.com/heapster');
    assert.deepEqual(names(config.metrics).sort(), [...CORE_METRIC_NAMES].sort());
    assert.deepEqual(config.levels, DEFAULT_LEVEL_NAMES);
    assert.deepEqual([config.project, config.location, config.endpoint], [undefined, undefined, undefined]);
    assert.deepEqual([config.concurrency, config.timeoutMs], [8, 12_000]);
    assert.deepEqual(parse('gcm?metrics=core').config.metrics, config.metrics);
  });

  test("metrics=all and metrics=autoscaling keep Heapster's meaning; a list names metrics", () => {
    const of = (text: string): string[] => names(parse(text).config.metrics);
    assert.deepEqual(
      of('gcm?metrics=all'),
      METRICS.map((m) => m.name),
    );
    assert.deepEqual(of('gcm?metrics=autoscaling').sort(), [...AUTOSCALING_METRIC_NAMES].sort());
    assert.deepEqual(of('gcm?metrics=cpu/usage_rate,memory/usage,cpu/usage_rate'), [
      'cpu/usage_rate',
      'memory/usage',
    ]);
    assert.deepEqual(parse('gcm?levels=pod_container,pod').config.levels, ['pod_container', 'pod']);
  });

  test('a named set mixed with metric names is refused, as is an unknown name', () => {
    const { problems } = parse('gcm?metrics=core,cpu/usage,cpu/nope');
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems[0] as string, /"core" names a set of metrics/);
    assert.match(problems[1] as string, /"cpu\/nope" is not "core", "all", "autoscaling" or a metric name/);
  });

  test('every option is checked, every problem reported at once', () => {
    const { problems } = parse(
      'gcm?project=X&location=Europe West&prefix=example.com/x&metrics=cpu/nope&levels=pods&labels=pod_name,label:-bad&endpoint=host&concurrency=0&timeout=forever&colour=blue',
    );
    assert.equal(problems.length, 11, problems.join('\n')); // two bad labels
    for (const option of [
      'project',
      'location',
      'prefix',
      'metrics',
      'levels',
      'endpoint',
      'concurrency',
      'timeout',
    ])
      assert.ok(
        problems.some((p) => p.includes(`gcm option ${option}`)),
        option,
      );
    assert.ok(problems.some((p) => p.includes('unknown option "colour"')));
  });

  test('labels: Heapster labels and user labels one by one, as metric label keys', () => {
    const { config, problems } = parse(
      'gcm?labels=container_base_image,label:app.kubernetes.io/name,label:tier',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(
      config.labels.map((l) => l.key),
      ['container_base_image', 'label_app_kubernetes_io_name', 'label_tier'],
    );
    assert.equal(
      parse(`gcm?labels=${Array.from({ length: 11 }, (_, i) => `label:k${i}`).join(',')}`).problems.length,
      1,
    );
  });

  test('parseSink knows gcm', () => {
    const problems = new Problems();
    const config = parseSink(problems, 'SINKS', 'gcm?project=my-project&location=us-central1');
    assert.deepEqual(problems.list, []);
    assert.equal(config?.kind, 'gcm');
  });

  test('endpoint: HOST:PORT; plain text only for a loopback host', () => {
    assert.deepEqual(splitEndpoint('127.0.0.1:8085'), { host: '127.0.0.1', port: 8085 });
    assert.deepEqual(splitEndpoint('[::1]:443'), { host: '::1', port: 443 });
    assert.equal(splitEndpoint('monitoring.googleapis.com'), undefined);
    assert.equal(splitEndpoint('h:70000'), undefined);
    for (const host of ['127.0.0.1', '127.3.2.1', '::1', 'localhost'])
      assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['10.0.0.1', 'monitoring.googleapis.com', '128.0.0.1', '::2'])
      assert.equal(isLoopbackHost(host), false, host);

    const local = monitoringClientOptions('127.0.0.1:9999', 'p');
    assert.equal(local.sslCreds?._isSecure(), false);
    assert.deepEqual([local.apiEndpoint, local.port], ['127.0.0.1', 9999]);
    const psc = monitoringClientOptions('monitoring-psc.example.internal:443', 'p');
    assert.equal(psc.sslCreds, undefined, 'TLS with the runtime credentials');
    assert.deepEqual([psc.apiEndpoint, psc.port], ['monitoring-psc.example.internal', 443]);
    assert.equal(monitoringClientOptions(undefined, 'p').apiEndpoint, undefined);
    assert.ok(grpc.credentials.createInsecure()._isSecure() === false);
  });
});
