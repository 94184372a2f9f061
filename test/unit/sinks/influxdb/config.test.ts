import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Problems, type ConfigError } from '../../../../shared/config/config-error.js';
import { resolveSecret, type SecretSource } from '../../../../shared/config/secret.js';
import { parseSink } from '../../../../shared/config/sink-uri.js';
import { apiForVersion } from '../../../../shared/sinks/influxdb/connection.js';

function parse(text: string) {
  const problems = new Problems();
  return problems.result(parseSink(problems, 'SINKS', text));
}

function problemsOf(text: string): string[] {
  try {
    parse(text);
    return [];
  } catch (err) {
    return (err as ConfigError).problems.map((p) => p.problem);
  }
}

describe('influxdb sink options', () => {
  test("Heapster's defaults", () => {
    assert.deepEqual(parse('influxdb:http://monitoring-influxdb:8086'), {
      kind: 'influxdb',
      url: 'http://monitoring-influxdb:8086',
      api: 'auto',
      db: 'k8s',
      retention: undefined,
      user: undefined,
      password: undefined,
      org: '',
      bucket: undefined,
      token: undefined,
      withFields: false,
      clusterName: undefined,
      concurrency: 1,
      insecureSsl: false,
      batchLines: 5000,
      batchBytes: 4 * 1024 * 1024,
      gzip: true,
      timeoutMs: 10_000,
      attempts: 8,
      name: 'influxdb:http://monitoring-influxdb:8086',
    });
  });

  test('options, secure without a scheme, and the name without secrets', () => {
    const config = parse(
      'influxdb:influx.example:8086?db=metrics&user=heapster&pw=hunter2&retention=30d&withfields=true' +
        '&cluster_name=prod&concurrency=4&secure=true&insecuressl=true&token=secret:INFLUX_TOKEN',
    );
    assert.equal(config?.kind, 'influxdb');
    if (config?.kind !== 'influxdb') return;
    assert.equal(config.url, 'https://influx.example:8086');
    assert.deepEqual(config.password, { kind: 'inline', value: 'hunter2' });
    assert.deepEqual(config.token, { kind: 'reference', name: 'INFLUX_TOKEN' });
    assert.equal(config.retention, '30d');
    assert.equal(config.withFields, true);
    assert.equal(config.clusterName, 'prod');
    assert.equal(config.concurrency, 4);
    assert.equal(config.insecureSsl, true);
    assert.ok(!config.name.includes('hunter2'), config.name);
    assert.match(config.name, /pw=\*\*\*/);
    assert.match(config.name, /token=secret:INFLUX_TOKEN/);
  });

  test('every mistake at once, never echoing an inline password', () => {
    const problems = problemsOf(
      'influxdb:http://u:hunter2@influx:8086?retention=forever&pw=hunter2&token=secret:1BAD&api=v3&colour=red',
    );
    assert.equal(problems.length, 5, problems.join('\n'));
    assert.ok(
      problems.every((p) => !p.includes('hunter2')),
      problems.join('\n'),
    );
  });
});

describe('secret references', () => {
  const source = (env: Record<string, string>, files: Record<string, string> = {}): SecretSource => ({
    env,
    readFile: (path) => files[path],
  });

  test('the environment variable first, then SECRETS_DIR/NAME (default /etc/secrets) without its line break', () => {
    const ref = { kind: 'reference', name: 'INFLUX_PW' } as const;
    assert.equal(
      resolveSecret(ref, source({ INFLUX_PW: 'from-env' }, { '/etc/secrets/INFLUX_PW': 'file' })),
      'from-env',
    );
    assert.equal(resolveSecret(ref, source({}, { '/etc/secrets/INFLUX_PW': 'from-file\n' })), 'from-file');
    assert.equal(resolveSecret(ref, source({ SECRETS_DIR: '/run/s' }, { '/run/s/INFLUX_PW': 'x\r\n' })), 'x');
    assert.equal(resolveSecret({ kind: 'inline', value: 'v' }, source({})), 'v');
    assert.throws(() => resolveSecret(ref, source({})), /INFLUX_PW.*\/etc\/secrets\/INFLUX_PW/);
  });
});

describe('write API by server version', () => {
  test('1.0-1.7 take v1; 1.8+, 2.x, 3.x and unknown servers take v2', () => {
    assert.deepEqual(
      ['1.6.7~rc0', '1.7.11', '1.8.10', 'v2.7.4', '3.0.1', undefined, 'unknown'].map(apiForVersion),
      ['v1', 'v1', 'v2', 'v2', 'v2', 'v2', 'v2'],
    );
  });
});
