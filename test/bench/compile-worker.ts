import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The benchmarks whose scraper runs compiled to JavaScript in processes of its own. */
export type BenchWorker = 'scrape-worker' | 'scale-worker';

const BUILD_DIR = join('node_modules', '.cache', 'heapster-bench');

export function workerPath(worker: BenchWorker): string {
  return join(BUILD_DIR, 'test', 'bench', `${worker}.js`);
}

/** tsc emits even when some other file of the project has a type error; only a missing output is fatal. */
export async function compileWorker(worker: BenchWorker): Promise<void> {
  const tsc = join('node_modules', '.bin', 'tsc');
  await promisify(execFile)(tsc, [
    ...['--outDir', BUILD_DIR, '--rootDir', '.', '--module', 'NodeNext', '--moduleResolution', 'NodeNext'],
    ...['--target', 'ES2022', '--lib', 'ES2023', '--types', 'node', '--skipLibCheck', '--sourceMap', 'false'],
    join('test', 'bench', `${worker}.ts`),
  ]).catch((err: { stdout?: string }) => {
    if (!existsSync(workerPath(worker)))
      throw new Error(`compiling the scraper failed:\n${err.stdout ?? String(err)}`);
  });
}
