#!/usr/bin/env node
// The `heapster` command. In a checkout (tsx installed) it runs the TypeScript sources, so it is never stale;
// in an installed package it runs the build from `npm run build` (dist/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const source = join(root, 'functions/cli/index.ts');
const built = join(root, 'dist/functions/cli/index.js');

async function entry() {
  if (existsSync(source)) {
    try {
      const { register } = await import('tsx/esm/api');
      register();
      return source;
    } catch {
      // no tsx here: an installed package, use the build
    }
  }
  if (existsSync(built)) return built;
  console.error(`heapster: ${built} is missing; run \`npm run build\` first`);
  process.exit(1);
}

const { main } = await import(pathToFileURL(await entry()).href);
await main();
