import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeapsterUri, splitUriList } from '../../../shared/config/uri.js';
import { parseDuration } from '../../../shared/config/values.js';

describe('parseHeapsterUri: PREFIX[:URL][?options]', () => {
  const rows: [string, string, string | undefined, Record<string, string>][] = [
    ['log', 'log', undefined, {}],
    ['log?points=true', 'log', undefined, { points: 'true' }],
    ["kubernetes.summary_api:''", 'kubernetes.summary_api', undefined, {}],
    [
      'kubernetes.summary_api:""?kubeletHttps=true',
      'kubernetes.summary_api',
      undefined,
      { kubeletHttps: 'true' },
    ],
    [
      'kubernetes:https://kubernetes.default:443?kubeletPort=10250&insecure=true',
      'kubernetes',
      'https://kubernetes.default:443',
      { kubeletPort: '10250', insecure: 'true' },
    ],
    [
      'influxdb:http://monitoring-influxdb:8086?db=k8s',
      'influxdb',
      'http://monitoring-influxdb:8086',
      { db: 'k8s' },
    ],
    ['gcm?project=my-project', 'gcm', undefined, { project: 'my-project' }],
    ['  log:  ', 'log', undefined, {}],
    [
      'kubernetes.summary_api:?auth=%2Fhome%2Fme%2Fkc',
      'kubernetes.summary_api',
      undefined,
      { auth: '/home/me/kc' },
    ],
  ];
  for (const [text, prefix, url, options] of rows) {
    test(text, () => {
      const uri = parseHeapsterUri(text);
      assert.equal(uri.prefix, prefix);
      assert.equal(uri.url, url);
      assert.deepEqual(Object.fromEntries(uri.options), options);
      assert.equal(uri.text, text.trim());
    });
  }
});

test('splitUriList: whitespace separates, commas inside options stay', () => {
  assert.deepEqual(splitUriList(' log\n\tinfluxdb:http://h?tags=a,b  gcm '), [
    'log',
    'influxdb:http://h?tags=a,b',
    'gcm',
  ]);
  assert.deepEqual(splitUriList('  '), []);
});

describe('parseDuration: Go-style durations', () => {
  const rows: [string, number | undefined][] = [
    ['500ms', 500],
    ['15s', 15_000],
    ['1m', 60_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1h1m1s1ms', 3_661_001],
    ['1.5s', 1500],
    [' 10s ', 10_000],
    ['10', undefined],
    ['', undefined],
    ['-5s', undefined],
    ['1d', undefined],
    ['s', undefined],
    ['10 s', undefined],
  ];
  for (const [text, ms] of rows) test(JSON.stringify(text), () => assert.equal(parseDuration(text), ms));
});
