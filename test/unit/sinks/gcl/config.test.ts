import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { grpc } from 'google-gax';
import { Problems, type ConfigProblem } from '../../../../shared/config/config-error.js';
import { parseHeapsterUri } from '../../../../shared/config/uri.js';
import { DEFAULT_LOG_ID, parseGclSink, type GclSinkConfig } from '../../../../shared/sinks/gcl/config.js';
import { clientOptions } from '../../../../shared/sinks/gcl/gcl-client.js';
import {
  locationOfMetadata,
  resolveTarget,
  type MetadataLookup,
} from '../../../../shared/sinks/gcl/runtime.js';

function parse(text: string): { config: GclSinkConfig; problems: ConfigProblem[] } {
  const problems = new Problems();
  const config = parseGclSink(problems, 'SINKS', parseHeapsterUri(text));
  return { config, problems: problems.list };
}

describe('parseGclSink', () => {
  test('defaults: project and location from the runtime, the kubernetes.io/events log', () => {
    const { config, problems } = parse('gcl');
    assert.deepEqual(problems, []);
    assert.deepEqual(config, {
      project: undefined,
      location: undefined,
      logId: DEFAULT_LOG_ID,
      endpoint: undefined,
      timeoutMs: 10_000,
    });
  });

  test('every option', () => {
    const { config, problems } = parse(
      'gcl?project=my-project&location=europe-west1-b&log=k8s/events_v1&endpoint=127.0.0.1:8443&timeout=30s',
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(config, {
      project: 'my-project',
      location: 'europe-west1-b',
      logId: 'k8s/events_v1',
      endpoint: '127.0.0.1:8443',
      timeoutMs: 30_000,
    });
    // An encoded slash in the URI is the same log.
    assert.equal(parse('gcl?log=kubernetes.io%2Fevents').config.logId, 'kubernetes.io/events');
  });

  test('every mistake is reported at once, with a URI as example', () => {
    const { problems } = parse(
      'gcl:somewhere?project=My_Project&location=Europe West&log=a b&endpoint=host&timeout=1h&porject=x',
    );
    const text = problems.map((p) => `${p.variable}: ${p.problem}`).join('\n');
    for (const expected of [
      /porject.*did you mean project/,
      /takes no URL/,
      /My_Project/,
      /Europe West/,
      /"a b" is not a log ID/,
      /"host" must be HOST:PORT/,
      /1h is out of range/,
    ])
      assert.match(text, expected);
    assert.equal(problems.length, 7);
    for (const p of problems) assert.match(p.example, /^gcl/);
  });
});

describe('client options', () => {
  test("Google's endpoint by default: nothing overridden but the project", () => {
    assert.deepEqual(clientOptions({ logId: 'x', endpoint: undefined }, 'p-123'), { projectId: 'p-123' });
  });

  test('a loopback endpoint is plain text with placeholder credentials; any other host keeps TLS', () => {
    const local = clientOptions({ logId: 'x', endpoint: '127.0.0.1:9000' }, 'p-123');
    assert.equal(local['apiEndpoint'], '127.0.0.1');
    assert.equal(local['port'], 9000);
    assert.ok(local['sslCreds'] instanceof grpc.ChannelCredentials);
    assert.equal((local['sslCreds'] as grpc.ChannelCredentials)._isSecure(), false);
    assert.ok(local['credentials'] !== undefined);
    const v6 = clientOptions({ logId: 'x', endpoint: '[::1]:9000' }, 'p-123');
    assert.equal(v6['apiEndpoint'], '::1');
    assert.ok(v6['sslCreds'] !== undefined);
    const remote = clientOptions(
      { logId: 'x', endpoint: 'europe-west1-logging.googleapis.com:443' },
      'p-123',
    );
    assert.deepEqual(remote, {
      projectId: 'p-123',
      apiEndpoint: 'europe-west1-logging.googleapis.com',
      port: 443,
    });
  });
});

describe('project and location from the runtime', () => {
  const recording = (answers: Record<string, string>): MetadataLookup & { asked: string[] } => {
    const asked: string[] = [];
    const lookup = async (path: string): Promise<string | undefined> => {
      asked.push(path);
      return answers[path];
    };
    return Object.assign(lookup, { asked });
  };

  test('configured values win; then the environment; the metadata server is not asked', async () => {
    const metadata = recording({ 'project/project-id': 'from-metadata' });
    assert.deepEqual(
      await resolveTarget(
        { project: 'configured', location: 'asia-east1' },
        { GOOGLE_CLOUD_PROJECT: 'env' },
        metadata,
      ),
      { project: 'configured', location: 'asia-east1' },
    );
    assert.deepEqual(
      await resolveTarget(
        { project: undefined, location: undefined },
        { GCLOUD_PROJECT: 'env-p', FUNCTION_REGION: 'us-east1' },
        metadata,
      ),
      { project: 'env-p', location: 'us-east1' },
    );
    assert.deepEqual(metadata.asked, []);
  });

  test('the metadata server fills what is left: region on serverless, else the zone', async () => {
    const serverless = recording({
      'project/project-id': 'md-project',
      'instance/region': 'projects/123/regions/europe-west4',
    });
    assert.deepEqual(await resolveTarget({ project: undefined, location: undefined }, {}, serverless), {
      project: 'md-project',
      location: 'europe-west4',
    });
    const vm = recording({ 'instance/zone': 'projects/123/zones/us-central1-f' });
    assert.deepEqual(await resolveTarget({ project: 'p-1', location: undefined }, {}, vm), {
      project: 'p-1',
      location: 'us-central1-f',
    });
    assert.deepEqual(vm.asked, ['instance/region', 'instance/zone']);
    assert.equal(locationOfMetadata(''), undefined);
  });

  test('METADATA_SERVER_DETECTION=none: never asked, and the error says what to set', async () => {
    const metadata = recording({ 'project/project-id': 'md-project', 'instance/region': 'r' });
    await assert.rejects(
      resolveTarget(
        { project: undefined, location: undefined },
        { METADATA_SERVER_DETECTION: 'none' },
        metadata,
      ),
      /unknown project \(gcl\?project=P, or GOOGLE_CLOUD_PROJECT\) and location/,
    );
    assert.deepEqual(metadata.asked, []);
  });
});
