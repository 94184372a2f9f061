import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseEventsConfig } from '../../shared/config/events-config.js';
import { parseScrapeConfig } from '../../shared/config/scrape-config.js';
import { resolveSecret } from '../../shared/config/secret.js';
import { METRICS } from '../../shared/metrics/catalogue.js';
import { CORE_METRIC_NAMES, DEFAULT_LEVEL_NAMES } from '../unit/sinks/gcm/expected-defaults.js';
import { INFRA } from './hcl.js';

/**
 * The parts of infra/ that need no provider, evaluated by the real terraform: the root's variables (with their
 * validations) and the locals that compose the workloads' environment, and the scheduler's schedule and retry
 * arithmetic. The environment Terraform computes is then read by the workloads' own config parsers.
 */
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function terraform(dir: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const run = spawnSync('terraform', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, TF_IN_AUTOMATION: '1' },
  });
  assert.ok(run.error === undefined, `terraform could not run (is it installed?): ${run.error?.message}`);
  return { status: run.status ?? -1, stdout: run.stdout, stderr: run.stderr };
}

/** A provider-free module of the given files plus outputs, applied with the variables; the outputs' values. */
function evaluate(
  files: Record<string, string>,
  outputs: string[],
  vars: Record<string, unknown>,
): { ok: true; values: Record<string, unknown> } | { ok: false; error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tf-eval-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  writeFileSync(
    join(dir, 'outputs.tf'),
    outputs.map((o) => `output "${o}" {\n  value = local.${o}\n}\n`).join('\n'),
  );
  writeFileSync(join(dir, 'test.auto.tfvars.json'), JSON.stringify(vars));
  const init = terraform(dir, ['init', '-backend=false', '-input=false', '-no-color']);
  assert.equal(init.status, 0, init.stderr);
  const apply = terraform(dir, ['apply', '-auto-approve', '-input=false', '-no-color']);
  if (apply.status !== 0) return { ok: false, error: apply.stderr.replace(/\s+/g, ' ') };
  const out = terraform(dir, ['output', '-json', '-no-color']);
  const parsed = JSON.parse(out.stdout) as Record<string, { value: unknown }>;
  return { ok: true, values: Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.value])) };
}

const rootFiles = (): Record<string, string> => ({
  'variables.tf': readFileSync(join(INFRA, 'variables.tf'), 'utf8'),
  'locals.tf': readFileSync(join(INFRA, 'locals.tf'), 'utf8'),
});
const ROOT_OUTPUTS = [
  'scrape_environment',
  'events_environment',
  'secret_environment',
  'secret_files',
  'secret_ids',
];

const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const GKE = {
  project_id: 'my-project',
  region: 'europe-west1',
  cluster: {
    name: 'prod',
    location: 'europe-west1',
    access: 'gke',
    endpoint: 'https://34.1.2.3',
    ca_certificate: Buffer.from(CA_PEM).toString('base64'),
  },
  events: { image: 'europe-west1-docker.pkg.dev/my-project/heapster/events:1' },
};

