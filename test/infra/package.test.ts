import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

/**
 * `npm run package` end to end: the archive it writes holds what Cloud Functions' Node.js build needs (a
 * package.json whose main is the compiled scrape entry, its lock, the compiled code) and nothing of the tests,
 * scripts or sources; unpacked next to the dependencies, both entry points load.
 */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const rootManifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

let work: string;
let zipPath: string;
let entries: Record<string, Uint8Array>;
let printed: string;
const text = (name: string): string => new TextDecoder().decode(entries[name]);

before(() => {
  work = mkdtempSync(join(tmpdir(), 'package-test-'));
  zipPath = join(work, 'out', 'heapster.zip');
  const run = spawnSync('npm', ['run', '--silent', 'package', '--', '--out', zipPath], {
    cwd: REPO,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  printed = run.stdout;
  entries = unzipSync(readFileSync(zipPath));
});
after(() => rmSync(work, { recursive: true, force: true }));

describe('npm run package', () => {
  test('prints where the archive is', () => {
    assert.equal(printed.trim().split('\n').at(-1), zipPath);
  });

  test('the manifest installs the runtime dependencies and starts the compiled scrape entry', () => {
    const manifest = JSON.parse(text('package.json')) as Record<string, unknown>;
    assert.equal(manifest.main, 'dist/functions/scrape/index.js');
    assert.equal(manifest.type, 'module');
    assert.deepEqual(manifest.dependencies, rootManifest.dependencies);
    assert.equal(manifest.devDependencies, undefined);
    // A build script would make the function's buildpack run it (there is no TypeScript compiler there).
    assert.deepEqual(Object.keys(manifest.scripts as object), ['start']);
    assert.ok(`${manifest.main as string}` in entries);
  });

  test("the README's image build starts the events entry that the archive holds, with node itself", () => {
    const start = (JSON.parse(text('package.json')) as { scripts: { start: string } }).scripts.start;
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const entrypoint = /env=GOOGLE_ENTRYPOINT=([^"\n]+)"/.exec(readme)?.[1];
    assert.equal(entrypoint, start);
    const [command, script] = (entrypoint ?? '').split(' ');
    assert.equal(command, 'node');
    assert.ok(`${script}` in entries, `${script} is in the archive`);
  });

  test('the lock pins exactly the runtime dependency tree', () => {
    const lock = JSON.parse(text('package-lock.json')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const root = lock.packages[''] as { dependencies?: Record<string, string>; devDependencies?: unknown };
    assert.deepEqual(root.dependencies, rootManifest.dependencies);
    assert.equal(root.devDependencies, undefined);
    // npm's own classification in the repository's lock: what only development needs stays out, the rest is in.
    const full = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as typeof lock;
    const packages = Object.entries(full.packages).filter(([path]) => path !== '');
    const devOnly = packages.filter(([, p]) => p.dev === true).map(([path]) => path);
    const runtime = packages.filter(([, p]) => p.dev !== true && !('devOptional' in p)).map(([path]) => path);
    assert.ok(devOnly.includes('node_modules/typescript'));
    assert.deepEqual(
      devOnly.filter((path) => path in lock.packages),
      [],
    );
    assert.deepEqual(
      runtime.filter((path) => !(path in lock.packages)),
      [],
    );
  });

  test('only compiled JavaScript of functions/ and shared/, nothing from test/ or scripts/', () => {
    const names = Object.keys(entries).sort();
    const code = names.filter((n) => n.startsWith('dist/'));
    assert.deepEqual(
      names.filter((n) => !n.startsWith('dist/')),
      ['package-lock.json', 'package.json'],
    );
    for (const name of code) {
      assert.match(name, /^dist\/(functions|shared)\/.+\.js$/, name);
      assert.doesNotMatch(name, /\.test\.js$|\/test\/|\/scripts\//, name);
    }
    for (const entry of ['dist/functions/scrape/index.js', 'dist/functions/events/index.js'])
      assert.ok(code.includes(entry), entry);
  });

  test('every relative import of the packaged code resolves inside the archive', () => {
    const missing: string[] = [];
    for (const [name, bytes] of Object.entries(entries)) {
      if (!name.endsWith('.js')) continue;
      const source = new TextDecoder().decode(bytes);
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = posix.normalize(posix.join(posix.dirname(name), match[1] as string));
        if (!(target in entries)) missing.push(`${name} -> ${match[1]}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  test('the same sources give the same bytes', () => {
    const again = join(work, 'again.zip');
    const run = spawnSync('npm', ['run', '--silent', 'package', '--', '--out', again], { cwd: REPO });
    assert.equal(run.status, 0);
    assert.ok(readFileSync(again).equals(readFileSync(zipPath)));
  });

  test('unpacked beside the dependencies, both scrape targets register and the events entry starts', () => {
    const app = join(work, 'app');
    for (const [name, bytes] of Object.entries(entries)) {
      mkdirSync(dirname(join(app, name)), { recursive: true });
      writeFileSync(join(app, name), bytes);
    }
    symlinkSync(join(REPO, 'node_modules'), join(app, 'node_modules'), 'dir');
    const probe = [
      "const ff = await import('@google-cloud/functions-framework/testing');",
      "await import('./dist/functions/scrape/index.js');",
      "console.log(typeof ff.getFunction('scrape'), typeof ff.getFunction('scrapeShard'));",
    ].join('\n');
    const scrape = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
      cwd: app,
      encoding: 'utf8',
    });
    assert.equal(scrape.status, 0, scrape.stderr);
    // scrapeShard is the sharding function's entry point (modules/scrape-function), in the same package.
    assert.equal(scrape.stdout.trim(), 'function function');
    // Without SINKS the service refuses to start: proof that its whole module graph loaded.
    const events = spawnSync(process.execPath, ['dist/functions/events/index.js'], {
      cwd: app,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, METADATA_SERVER_DETECTION: 'none' },
      timeout: 20_000,
    });
    assert.equal(events.status, 2, events.stderr);
    assert.match(
      events.stdout,
      /"severity":"CRITICAL","message":"events: invalid configuration, not starting"/,
    );
  });
});
