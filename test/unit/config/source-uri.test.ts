import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Problems, type ConfigProblem } from '../../../shared/config/config-error.js';
import { parseSource, type SummaryApiSource } from '../../../shared/config/source-uri.js';

function parse(text: string): { source: SummaryApiSource | undefined; problems: ConfigProblem[] } {
  const problems = new Problems();
  const source = parseSource(problems, 'SOURCES', text);
  if (source !== undefined && source.kind !== 'kubernetes.summary_api')
    assert.fail(`a ${source.kind} source`);
  return { source, problems: problems.list };
}

const DEFAULTS: SummaryApiSource = {
  kind: 'kubernetes.summary_api',
  apiServer: undefined,
  inClusterConfig: true,
  auth: { kind: 'default' },
  caFile: undefined,
  useServiceAccount: false,
  insecure: false,
  nodeProxy: true,
  kubeletPort: 10255,
  kubeletHttps: false,
  timeoutMs: 10_000,
  concurrency: 32,
  maxBodyBytes: 16 * 1024 * 1024,
};

describe('parseSource: valid Heapster source URIs', () => {
  const rows: [string, Partial<SummaryApiSource>][] = [
    ["kubernetes.summary_api:''", {}],
    ['kubernetes.summary_api:""', {}],
    ['kubernetes.summary_api:', {}],
    ['kubernetes.summary_api', {}],
    ['kubernetes', {}],
    [
      'kubernetes:https://kubernetes.default?inClusterConfig=false&kubeletHttps=true&kubeletPort=10250&insecure=true',
      {
        apiServer: 'https://kubernetes.default',
        inClusterConfig: false,
        kubeletHttps: true,
        kubeletPort: 10250,
        insecure: true,
      },
    ],
    ['kubernetes.summary_api:?kubeletHttps=true', { kubeletHttps: true, kubeletPort: 10250 }],
    ['kubernetes.summary_api:?kubeletHttps=1&kubeletPort=4194', { kubeletHttps: true, kubeletPort: 4194 }],
    [
      'kubernetes.summary_api:https://10.0.0.1:6443?useServiceAccount=true&nodeProxy=false',
      {
        apiServer: 'https://10.0.0.1:6443',
        inClusterConfig: false,
        useServiceAccount: true,
        nodeProxy: false,
      },
    ],
    [
      'kubernetes.summary_api:?auth=/home/me/.kube/config',
      { auth: { kind: 'kubeconfig', path: '/home/me/.kube/config' } },
    ],
    [
      'kubernetes.summary_api:https://34.1.2.3?auth=google&ca=/secrets/cluster-ca.pem',
      {
        apiServer: 'https://34.1.2.3',
        inClusterConfig: false,
        auth: { kind: 'google' },
        caFile: '/secrets/cluster-ca.pem',
      },
    ],
    [
      'kubernetes.summary_api:?timeout=1m30s&concurrency=8&maxBodyBytes=2048',
      { timeoutMs: 90_000, concurrency: 8, maxBodyBytes: 2048 },
    ],
    [
      'kubernetes.summary_api:?timeout=500ms&insecure=TRUE&nodeProxy=0',
      { timeoutMs: 500, insecure: true, nodeProxy: false },
    ],
    [
      'kubernetes.summary_api:http://127.0.0.1:8080?inClusterConfig=true',
      { apiServer: 'http://127.0.0.1:8080' },
    ],
  ];
  for (const [text, expected] of rows) {
    test(text, () => {
      const { source, problems } = parse(text);
      assert.deepEqual(problems, []);
      assert.deepEqual(source, { ...DEFAULTS, ...expected });
    });
  }
});

const EXAMPLE = 'kubernetes.summary_api:https://kubernetes.default?kubeletHttps=true&kubeletPort=10250';
const KNOWN =
  'inClusterConfig, auth, ca, useServiceAccount, insecure, nodeProxy, kubeletPort, kubeletHttps, timeout, concurrency, maxBodyBytes';

