import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readGcsObject, type GcsAccess } from '../../../../shared/sources/cadvisor/gcs.js';
import { loopback, send } from './loopback.js';

const HOSTS = '{"Items":[{"Name":"n","IP":"10.0.0.1"}]}';

describe('readGcsObject: the Cloud Storage adapter', () => {
  test("reads the object with the metadata server's token", async () => {
    const metadata = await loopback((req, res) =>
      req.headers['metadata-flavor'] === 'Google'
        ? send(res, 200, JSON.stringify({ access_token: 'tok-1', expires_in: 3599, token_type: 'Bearer' }))
        : send(res, 403, 'missing Metadata-Flavor'),
    );
    const storage = await loopback((req, res) =>
      req.headers.authorization === 'Bearer tok-1' &&
      req.url === '/storage/v1/b/my-bucket/o/conf%2Fhosts.json?alt=media'
        ? send(res, 200, HOSTS)
        : send(res, 404, '{"error":{"code":404,"message":"No such object"}}'),
    );
    const access: GcsAccess = {
      storageUrl: storage.url,
      metadataUrl: metadata.url,
      timeoutMs: 2000,
      maxBytes: 1 << 20,
    };
    try {
      assert.deepEqual(await readGcsObject('my-bucket', 'conf/hosts.json', access), {
        ok: true,
        text: HOSTS,
      });
      const missing = await readGcsObject('my-bucket', 'other.json', access);
      assert.deepEqual(missing, {
        ok: false,
        error:
          'reading gs://my-bucket/other.json failed: HTTP 404: {"error":{"code":404,"message":"No such object"}} (no such bucket or object)',
      });
    } finally {
      await Promise.all([metadata.close(), storage.close()]);
    }
  });

  test('off Google Cloud (no metadata server): says that is what is missing', async () => {
    const gone = await loopback((_req, res) => send(res, 200, '{}'));
    await gone.close();
    const got = await readGcsObject('b', 'hosts.json', {
      storageUrl: 'http://127.0.0.1:9',
      metadataUrl: gone.url,
      timeoutMs: 1000,
      maxBytes: 1024,
    });
    assert.ok(!got.ok);
    assert.match(
      got.error,
      /^reading gs:\/\/b\/hosts\.json needs the service account's token from the metadata server, which is only there on Google Cloud \(http:\/\/127\.0\.0\.1:\d+ gave unreachable: ECONNREFUSED/,
    );
  });
});
