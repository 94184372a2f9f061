import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseScrapeConfig, type Env } from '../../../shared/config/scrape-config.js';
import type { ConfigProblem } from '../../../shared/config/config-error.js';
import { problemsOf } from './problems-of.js';

describe('parseScrapeConfig: valid environments', () => {
  test('only SINKS given: Heapster defaults everywhere else', () => {
    const config = parseScrapeConfig({ SINKS: 'log' });
    assert.equal(config.sources.length, 1);
    const [source] = config.sources;
    assert.ok(source?.kind === 'kubernetes.summary_api');
    assert.equal(source.apiServer, undefined);
    assert.equal(source.inClusterConfig, true);
    assert.deepEqual(config.sinks, [{ kind: 'log', points: false }]);
    assert.equal(config.clusterName, 'default');
    assert.equal(config.intervalMs, 60_000);
    assert.equal(config.functionTimeoutMs, 60_000);
    assert.equal(config.runDeadlineMs, 55_000);
    assert.deepEqual(config.state, { kind: 'firestore', database: '(default)', root: 'heapster/default' });
    assert.equal(config.labelSeparator, ',');
    assert.equal(config.systemContainerNames, 'heapster');
    assert.equal(config.logLevel, 'INFO');
  });

  test('every variable set', () => {
    const config = parseScrapeConfig({
      SOURCES: 'kubernetes:https://34.1.2.3?auth=google&ca=/ca.pem&timeout=20s',
      SINKS: 'log\n  log?points=true',
      CLUSTER_NAME: ' prod-europe.1 ',
      INTERVAL: '15s',
      FUNCTION_TIMEOUT: '2m',
      STATE_STORE: 'firestore',
      FIRESTORE_DATABASE: 'metrics',
      LABEL_SEPARATOR: ';',
      SYSTEM_CONTAINER_NAMES: 'kubelet',
      LOG_LEVEL: 'debug',
    });
    const [source] = config.sources;
    assert.ok(source?.kind === 'kubernetes.summary_api');
    assert.equal(source.apiServer, 'https://34.1.2.3');
    assert.equal(source.timeoutMs, 20_000);
    assert.deepEqual(config.sinks, [
      { kind: 'log', points: false },
      { kind: 'log', points: true },
    ]);
    assert.equal(config.clusterName, 'prod-europe.1');
    assert.equal(config.intervalMs, 15_000);
    assert.equal(config.functionTimeoutMs, 120_000);
    assert.equal(config.runDeadlineMs, 115_000);
    assert.deepEqual(config.state, {
      kind: 'firestore',
      database: 'metrics',
      root: 'heapster/prod-europe.1',
    });
    assert.equal(config.labelSeparator, ';');
    assert.equal(config.systemContainerNames, 'kubelet');
    assert.equal(config.logLevel, 'DEBUG');
  });

  test('STATE_STORE=memory; a per-node timeout just under the run deadline', () => {
    const config = parseScrapeConfig({
      SINKS: 'log',
      STATE_STORE: 'memory',
      FUNCTION_TIMEOUT: '30s',
      SOURCES: "kubernetes.summary_api:''?timeout=24999ms",
    });
    assert.deepEqual(config.state, { kind: 'memory' });
    assert.equal(config.sources[0]?.timeoutMs, 24_999);
  });
});