describe('root variables and locals, evaluated by terraform', () => {
  test('GKE: the scrape environment parses, with the cluster CA mounted where the source reads it', () => {
    const result = evaluate(rootFiles(), ROOT_OUTPUTS, GKE);
    assert.ok(result.ok, result.ok ? '' : result.error);
    const { scrape_environment, secret_files, secret_ids, events_environment } = result.values as {
      scrape_environment: Record<string, string>;
      events_environment: Record<string, string>;
      secret_files: Record<string, { secret: string; file: string }>;
      secret_ids: Record<string, string>;
    };
    const config = parseScrapeConfig(scrape_environment);
    assert.equal(config.clusterName, 'prod');
    assert.equal(config.intervalMs, 60_000);
    assert.equal(config.functionTimeoutMs, 50_000);
    assert.deepEqual(config.state, { kind: 'firestore', database: 'heapster', root: 'heapster/prod' });
    const [source] = config.sources;
    assert.ok(source?.kind === 'kubernetes.summary_api');
    assert.equal(source.apiServer, 'https://34.1.2.3');
    assert.deepEqual(source.auth, { kind: 'google' });
    const mount = secret_files[source.caFile?.replace(/\/[^/]+$/, '') ?? ''];
    assert.deepEqual(mount, { secret: 'heapster-cluster-ca', file: 'ca.pem' });
    assert.equal(`/secrets/cluster-ca/${mount?.file}`, source.caFile);
    assert.deepEqual(secret_ids, { cluster_ca: 'heapster-cluster-ca' });
    const [sink] = config.sinks;
    assert.ok(sink?.kind === 'gcm');
    assert.equal(sink.project, 'my-project');
    assert.equal(sink.location, 'europe-west1');
    // Levels and metrics left to the sink: the core set on pod, node, ns and cluster.
    assert.doesNotMatch(scrape_environment.SINKS ?? '', /levels=|metrics=/);
    assert.deepEqual(sink.levels, DEFAULT_LEVEL_NAMES);
    assert.deepEqual(sink.metrics.map((id) => METRICS[id]?.name).sort(), [...CORE_METRIC_NAMES].sort());
    // The events service watches the same API server with the same credentials and writes to Cloud Logging.
    assert.equal(
      events_environment.SOURCE,
      'kubernetes:https://34.1.2.3?auth=google&ca=/secrets/cluster-ca/ca.pem&api=events.k8s.io/v1',
    );
    assert.equal(
      events_environment.SINKS,
      'gcl?project=my-project&location=europe-west1&log=kubernetes.io/events',
    );
    const events = parseEventsConfig(events_environment);
    assert.deepEqual(
      events.sinks.map((e) => (e.kind === 'gcl' ? [e.kind, e.project, e.location, e.logId] : [e.kind])),
      [['gcl', 'my-project', 'europe-west1', 'kubernetes.io/events']],
    );
    assert.equal(events.source.caFile, source.caFile);
  });

  test('gcm levels and metrics given are passed to the sink', () => {
    const result = evaluate(rootFiles(), ROOT_OUTPUTS, {
      ...GKE,
      sinks: { gcm: { levels: ['pod_container', 'pod'], metrics: 'cpu/usage_rate,restart_count' } },
    });
    assert.ok(result.ok, result.ok ? '' : result.error);
    const [sink] = parseScrapeConfig(result.values.scrape_environment as Record<string, string>).sinks;
    assert.ok(sink?.kind === 'gcm');
    assert.deepEqual(sink.levels, ['pod_container', 'pod']);
    assert.deepEqual(
      sink.metrics.map((id) => METRICS[id]?.name),
      ['cpu/usage_rate', 'restart_count'],
    );
  });

  test('the events environment parses when events go to the log sink', () => {
    const result = evaluate(rootFiles(), ROOT_OUTPUTS, { ...GKE, sinks: { gcl: { enabled: false } } });
    assert.ok(result.ok, result.ok ? '' : result.error);
    const env = result.values.events_environment as Record<string, string>;
    const config = parseEventsConfig(env);
    assert.deepEqual(config.sinks, [{ kind: 'log' }]);
    assert.equal(config.source.api, 'events.k8s.io/v1');
    assert.equal(config.source.apiServer, 'https://34.1.2.3');
    assert.equal(config.leaseTtlMs, 15_000);
    assert.equal(config.watchTimeoutSeconds, 290);
  });

  test('kubeconfig and InfluxDB: the token is a reference the injected secret resolves', () => {
    const result = evaluate(rootFiles(), ROOT_OUTPUTS, {
      project_id: 'my-project',
      region: 'europe-west1',
      cluster: { name: 'on-prem-1', location: 'on-prem-1', access: 'kubeconfig' },
      sinks: {
        gcm: { enabled: false },
        influxdb: { url: 'http://influx.internal:8086', options: { withfields: 'true' } },
      },
      events: { enabled: false },
      resolution_seconds: 300,
      scrape: { timeout_seconds: 120 },
    });
    assert.ok(result.ok, result.ok ? '' : result.error);
    const { scrape_environment, secret_environment, secret_files } = result.values as {
      scrape_environment: Record<string, string>;
      secret_environment: Record<string, string>;
      secret_files: Record<string, { secret: string; file: string }>;
    };
    assert.doesNotMatch(JSON.stringify(scrape_environment), /token=(?!secret:)/);
    const config = parseScrapeConfig(scrape_environment);
    assert.equal(config.intervalMs, 300_000);
    const [source] = config.sources;
    assert.ok(source?.kind === 'kubernetes.summary_api');
    assert.deepEqual(source.auth, { kind: 'kubeconfig', path: '/secrets/kubeconfig/kubeconfig' });
    assert.deepEqual(secret_files['/secrets/kubeconfig'], {
      secret: 'heapster-kubeconfig',
      file: 'kubeconfig',
    });
    const [sink] = config.sinks;
    assert.ok(sink?.kind === 'influxdb');
    assert.equal(sink.db, 'k8s');
    assert.equal(sink.withFields, true);
    assert.ok(sink.token);
    // Cloud Run and Cloud Functions set the secret as this variable; the sink finds it there.
    assert.deepEqual(secret_environment, { INFLUXDB_TOKEN: 'heapster-influxdb-token' });
    const env = { INFLUXDB_TOKEN: 'the-token' };
    assert.equal(resolveSecret(sink.token, { env, readFile: () => undefined }), 'the-token');
  });

  test('cAdvisor sources beside the cluster reach SOURCES and parse', () => {
    const sources = [
      'kubernetes.summary_api:https://34.1.2.3?auth=google&ca=/secrets/cluster-ca/ca.pem',
      'cadvisor:external?hostsFile=gs://ops-config/heapster/hosts.json&cadvisorPort=4194',
      'cadvisor:coreos?fleetEndpoint=http://10.0.0.2:4001&fleetEndpoint=http://10.0.0.3:4001',
    ];
    const result = evaluate(rootFiles(), ROOT_OUTPUTS, { ...GKE, sources });
    assert.ok(result.ok, result.ok ? '' : result.error);
    const config = parseScrapeConfig(result.values.scrape_environment as Record<string, string>);
    assert.deepEqual(
      config.sources.map((s) => s.kind),
      ['kubernetes.summary_api', 'cadvisor:external', 'cadvisor:coreos'],
    );
  });

  const REJECTED: [string, Record<string, unknown>, RegExp][] = [
    [
      'a timeout as long as the interval',
      { ...GKE, scrape: { timeout_seconds: 60 } },
      /shorter than resolution_seconds/,
    ],
    ['an interval that is not whole minutes', { ...GKE, resolution_seconds: 90 }, /whole number of minutes/],
    ['GKE without an endpoint', { ...GKE, cluster: { name: 'prod', location: 'europe-west1' } }, /endpoint/],
    [
      'a credential in the InfluxDB options',
      { ...GKE, sinks: { influxdb: { url: 'http://i:8086', options: { token: 'abc' } } } },
      /may not hold token/,
    ],
    [
      'an inline credential in an extra sink',
      { ...GKE, sinks: { extra_metric_sinks: ['influxdb:http://i:8086?pw=abc'] } },
      /secret references/,
    ],
    ['the events service without an image', { ...GKE, events: {} }, /events\.image is required/],
    ['an unknown metric level', { ...GKE, sinks: { gcm: { levels: ['pods'] } } }, /gcm\.levels/],
    ['no metric level', { ...GKE, sinks: { gcm: { levels: [] } } }, /gcm\.levels are among/],
    [
      'a metric set in a list of metrics',
      { ...GKE, sinks: { gcm: { metrics: 'core,cpu/usage' } } },
      /gcm\.metrics is core/,
    ],
    ['an unknown log level', { ...GKE, scrape: { log_level: 'VERBOSE' } }, /log_level/],
    [
      'a source of an unknown kind',
      { ...GKE, sources: ['cadvisor:http://10.0.0.2:8080'] },
      /cadvisor:external/,
    ],
    [
      'two Kubernetes sources',
      { ...GKE, sources: ['kubernetes:https://a.example', 'kubernetes.summary_api:https://b.example'] },
      /At most one Kubernetes source/,
    ],
  ];
  for (const [what, vars, message] of REJECTED) {
    test(`rejects ${what}`, () => {
      const result = evaluate(rootFiles(), ROOT_OUTPUTS, vars);
      assert.equal(result.ok, false);
      assert.match(result.ok ? '' : result.error, message);
    });
  }
});

