import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Terraform of infra/ parsed with @cdktn/hcl2json: one entry per folder of .tf files (a Terraform module),
 * with its blocks as the parser gives them (every block an array, interpolations kept as "${...}" text).
 */
export const INFRA = fileURLToPath(new URL('../../infra/', import.meta.url));

// Loaded through require, and typed here: the package's own declarations pull the DOM library into the program.
interface Hcl2Json {
  parse(filename: string, contents: string): Promise<Record<string, unknown>>;
  getReferencesInExpression(filename: string, expression: string): Promise<{ value: string }[]>;
}
const hcl = createRequire(import.meta.url)('@cdktn/hcl2json') as Hcl2Json;

export type Block = Record<string, unknown>;
/** `resource "TYPE" "NAME" {...}` as parsed: type -> name -> [body]. */
export type Blocks = Record<string, Record<string, Block[]>>;

export interface TfModule {
  /** Folder relative to infra/, '' for the root. */
  readonly dir: string;
  readonly files: Record<string, string>;
  readonly variables: Record<string, Block>;
  readonly outputs: Record<string, Block>;
  readonly locals: Record<string, unknown>;
  readonly resources: Blocks;
  readonly data: Blocks;
  readonly modules: Record<string, Block>;
  readonly terraform: Block[];
  /** The whole parsed module, for walking every value. */
  readonly parsed: Record<string, unknown>[];
}

function tfFolders(dir: string): string[] {
  const entries = readdirSync(dir).filter((n) => !n.startsWith('.'));
  const here = entries.some((n) => n.endsWith('.tf')) ? [dir] : [];
  return here.concat(
    entries.flatMap((n) => (statSync(join(dir, n)).isDirectory() ? tfFolders(join(dir, n)) : [])),
  );
}

const single = (blocks: unknown): Block => (Array.isArray(blocks) ? (blocks[0] as Block) : (blocks as Block));

export async function loadModule(dir: string): Promise<TfModule> {
  const files: Record<string, string> = {};
  const parsed: Record<string, unknown>[] = [];
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.tf'))
    .sort()) {
    files[name] = readFileSync(join(dir, name), 'utf8');
    parsed.push(await hcl.parse(name, files[name]));
  }
  const m: TfModule = {
    dir: relative(INFRA, dir),
    files,
    variables: {},
    outputs: {},
    locals: {},
    resources: {},
    data: {},
    modules: {},
    terraform: [],
    parsed,
  };
  for (const p of parsed) {
    for (const [name, body] of Object.entries((p.variable ?? {}) as Record<string, unknown>))
      m.variables[name] = single(body);
    for (const [name, body] of Object.entries((p.output ?? {}) as Record<string, unknown>))
      m.outputs[name] = single(body);
    for (const [name, body] of Object.entries((p.module ?? {}) as Record<string, unknown>))
      m.modules[name] = single(body);
    for (const l of (p.locals ?? []) as Record<string, unknown>[]) Object.assign(m.locals, l);
    for (const key of ['resource', 'data'] as const) {
      const target = key === 'resource' ? m.resources : m.data;
      for (const [type, byName] of Object.entries((p[key] ?? {}) as Blocks))
        for (const [name, bodies] of Object.entries(byName)) (target[type] ??= {})[name] = bodies;
    }
    m.terraform.push(...((p.terraform ?? []) as Block[]));
  }
  return m;
}

/** Every module under infra/ (the root, modules/*, examples/*), keyed by folder. */
export async function loadInfra(): Promise<Map<string, TfModule>> {
  const modules = new Map<string, TfModule>();
  for (const dir of tfFolders(INFRA)) {
    const m = await loadModule(dir);
    modules.set(m.dir, m);
  }
  return modules;
}

/** Every string anywhere in a value, with the path that leads to it. */
export function strings(value: unknown, path = ''): { path: string; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  return [];
}

/**
 * A parsed string value back as an HCL quoted template: the parser hands strings back unescaped, so quotes and
 * line breaks outside interpolations are escaped again; inside `${...}` they are expression syntax.
 */
export function quoteTemplate(text: string): string {
  let out = '"';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('${', i)) {
      let depth = 0;
      let j = i + 1;
      let quote = false;
      for (; j < text.length; j++) {
        const c = text[j];
        if (quote) {
          if (c === '\\') j++;
          else if (c === '"') quote = false;
        } else if (c === '"') quote = true;
        else if (c === '{') depth++;
        else if (c === '}' && --depth === 0) break;
      }
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      const c = text[i] as string;
      out += c === '"' ? '\\"' : c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c;
      i++;
    }
  }
  return out + '"';
}

/** The references (var.x, local.y, google_z.n.attr, ...) of one string value, as the parser finds them. */
export async function referencesIn(text: string): Promise<string[]> {
  if (!text.includes('${')) return [];
  return (await hcl.getReferencesInExpression('expr.tf', quoteTemplate(text))).map((r) => r.value);
}

/** The resources of one type in a module as [name, body] pairs. */
export function resourcesOf(m: TfModule, type: string): [string, Block][] {
  return Object.entries(m.resources[type] ?? {}).map(([name, bodies]) => [name, bodies[0] as Block]);
}

/** A nested block's first body: `block(r, 'template', 'scaling')`. */
export function block(body: Block, ...path: string[]): Block {
  let at: unknown = body;
  for (const key of path) at = single((at as Block)[key]);
  if (at === undefined) throw new Error(`no block ${path.join('.')}`);
  return at as Block;
}