describe('parseScrapeConfig: sources together', () => {
  test('one Kubernetes cluster beside cAdvisor hosts from a hosts file and from fleet, in their order', () => {
    const config = parseScrapeConfig({
      SINKS: 'log',
      SOURCES: [
        'cadvisor:external?hostsFile=gs://ops/hosts.json&cadvisorPort=4194',
        'kubernetes:https://34.1.2.3?auth=google',
        'cadvisor:coreos?fleetEndpoint=http://10.0.0.2:4001&fleetEndpoint=http://10.0.0.3:4001',
        'cadvisor:external?standalone=true',
      ].join('\n'),
    });
    assert.deepEqual(
      config.sources.map((s) => s.kind),
      ['cadvisor:external', 'kubernetes.summary_api', 'cadvisor:coreos', 'cadvisor:external'],
    );
    const [hostsFile, kube, fleet, standalone] = config.sources;
    assert.ok(hostsFile?.kind === 'cadvisor:external' && standalone?.kind === 'cadvisor:external');
    assert.deepEqual([hostsFile.hostsFile, hostsFile.cadvisorPort], ['gs://ops/hosts.json', 4194]);
    assert.equal(standalone.standalone, true);
    assert.ok(kube?.kind === 'kubernetes.summary_api');
    assert.equal(kube.apiServer, 'https://34.1.2.3');
    assert.ok(fleet?.kind === 'cadvisor:coreos');
    assert.deepEqual(fleet.fleetEndpoints, ['http://10.0.0.2:4001', 'http://10.0.0.3:4001']);
  });

  test('cAdvisor hosts alone: no Kubernetes source is implied', () => {
    const config = parseScrapeConfig({ SINKS: 'log', SOURCES: 'cadvisor:coreos' });
    assert.deepEqual(
      config.sources.map((s) => s.kind),
      ['cadvisor:coreos'],
    );
  });

  const EXTERNAL = 'cadvisor:external?hostsFile=/var/run/heapster/hosts&cadvisorPort=8080';
  const rows: [string, string, ConfigProblem[]][] = [
    [
      'two Kubernetes sources',
      'kubernetes:https://a.example cadvisor:coreos kubernetes.summary_api:https://b.example',
      [
        {
          variable: 'SOURCES',
          problem:
            '2 Kubernetes sources given; one scrape reads one Kubernetes cluster (cAdvisor sources may be added beside it)',
          example: 'kubernetes.summary_api:https://kubernetes.default?kubeletHttps=true&kubeletPort=10250',
        },
      ],
    ],
    [
      'the same hosts file twice',
      'cadvisor:external?hostsFile=/h.json cadvisor:external?hostsFile=/h.json&cadvisorPort=4194',
      [
        {
          variable: 'SOURCES',
          problem:
            'two cAdvisor sources with hostsFile=/h.json: their hosts would be scraped and written twice',
          example: EXTERNAL,
        },
      ],
    ],
    [
      'standalone twice (the hosts file does not matter then)',
      'cadvisor:external?standalone=true cadvisor:external?standalone=true&hostsFile=/other.json',
      [
        {
          variable: 'SOURCES',
          problem:
            'two cAdvisor sources with standalone=true: their hosts would be scraped and written twice',
          example: EXTERNAL,
        },
      ],
    ],
    [
      'a fleet endpoint in two coreos sources',
      'cadvisor:coreos?fleetEndpoint=http://f1:4001&fleetEndpoint=http://f2:4001 cadvisor:fleet?fleetEndpoint=http://f2:4001',
      [
        {
          variable: 'SOURCES',
          problem:
            'two cAdvisor sources with fleetEndpoint=http://f2:4001: their hosts would be scraped and written twice',
          example: EXTERNAL,
        },
      ],
    ],
    [
      'a per-host timeout not shorter than the run deadline',
      'kubernetes.summary_api: cadvisor:coreos?timeout=55s',
      [
        {
          variable: 'SOURCES',
          problem:
            'the cadvisor:coreos per-host timeout 55s must be shorter than FUNCTION_TIMEOUT minus 5s (55s)',
          example: 'cadvisor:coreos?timeout=10s',
        },
      ],
    ],
  ];
  for (const [name, sources, expected] of rows) {
    test(name, () => assert.deepEqual(problemsOf({ SINKS: 'log', SOURCES: sources }), expected));
  }
});