describe('the scheduler module, evaluated by terraform', () => {
  const main = readFileSync(join(INFRA, 'modules/scheduler/main.tf'), 'utf8');
  const locals = /^locals \{[\s\S]*?^\}$/m.exec(main)?.[0] ?? '';
  const files = {
    'variables.tf': readFileSync(join(INFRA, 'modules/scheduler/variables.tf'), 'utf8'),
    'locals.tf': locals,
  };
  const base = {
    project_id: 'p',
    region: 'europe-west1',
    name: 'heapster-scrape',
    target: { uri: 'https://x', service: 'x' },
  };

  const CASES: [number, number, string][] = [
    [60, 60, '* * * * *'],
    [60, 30, '* * * * *'],
    [300, 70, '*/5 * * * *'],
    [900, 120, '*/15 * * * *'],
    [3600, 1800, '0 * * * *'],
  ];
  for (const [interval, deadline, schedule] of CASES) {
    test(`every ${interval}s with a ${deadline}s deadline: retries never reach the next round`, () => {
      const result = evaluate(files, ['schedule', 'retry_count', 'retry_window', 'backoff_seconds'], {
        ...base,
        interval_seconds: interval,
        attempt_deadline_seconds: deadline,
      });
      assert.ok(result.ok, result.ok ? '' : result.error);
      const { retry_count, retry_window, backoff_seconds } = result.values as Record<string, number>;
      assert.equal(result.values.schedule, schedule);
      assert.ok(retry_count >= 0 && retry_count <= 5);
      // Retries start within the window, so the last one ends before the next round...
      assert.ok(retry_window + deadline <= interval);
      // ...and even if every attempt used its whole deadline, all of them fit.
      assert.ok(deadline + retry_count * (backoff_seconds + deadline) <= interval);
      // As many as fit, up to Cloud Scheduler's five.
      assert.equal(
        retry_count,
        Math.min(5, Math.floor(Math.max(0, interval - deadline) / (deadline + backoff_seconds))),
      );
    });
  }
});
