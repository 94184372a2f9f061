import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { INFRA, loadInfra, referencesIn, strings, type Block, type TfModule } from './hcl.js';

/**
 * The Terraform under infra/, parsed (no provider can be downloaded here, so `terraform validate` cannot run):
 * every reference resolves, every module call matches the module's variables, and every variable is typed,
 * described, and validated where its values are a closed set.
 */
const ROOT_FILES = ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf'];
const REPO = fileURLToPath(new URL('../../', import.meta.url));

let infra: Map<string, TfModule>;
before(async () => {
  infra = await loadInfra();
});

const modulesUnder = (prefix: string): TfModule[] =>
  [...infra.values()].filter((m) => m.dir.startsWith(prefix));

/** Names of dynamic blocks: inside their content the block name is the iterator. */
function dynamicIterators(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) dynamicIterators(v, found);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'dynamic') for (const name of Object.keys(v as object)) found.add(name);
      dynamicIterators(v, found);
    }
  }
  return found;
}

const BUILT_IN_ROOTS = new Set(['each', 'count', 'path', 'self', 'terraform']);

/** The folder a module call's source points at, relative to infra/. */
function calleeDir(caller: TfModule, call: Block): string {
  return normalize(join(caller.dir, call.source as string)).replace(/^\.$/, '');
}

/** What is wrong with one reference, or undefined when it resolves. */
function unresolved(m: TfModule, ref: string, iterators: Set<string>): string | undefined {
  const parts = ref.split('.').filter((p) => !/^\d+$/.test(p) && !p.startsWith('"'));
  const [root, a, b, c] = parts;
  if (root === undefined || BUILT_IN_ROOTS.has(root) || iterators.has(root)) return undefined;
  switch (root) {
    case 'var':
      return a !== undefined && a in m.variables ? undefined : `no variable ${a}`;
    case 'local':
      return a !== undefined && a in m.locals ? undefined : `no local ${a}`;
    case 'data':
      return a !== undefined && b !== undefined && m.data[a]?.[b] ? undefined : `no data ${a}.${b}`;
    case 'module': {
      const call = a === undefined ? undefined : m.modules[a];
      if (call === undefined) return `no module ${a}`;
      if (b === undefined) return undefined;
      const callee = infra.get(calleeDir(m, call));
      return callee && b in callee.outputs ? undefined : `module ${a} has no output ${b}`;
    }
    default:
      if (/^google_|^terraform_data$/.test(root))
        return a !== undefined && m.resources[root]?.[a] ? undefined : `no resource ${root}.${a}`;
      return `unknown reference root ${root} (${c ?? ''})`;
  }
}

