import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Problems, type ConfigProblem } from '../../../shared/config/config-error.js';
import {
  parseCadvisorSource,
  type CadvisorCoreosSource,
  type CadvisorExternalSource,
  type CadvisorSource,
} from '../../../shared/config/source-uri.js';
import { parseHeapsterUri } from '../../../shared/config/uri.js';

function parse(text: string): { source: CadvisorSource | undefined; problems: ConfigProblem[] } {
  const problems = new Problems();
  const source = parseCadvisorSource(problems, 'SOURCES', parseHeapsterUri(text));
  return { source, problems: problems.list };
}

const HOST_DEFAULTS = {
  cadvisorPort: 8080,
  timeoutMs: 10_000,
  concurrency: 32,
  maxBodyBytes: 32 * 1024 * 1024,
  samples: 60,
};
const EXTERNAL: CadvisorExternalSource = {
  kind: 'cadvisor:external',
  hostsFile: '/var/run/heapster/hosts',
  standalone: false,
  ...HOST_DEFAULTS,
};
const COREOS: CadvisorCoreosSource = {
  kind: 'cadvisor:coreos',
  fleetEndpoints: ['http://127.0.0.1:4001'],
  ...HOST_DEFAULTS,
};

describe("cAdvisor sources in Heapster's syntax", () => {
  const rows: [string, CadvisorSource][] = [
    ['cadvisor:external', EXTERNAL],
    [
      'cadvisor:external?hostsFile=/etc/heapster/hosts.json&cadvisorPort=4194&standalone=false',
      { ...EXTERNAL, hostsFile: '/etc/heapster/hosts.json', cadvisorPort: 4194 },
    ],
    ['cadvisor:external?standalone=true', { ...EXTERNAL, standalone: true }],
    [
      'cadvisor:external?hostsFile=gs://ops-config/heapster/hosts.json',
      { ...EXTERNAL, hostsFile: 'gs://ops-config/heapster/hosts.json' },
    ],
    [
      'cadvisor:external?hostsFile=secret:CADVISOR_HOSTS',
      { ...EXTERNAL, hostsFile: 'secret:CADVISOR_HOSTS' },
    ],
    [
      'cadvisor:external?timeout=3s&concurrency=8&maxBodyBytes=4096&samples=2',
      { ...EXTERNAL, timeoutMs: 3000, concurrency: 8, maxBodyBytes: 4096, samples: 2 },
    ],
    ['cadvisor:coreos', COREOS],
    [
      'cadvisor:coreos?fleetEndpoint=http://10.0.0.2:4001&fleetEndpoint=https://fleet.example:4001/&cadvisorPort=8081',
      {
        ...COREOS,
        fleetEndpoints: ['http://10.0.0.2:4001', 'https://fleet.example:4001/'],
        cadvisorPort: 8081,
      },
    ],
    [
      'cadvisor:fleet?fleetEndpoint=http://10.0.0.2:4001',
      { ...COREOS, fleetEndpoints: ['http://10.0.0.2:4001'] },
    ],
  ];
  for (const [text, expected] of rows) {
    test(text, () => {
      const { source, problems } = parse(text);
      assert.deepEqual(problems, []);
      assert.deepEqual(source, expected);
    });
  }
});

describe('cAdvisor source errors, each with a URI that would be right', () => {
  const EXAMPLE = 'cadvisor:external?hostsFile=/var/run/heapster/hosts&cadvisorPort=8080';
  const rows: [string, string, ConfigProblem[]][] = [
    [
      'neither external nor coreos',
      'cadvisor:http://h',
      [
        {
          variable: 'SOURCES',
          problem:
            'unknown cAdvisor source "http://h" in "cadvisor:http://h"; it is cadvisor:external or cadvisor:coreos',
          example: EXAMPLE,
        },
      ],
    ],
    [
      'an option of the other cAdvisor source',
      'cadvisor:external?fleetEndpoint=http://f:4001',
      [
        {
          variable: 'SOURCES',
          problem:
            'unknown option "fleetEndpoint" in cadvisor:external?fleetEndpoint=http://f:4001; known options: hostsFile, standalone, cadvisorPort, timeout, concurrency, maxBodyBytes, samples',
          example: 'cadvisor:external',
        },
      ],
    ],
    [
      'a misspelt option',
      'cadvisor:external?hostfile=/h',
      [
        {
          variable: 'SOURCES',
          problem:
            'unknown option "hostfile" in cadvisor:external?hostfile=/h (did you mean hostsFile?); known options: hostsFile, standalone, cadvisorPort, timeout, concurrency, maxBodyBytes, samples',
          example: 'cadvisor:external?hostsFile=/h',
        },
      ],
    ],
    [
      'an empty hosts file option',
      'cadvisor:external?hostsFile=',
      [
        {
          variable: 'SOURCES',
          problem: 'hostsFile is empty: give a path, gs://bucket/object or secret:NAME',
          example: EXAMPLE,
        },
      ],
    ],
    [
      'a bucket without an object',
      'cadvisor:external?hostsFile=gs://bucket',
      [
        {
          variable: 'SOURCES',
          problem: 'hostsFile "gs://bucket" is not a Cloud Storage object like gs://bucket/path/hosts.json',
          example: EXAMPLE,
        },
      ],
    ],
    [
      'a bad secret reference',
      'cadvisor:external?hostsFile=secret:hosts-file',
      [
        {
          variable: 'SOURCES',
          problem:
            'hostsFile "secret:hosts-file" is not a secret reference: secret:NAME with letters, digits and "_"',
          example: EXAMPLE,
        },
      ],
    ],
    [
      'a port out of range',
      'cadvisor:external?cadvisorPort=0',
      [
        {
          variable: 'SOURCES (cadvisor option cadvisorPort)',
          problem: '"0" must be a whole number from 1 to 65535',
          example: 'cadvisor:external?cadvisorPort=8080',
        },
      ],
    ],
    [
      'standalone that is not a boolean',
      'cadvisor:external?standalone=yes',
      [
        {
          variable: 'SOURCES (cadvisor option standalone)',
          problem: '"yes" must be true or false',
          example: 'cadvisor:external?standalone=false',
        },
      ],
    ],
    [
      'a fleet endpoint that is not a URL',
      'cadvisor:coreos?fleetEndpoint=10.0.0.2:4001&fleetEndpoint=http://ok:4001',
      [
        {
          variable: 'SOURCES',
          problem: 'fleetEndpoint "10.0.0.2:4001" is not an http(s) URL of a fleet API (without query)',
          example: 'cadvisor:coreos?fleetEndpoint=http://10.0.0.2:4001&cadvisorPort=8080',
        },
      ],
    ],
    [
      'no samples to ask for',
      'cadvisor:coreos?samples=0',
      [
        {
          variable: 'SOURCES (cadvisor option samples)',
          problem: '"0" must be a whole number from 1 to 1000',
          example: 'cadvisor:coreos?samples=60',
        },
      ],
    ],
  ];
  for (const [name, text, expected] of rows) {
    test(name, () => assert.deepEqual(parse(text).problems, expected));
  }
});