describe('parseSource: every kind of error, with its exact message', () => {
  const rows: [string, string, ConfigProblem[]][] = [
    [
      'an unknown source',
      'influxdb:http://influx:8086',
      [
        {
          variable: 'SOURCES',
          problem:
            'unknown source "influxdb" in "influxdb:http://influx:8086"; known sources: kubernetes.summary_api, cadvisor:external, cadvisor:coreos',
          example: EXAMPLE,
        },
      ],
    ],
    [
      'a URL that is not http(s)',
      'kubernetes:ftp://kubernetes.default',
      [
        {
          variable: 'SOURCES',
          problem: '"ftp://kubernetes.default" is not an http(s) URL of an API server',
          example: EXAMPLE,
        },
      ],
    ],
    [
      'a URL that does not parse',
      'kubernetes:not a url',
      [
        {
          variable: 'SOURCES',
          problem: '"not a url" is not an http(s) URL of an API server',
          example: EXAMPLE,
        },
      ],
    ],
    [
      'auth=google without the cluster endpoint',
      'kubernetes.summary_api:?auth=google',
      [
        {
          variable: 'SOURCES',
          problem: 'auth=google needs the cluster endpoint as the URL',
          example: 'kubernetes.summary_api:https://34.1.2.3?auth=google&ca=/secrets/cluster-ca.pem',
        },
      ],
    ],
    [
      'a misspelt option (another case)',
      'kubernetes.summary_api:?kubeletport=10250',
      [
        {
          variable: 'SOURCES',
          problem: `unknown option "kubeletport" in kubernetes.summary_api:?kubeletport=10250 (did you mean kubeletPort?); known options: ${KNOWN}`,
          example: 'kubernetes.summary_api:?kubeletPort=10250',
        },
      ],
    ],
    [
      'a misspelt option next to the right one',
      'kubernetes:https://k8s?timout=5s&timeout=6s',
      [
        {
          variable: 'SOURCES',
          problem: `unknown option "timout" in kubernetes:https://k8s?timout=5s&timeout=6s (did you mean timeout?); known options: ${KNOWN}`,
          example: 'kubernetes:https://k8s?timeout=6s',
        },
      ],
    ],
    [
      'an option from another source',
      'kubernetes.summary_api:?db=k8s&insecure=true',
      [
        {
          variable: 'SOURCES',
          problem: `unknown option "db" in kubernetes.summary_api:?db=k8s&insecure=true; known options: ${KNOWN}`,
          example: 'kubernetes.summary_api:?insecure=true',
        },
      ],
    ],
    [
      'a boolean that is not one',
      'kubernetes.summary_api:?kubeletHttps=yes',
      [
        {
          variable: 'SOURCES (kubernetes.summary_api option kubeletHttps)',
          problem: '"yes" must be true or false',
          example: 'kubernetes.summary_api?kubeletHttps=false',
        },
      ],
    ],
    [
      'a port out of range',
      'kubernetes:https://k8s?kubeletPort=70000',
      [
        {
          variable: 'SOURCES (kubernetes option kubeletPort)',
          problem: '"70000" must be a whole number from 1 to 65535',
          example: 'kubernetes:https://k8s?kubeletPort=10255',
        },
      ],
    ],
    [
      'a fractional concurrency',
      'kubernetes.summary_api:?concurrency=1.5',
      [
        {
          variable: 'SOURCES (kubernetes.summary_api option concurrency)',
          problem: '"1.5" must be a whole number from 1 to 1024',
          example: 'kubernetes.summary_api?concurrency=32',
        },
      ],
    ],
    [
      'a size that is not a number',
      'kubernetes.summary_api:?maxBodyBytes=16MiB',
      [
        {
          variable: 'SOURCES (kubernetes.summary_api option maxBodyBytes)',
          problem: '"16MiB" must be a whole number from 1024 to 1073741824',
          example: 'kubernetes.summary_api?maxBodyBytes=16777216',
        },
      ],
    ],
    [
      'a duration without a unit',
      'kubernetes.summary_api:?timeout=5',
      [
        {
          variable: 'SOURCES (kubernetes.summary_api option timeout)',
          problem: '"5" is not a duration like 30s, 1m30s or 500ms',
          example: 'kubernetes.summary_api?timeout=10s',
        },
      ],
    ],
    [
      'a duration too short',
      'kubernetes.summary_api:?timeout=50ms',
      [
        {
          variable: 'SOURCES (kubernetes.summary_api option timeout)',
          problem: '50ms is out of range: it must be between 0.1s and 600s',
          example: 'kubernetes.summary_api?timeout=10s',
        },
      ],
    ],
  ];
  for (const [name, text, expected] of rows) {
    test(name, () => assert.deepEqual(parse(text).problems, expected));
  }

  test('every bad option of one URI is reported, not just the first', () => {
    const { problems } = parse(
      'kubernetes:https://k8s?kubeletHttps=maybe&kubeletPort=x&timeout=forever&foo=1',
    );
    assert.deepEqual(
      problems.map((p) => p.variable),
      [
        'SOURCES',
        'SOURCES (kubernetes option kubeletHttps)',
        'SOURCES (kubernetes option kubeletPort)',
        'SOURCES (kubernetes option timeout)',
      ],
    );
    assert.match(problems[0]?.problem ?? '', /^unknown option "foo"/);
  });
});