describe('infra/ Terraform', () => {
  test('the root and every local module have main, variables, outputs and versions files', () => {
    for (const m of [infra.get('') as TfModule, ...modulesUnder('modules/')])
      for (const file of ROOT_FILES) assert.ok(file in m.files, `${m.dir || 'infra'} lacks ${file}`);
    assert.deepEqual(
      modulesUnder('modules/')
        .map((m) => m.dir)
        .sort(),
      [
        'modules/apis',
        'modules/events-service',
        'modules/monitoring',
        'modules/scheduler',
        'modules/scrape-function',
        'modules/source',
        'modules/state',
      ],
    );
  });

  test('every module pins Terraform and the google provider the same way', () => {
    const pins = new Set<string>();
    for (const m of infra.values()) {
      const required = m.terraform.flatMap((t) => (t.required_providers as Block[] | undefined) ?? []);
      const google = required[0]?.google as { source: string; version: string } | undefined;
      assert.ok(google, `${m.dir || 'infra'} has no required google provider`);
      pins.add(`${m.terraform[0]?.required_version} ${google.source} ${google.version}`);
    }
    // Direct VPC egress of 2nd gen functions needs provider 7.21; validations across variables need 1.9.
    assert.deepEqual([...pins], ['>= 1.9.0 hashicorp/google >= 7.21.0, < 8.0.0']);
  });

  test('every reference to a variable, local, resource, data source or module output exists', async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const m of infra.values()) {
      const iterators = dynamicIterators(m.parsed);
      for (const { path, text } of strings(m.parsed)) {
        // Type constraints are not expressions over the configuration.
        if (/variable\.[^.]+\[0\]\.type$/.test(path)) continue;
        for (const ref of await referencesIn(text)) {
          checked++;
          const problem = unresolved(m, ref, iterators);
          if (problem) problems.push(`${m.dir || 'infra'} ${path}: ${ref}: ${problem}`);
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked > 300, `only ${checked} references found`);
  });

  test('every module call passes only variables the module declares, and every required one', () => {
    for (const m of infra.values()) {
      for (const [name, call] of Object.entries(m.modules)) {
        const callee = infra.get(calleeDir(m, call));
        assert.ok(callee, `${m.dir || 'infra'}: module ${name} points at a missing folder ${call.source}`);
        const passed = Object.keys(call).filter(
          (k) => !['source', 'count', 'for_each', 'depends_on', 'providers'].includes(k),
        );
        for (const arg of passed) assert.ok(arg in callee.variables, `module ${name} has no variable ${arg}`);
        const required = Object.entries(callee.variables).filter(([, v]) => !('default' in v));
        for (const [variable] of required)
          assert.ok(passed.includes(variable), `${m.dir || 'infra'}: module ${name} misses ${variable}`);
      }
    }
  });

  test('every variable has a type and a description', () => {
    for (const m of infra.values()) {
      for (const [name, v] of Object.entries(m.variables)) {
        assert.ok(
          typeof v.type === 'string' && v.type.length > 0,
          `${m.dir || 'infra'} var.${name} has no type`,
        );
        assert.ok(
          typeof v.description === 'string' && v.description.length >= 20,
          `${m.dir || 'infra'} var.${name} has no real description`,
        );
      }
    }
  });

  test('every root variable but the on/off switches is validated', () => {
    const root = infra.get('') as TfModule;
    for (const [name, v] of Object.entries(root.variables)) {
      if (v.type === '${bool}') continue;
      assert.ok(Array.isArray(v.validation) && v.validation.length > 0, `var.${name} has no validation`);
    }
  });

  // Variables whose values are a closed set, and the values the set must name.
  const CLOSED_SETS: [string, string, string[]][] = [
    ['', 'cluster', ['gke', 'kubeconfig']],
    ['', 'sinks', ['pod_container', 'sys_container', 'token', 'password', 'none']],
    ['', 'resolution_seconds', ['60', '300', '3600']],
    ['', 'scrape', ['DEBUG', 'CRITICAL', 'heapster', 'kubelet']],
    ['', 'events', ['core/v1', 'events.k8s.io/v1', 'DEBUG']],
    ['', 'vpc_access', ['private-ranges-only', 'all-traffic']],
    ['modules/scrape-function', 'cluster_access', ['gke', 'kubeconfig']],
    ['modules/scrape-function', 'vpc_access', ['private-ranges-only', 'all-traffic']],
    ['modules/events-service', 'cluster_access', ['gke', 'kubeconfig']],
    ['modules/events-service', 'cpu', ['1', '2', '4']],
    ['modules/events-service', 'vpc_access', ['private-ranges-only', 'all-traffic']],
    ['modules/scheduler', 'interval_seconds', ['60', '3600']],
    ['modules/state', 'secrets', ['influxdb', 'kubeconfig', 'cluster_ca']],
  ];
  for (const [dir, name, values] of CLOSED_SETS) {
    test(`${dir || 'infra'} var.${name} is validated against its closed set`, () => {
      const v = infra.get(dir)?.variables[name];
      assert.ok(v, `no variable ${name}`);
      const conditions = ((v.validation as Block[] | undefined) ?? []).map((x) => String(x.condition));
      const containing = conditions.filter((c) => c.includes('contains('));
      assert.ok(containing.length > 0, `var.${name} has no contains() validation`);
      for (const value of values)
        assert.ok(
          containing.some((c) => c.includes(`"${value}"`) || new RegExp(`\\b${value}\\b`).test(c)),
          `var.${name}'s validation does not name ${value}`,
        );
    });
  }

  test('the closed sets match the values the code accepts', () => {
    // The scrape and events configs and the metric catalogue are where these sets come from.
    const catalogue = readFileSync(join(REPO, 'shared/metrics/catalogue.ts'), 'utf8');
    const levels = /METRIC_SET_TYPES = \[([^\]]+)\]/.exec(catalogue)?.[1] ?? '';
    const sinks = String((infra.get('')?.variables.sinks?.validation as Block[])[0]?.condition);
    for (const level of levels.match(/'[a-z_]+'/g) ?? [])
      assert.ok(sinks.includes(`"${level.slice(1, -1)}"`));
    const events = readFileSync(join(REPO, 'shared/kube/event-stream.ts'), 'utf8');
    const apis = /EVENT_APIS = \[([^\]]+)\]/.exec(events)?.[1] ?? '';
    const eventsVar = JSON.stringify(infra.get('')?.variables.events?.validation);
    for (const api of apis.match(/'[^']+'/g) ?? []) assert.ok(eventsVar.includes(api.slice(1, -1)), api);
  });

  test('examples ship a terraform.tfvars.example and call the root module', () => {
    for (const m of modulesUnder('examples/')) {
      assert.ok(existsSync(join(INFRA, m.dir, 'terraform.tfvars.example')), `${m.dir} has no tfvars example`);
      assert.deepEqual(
        Object.values(m.modules).map((c) => calleeDir(m, c)),
        [''],
      );
    }
    assert.deepEqual(
      modulesUnder('examples/')
        .map((m) => m.dir)
        .sort(),
      ['examples/gke', 'examples/kubeconfig'],
    );
  });
});
