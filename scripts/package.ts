/**
 * `npm run package [-- --out PATH]`: builds the deployable source archive that Cloud Functions (and the events
 * service's buildpack image) are built from. The zip holds a package.json with the runtime dependencies only and
 * `main` on the compiled scrape entry, the matching package-lock.json, and the compiled JavaScript of functions/
 * and shared/: nothing from test/ or scripts/, no TypeScript sources, no source maps. Entries are sorted and
 * dated alike, so the same code always gives the same bytes (and the same object name in Terraform).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync, type Zippable } from 'fflate';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_ARCHIVE = join(ROOT, 'dist', 'heapster-serverless.zip');
/** The compiled folders the runtime loads; everything else under the build stays out. */
export const PACKAGED_DIRS = ['functions', 'shared'] as const;
/** A fixed date for every entry (zip cannot store dates before 1980). */
const ENTRY_DATE = new Date('2000-01-01T00:00:00Z');

interface PackageJson {
  name: string;
  version: string;
  description?: string;
  license?: string;
  main: string;
  engines?: Record<string, string>;
  dependencies: Record<string, string>;
}

/** The archive's package.json: what the runtime needs to install and start, nothing for development. */
export function runtimeManifest(source: PackageJson): Record<string, unknown> {
  return {
    name: source.name,
    version: source.version,
    description: source.description,
    license: source.license,
    private: true,
    type: 'module',
    main: source.main,
    engines: source.engines,
    // The events service's image is a buildpack build of this archive; the README's build sets GOOGLE_ENTRYPOINT
    // to this same command so node runs without npm around it, and `npm start` stays for other builds.
    scripts: { start: 'node dist/functions/events/index.js' },
    dependencies: source.dependencies,
  };
}

function run(command: string, args: string[], cwd: string): void {
  execFileSync(command, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

export function buildArchive(out: string): { path: string; entries: number; bytes: number } {
  const staging = mkdtempSync(join(tmpdir(), 'heapster-package-'));
  try {
    // A fresh output folder: files of deleted sources left in dist/ would otherwise ship.
    run('npm', ['run', 'build', '--', '--outDir', join(staging, 'dist')], ROOT);
    const manifest = runtimeManifest(
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson,
    );
    writeFileSync(join(staging, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
    writeFileSync(join(staging, 'package-lock.json'), readFileSync(join(ROOT, 'package-lock.json')));
    // Prune the lock to the runtime dependencies from what it already pins: no registry is asked.
    run(
      'npm',
      [
        'install',
        '--package-lock-only',
        '--omit=dev',
        '--ignore-scripts',
        '--offline',
        '--no-audit',
        '--no-fund',
      ],
      staging,
    );

    const files: Zippable = {};
    const add = (path: string): void => {
      files[relative(staging, path).split(sep).join('/')] = [readFileSync(path), { mtime: ENTRY_DATE }];
    };
    add(join(staging, 'package.json'));
    add(join(staging, 'package-lock.json'));
    for (const dir of PACKAGED_DIRS)
      for (const path of listFiles(join(staging, 'dist', dir)).sort()) if (path.endsWith('.js')) add(path);
    const sorted: Zippable = {};
    for (const name of Object.keys(files).sort()) sorted[name] = files[name] as Zippable[string];
    const zip = zipSync(sorted, { level: 9 });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, zip);
    return { path: out, entries: Object.keys(sorted).length, bytes: zip.byteLength };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function outPath(argv: readonly string[]): string {
  const at = argv.indexOf('--out');
  if (at === -1) return DEFAULT_ARCHIVE;
  const value = argv[at + 1];
  if (value === undefined || !value.endsWith('.zip')) {
    console.error('package: --out needs a path ending in .zip');
    process.exit(2);
  }
  return resolve(value);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { path, entries, bytes } = buildArchive(outPath(process.argv.slice(2)));
  console.log(`package: ${entries} files, ${(bytes / 1024).toFixed(0)} KiB`);
  console.log(path);
}
