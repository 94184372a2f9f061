import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HOSTS_FILE_SHAPE, parseHostsFile } from '../../../../shared/sources/cadvisor/hosts-file.js';
import { readHostsFile, type HostsFileReaders } from '../../../../shared/sources/cadvisor/hosts-location.js';

const SHAPE = `expected Heapster's JSON like ${HOSTS_FILE_SHAPE}`;

describe('parseHostsFile', () => {
  test("Heapster's file, with Go's case-insensitive field names", () => {
    assert.deepEqual(parseHostsFile('{"Items":[{"Name":"server-105","IP":"192.168.99.105"}]}', 'f'), {
      ok: true,
      hosts: [{ name: 'server-105', ip: '192.168.99.105' }],
    });
    assert.deepEqual(
      parseHostsFile('{"items":[{"name":"a","ip":"10.0.0.1"},{"NAME":"b","Ip":" fd00::2 "}]}', 'f'),
      {
        ok: true,
        hosts: [
          { name: 'a', ip: '10.0.0.1' },
          { name: 'b', ip: 'fd00::2' },
        ],
      },
    );
  });

  const rows: [string, string, string][] = [
    ['empty', '  \n', 'it is empty'],
    ['not JSON', '{"Items": [', 'not JSON ('],
    ['a list at the top', '[{"Name":"a","IP":"10.0.0.1"}]', 'the top level is an array, not an object'],
    ['no Items', '{"Hosts":[]}', 'there is no "Items" list'],
    ['Items not a list', '{"Items":{"Name":"a"}}', '"Items" is not a list'],
    ['an empty list', '{"Items":[]}', '"Items" lists no hosts'],
    ['an item not an object', '{"Items":["10.0.0.1"]}', 'Items[0] is not an object'],
    ['no Name', '{"Items":[{"IP":"10.0.0.1"}]}', 'Items[0] has no "Name"'],
    ['no IP', '{"Items":[{"Name":"a"}]}', 'Items[0] ("a") has no "IP" address'],
    [
      'an IP that is not one',
      '{"Items":[{"Name":"a","IP":"server-1"}]}',
      'Items[0] ("a") has no "IP" address ("server-1" is not one)',
    ],
    [
      'a name twice',
      '{"Items":[{"Name":"a","IP":"10.0.0.1"},{"Name":"a","IP":"10.0.0.2"}]}',
      '"a" is listed twice',
    ],
  ];
  for (const [name, text, problem] of rows) {
    test(`${name}: says so and shows the expected shape`, () => {
      const out = parseHostsFile(text, '/etc/heapster/hosts');
      assert.ok(!out.ok);
      assert.ok(out.error.startsWith(`hosts file /etc/heapster/hosts: ${problem}`), out.error);
      assert.ok(out.error.endsWith(`; ${SHAPE}`), out.error);
    });
  }
});

describe('readHostsFile: local path, secret reference, Cloud Storage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hosts-file-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const gcsNever: HostsFileReaders['readGcs'] = () => {
    throw new Error('not asked');
  };
  const readers = (
    env: Record<string, string> = {},
    files: Record<string, string> = {},
  ): HostsFileReaders => ({
    readLocal: (path) => readFile(path, 'utf8'),
    readGcs: gcsNever,
    secrets: { env, readFile: (path) => files[path] },
  });

  test('a local file', async () => {
    const path = join(dir, 'hosts.json');
    await writeFile(path, '{"Items":[{"Name":"n1","IP":"127.0.0.1"}]}');
    assert.deepEqual(await readHostsFile(path, readers()), {
      ok: true,
      hosts: [{ name: 'n1', ip: '127.0.0.1' }],
    });
  });

  test('a missing file', async () => {
    const path = join(dir, 'nope.json');
    assert.deepEqual(await readHostsFile(path, readers()), {
      ok: false,
      error: `hosts file ${path}: cannot be read: there is no such file`,
    });
  });

  test('a secret: from the environment, else from the secrets directory', async () => {
    const text = '{"Items":[{"Name":"n2","IP":"10.1.2.3"}]}';
    assert.deepEqual(await readHostsFile('secret:CADVISOR_HOSTS', readers({ CADVISOR_HOSTS: text })), {
      ok: true,
      hosts: [{ name: 'n2', ip: '10.1.2.3' }],
    });
    assert.deepEqual(
      await readHostsFile(
        'secret:CADVISOR_HOSTS',
        readers({ SECRETS_DIR: '/s' }, { '/s/CADVISOR_HOSTS': text + '\n' }),
      ),
      { ok: true, hosts: [{ name: 'n2', ip: '10.1.2.3' }] },
    );
    const missing = await readHostsFile('secret:CADVISOR_HOSTS', readers());
    assert.deepEqual(missing, {
      ok: false,
      error:
        'hosts file secret:CADVISOR_HOSTS: secret secret:CADVISOR_HOSTS not found: neither the environment variable CADVISOR_HOSTS nor the file /etc/secrets/CADVISOR_HOSTS is set',
    });
  });

  test('gs://: the object is read through the adapter, its failure is the message', async () => {
    const asked: string[] = [];
    const gcs = (ok: boolean): HostsFileReaders => ({
      ...readers(),
      readGcs: async (bucket, object) => {
        asked.push(`${bucket}|${object}`);
        return ok
          ? { ok: true, text: '{"Items":[{"Name":"g","IP":"10.9.9.9"}]}' }
          : {
              ok: false,
              error: 'reading gs://b/dir/hosts.json failed: HTTP 404: Not Found (no such bucket or object)',
            };
      },
    });
    assert.deepEqual(await readHostsFile('gs://b/dir/hosts.json', gcs(true)), {
      ok: true,
      hosts: [{ name: 'g', ip: '10.9.9.9' }],
    });
    assert.deepEqual(await readHostsFile('gs://b/dir/hosts.json', gcs(false)), {
      ok: false,
      error:
        'hosts file: reading gs://b/dir/hosts.json failed: HTTP 404: Not Found (no such bucket or object)',
    });
    assert.deepEqual(asked, ['b|dir/hosts.json', 'b|dir/hosts.json']);
    const bad = await readHostsFile('gs://b', gcs(true));
    assert.deepEqual(bad, {
      ok: false,
      error: 'hosts file gs://b: not a Cloud Storage object like gs://bucket/hosts.json',
    });
  });
});
