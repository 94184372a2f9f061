import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { INFRA, loadModule, type Block, type TfModule } from './hcl.js';

/**
 * The events service's container runs node with a capped heap, set where Cloud Run applies it: NODE_OPTIONS
 * on the container, from the module's heap_limit_mib, and node accepts it there.
 */
describe('events service: the node heap cap', () => {
  let m: TfModule;
  before(async () => {
    m = await loadModule(join(INFRA, 'modules', 'events-service'));
  });

  const nodeOptions = (): string => {
    const service = m.resources['google_cloud_run_v2_service']?.['events']?.[0] as Block;
    const container = ((service['template'] as Block[])[0]?.['containers'] as Block[])[0] as Block;
    const env = container['env'] as { name: string; value: string }[];
    const options = env.filter((e) => e.name === 'NODE_OPTIONS');
    assert.equal(options.length, 1);
    return (options[0] as { value: string }).value;
  };

  test("NODE_OPTIONS is the module's, from heap_limit_mib, and the environment cannot override it", () => {
    assert.match(nodeOptions(), /--max-old-space-size=\$\{var\.heap_limit_mib\}/);
    const heap = m.variables['heap_limit_mib'];
    assert.equal(typeof heap?.['default'], 'number');
    const validations = JSON.stringify(m.variables['environment']?.['validation']);
    assert.match(validations, /contains\(keys\(var\.environment\), \\"NODE_OPTIONS\\"\)/);
  });

  test('node takes the flags from NODE_OPTIONS: the old space at the cap, a young generation of at most 16 MiB', async () => {
    const heapMib = m.variables['heap_limit_mib']?.['default'] as number;
    const value = nodeOptions().replace('${var.heap_limit_mib}', String(heapMib));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-e', "console.log(require('node:v8').getHeapStatistics().heap_size_limit)"],
      { env: { PATH: process.env['PATH'] ?? '', NODE_OPTIONS: value } },
    );
    const limitMib = Number(stdout) / 1024 / 1024;
    assert.ok(limitMib >= heapMib && limitMib <= heapMib + 16, `heap limit ${limitMib} MiB`);
  });
});