describe('parseScrapeConfig: every kind of error, with the exact message', () => {
  const rows: [string, Env, ConfigProblem[]][] = [
    [
      'no sink',
      {},
      [
        {
          variable: 'SINKS',
          problem: 'no sink given: metrics would go nowhere',
          example: 'log?points=false',
        },
      ],
    ],
    [
      'SINKS of only blanks',
      { SINKS: ' \n ' },
      [
        {
          variable: 'SINKS',
          problem: 'no sink given: metrics would go nowhere',
          example: 'log?points=false',
        },
      ],
    ],
    [
      'SOURCES set but empty',
      { SOURCES: '', SINKS: 'log' },
      [
        {
          variable: 'SOURCES',
          problem: 'no source given',
          example: 'kubernetes.summary_api:https://kubernetes.default?kubeletHttps=true&kubeletPort=10250',
        },
      ],
    ],
    [
      'a cluster name with a space',
      { SINKS: 'log', CLUSTER_NAME: 'prod europe' },
      [
        {
          variable: 'CLUSTER_NAME',
          problem:
            '"prod europe" must be 1-100 letters, digits, "-", "_" or "." starting with a letter or digit',
          example: 'CLUSTER_NAME=prod-europe',
        },
      ],
    ],
    [
      'an interval that is not a duration',
      { SINKS: 'log', INTERVAL: '60' },
      [
        {
          variable: 'INTERVAL',
          problem: '"60" is not a duration like 30s, 1m30s or 500ms',
          example: 'INTERVAL=60s',
        },
      ],
    ],
    [
      'an interval too short',
      { SINKS: 'log', INTERVAL: '1s' },
      [
        {
          variable: 'INTERVAL',
          problem: '1s is out of range: it must be between 5s and 3600s',
          example: 'INTERVAL=60s',
        },
      ],
    ],
    [
      'a function timeout too long',
      { SINKS: 'log', FUNCTION_TIMEOUT: '2h' },
      [
        {
          variable: 'FUNCTION_TIMEOUT',
          problem: '2h is out of range: it must be between 10s and 3600s',
          example: 'FUNCTION_TIMEOUT=60s',
        },
      ],
    ],
    [
      'a per-node timeout equal to the run deadline',
      { SINKS: 'log', FUNCTION_TIMEOUT: '30s', SOURCES: 'kubernetes.summary_api:?timeout=25s' },
      [
        {
          variable: 'SOURCES',
          problem: 'the per-node timeout 25s must be shorter than FUNCTION_TIMEOUT minus 5s (25s)',
          example: 'kubernetes.summary_api:?timeout=10s',
        },
      ],
    ],
    [
      'a per-node timeout longer than the function timeout (its default)',
      { SINKS: 'log', SOURCES: 'kubernetes.summary_api:?timeout=2m' },
      [
        {
          variable: 'SOURCES',
          problem: 'the per-node timeout 120s must be shorter than FUNCTION_TIMEOUT minus 5s (55s)',
          example: 'kubernetes.summary_api:?timeout=10s',
        },
      ],
    ],
    [
      'an unknown state store',
      { SINKS: 'log', STATE_STORE: 'redis' },
      [
        {
          variable: 'STATE_STORE',
          problem: '"redis" is not one of firestore, memory',
          example: 'STATE_STORE=firestore',
        },
      ],
    ],
    [
      'an unknown log level',
      { SINKS: 'log', LOG_LEVEL: 'verbose' },
      [
        {
          variable: 'LOG_LEVEL',
          problem: '"verbose" is not one of DEBUG, INFO, NOTICE, WARNING, ERROR, CRITICAL',
          example: 'LOG_LEVEL=INFO',
        },
      ],
    ],
    [
      'unknown system container names',
      { SINKS: 'log', SYSTEM_CONTAINER_NAMES: 'docker' },
      [
        {
          variable: 'SYSTEM_CONTAINER_NAMES',
          problem: '"docker" is not one of heapster, kubelet',
          example: 'SYSTEM_CONTAINER_NAMES=heapster',
        },
      ],
    ],
  ];
  for (const [name, env, expected] of rows) {
    test(name, () => assert.deepEqual(problemsOf(env), expected));
  }

  test('several errors are reported at once, in one message a person can act on', () => {
    const env: Env = {
      SOURCES: 'kubernetes.summary_api:?kubeletPort=abc cadvisor:http://h',
      SINKS: 'log?points=maybe kafka:?brokers=b',
      INTERVAL: 'soon',
      STATE_STORE: 'disk',
    };
    let error: unknown;
    try {
      parseScrapeConfig(env);
    } catch (err) {
      error = err;
    }
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(
      error.problems.map((p) => p.variable),
      [
        'SOURCES (kubernetes.summary_api option kubeletPort)',
        'SOURCES',
        'SINKS (log option points)',
        'SINKS',
        'INTERVAL',
        'STATE_STORE',
      ],
    );
    const lines = error.message.split('\n');
    assert.equal(lines[0], 'invalid configuration (6 problems):');
    assert.equal(
      lines[1],
      '  SOURCES (kubernetes.summary_api option kubeletPort): "abc" must be a whole number from 1 to 65535 (for example: kubernetes.summary_api?kubeletPort=10255)',
    );
    assert.equal(
      lines[5],
      '  INTERVAL: "soon" is not a duration like 30s, 1m30s or 500ms (for example: INTERVAL=60s)',
    );
    assert.equal(
      lines[6],
      '  STATE_STORE: "disk" is not one of firestore, memory (for example: STATE_STORE=firestore)',
    );
    assert.equal(lines.length, 7);
  });

  test('one problem is "1 problem"', () => {
    assert.throws(() => parseScrapeConfig({}), {
      name: 'ConfigError',
      message:
        'invalid configuration (1 problem):\n  SINKS: no sink given: metrics would go nowhere (for example: log?points=false)',
    });
  });
});
