import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseScrapeConfig } from '../../shared/config/scrape-config.js';
import { INFRA, loadModule, quoteTemplate, type Block, type TfModule } from './hcl.js';

/**
 * The sharding part of modules/scrape-function against what the code reads: the variables it sets on both
 * functions (evaluated by terraform and parsed by the scrape config), the scrapeShard entry point, the push
 * delivery and the publisher role.
 */
let m: TfModule;
const dirs: string[] = [];
before(async () => {
  m = await loadModule(join(INFRA, 'modules', 'scrape-function'));
});
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The module's `environment` local, applied by terraform with these inputs. */
function environment(vars: Record<string, unknown>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'tf-shard-'));
  dirs.push(dir);
  writeFileSync(
    join(dir, 'main.tf'),
    [
      'variable "environment" {\n  type = map(string)\n}',
      'variable "project_id" {\n  type = string\n}',
      'variable "name" {\n  type = string\n}',
      'variable "sharding" {\n  type = object({ enabled = bool, shard_size = number })\n}',
      `locals {\n  environment = ${quoteTemplate(String(m.locals['environment']))}\n}`,
      'output "environment" {\n  value = local.environment\n}',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'test.auto.tfvars.json'), JSON.stringify(vars));
  const run = (args: string[]) =>
    spawnSync('terraform', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, TF_IN_AUTOMATION: '1' },
    });
  for (const args of [
    ['init', '-backend=false', '-input=false', '-no-color'],
    ['apply', '-auto-approve', '-input=false', '-no-color'],
  ]) {
    const r = run(args);
    assert.equal(r.status, 0, r.stderr);
  }
  return (
    JSON.parse(run(['output', '-json', '-no-color']).stdout) as {
      environment: { value: Record<string, string> };
    }
  ).environment.value;
}

const resource = (type: string, name: string): Block => {
  const body = m.resources[type]?.[name]?.[0];
  assert.ok(body !== undefined, `${type}.${name}`);
  return body;
};

describe('sharding in modules/scrape-function', () => {
  const base = {
    SINKS: 'log',
    CLUSTER_NAME: 'prod',
    STATE_STORE: 'firestore',
    SOURCES: 'kubernetes.summary_api:https://34.1.2.3?auth=google',
  };

  test("enabled: both functions get SHARD_TOPIC naming the module's topic and SHARD_SIZE, which the config reads", () => {
    const env = environment({
      environment: base,
      project_id: 'my-project',
      name: 'heapster-scrape',
      sharding: { enabled: true, shard_size: 250 },
    });
    assert.equal(resource('google_pubsub_topic', 'shards')['name'], '${var.name}-shards');
    assert.deepEqual(parseScrapeConfig(env).sharding, {
      kind: 'pubsub',
      shardSize: 250,
      topic: 'projects/my-project/topics/heapster-scrape-shards',
      project: 'my-project',
    });
    const service = (resource('google_cloudfunctions2_function', 'this')['service_config'] as Block[])[0];
    assert.equal(service?.['environment_variables'], '${local.environment}');
  });

  test('disabled: no sharding variables, so rounds run unsharded', () => {
    const env = environment({
      environment: base,
      project_id: 'my-project',
      name: 'heapster-scrape',
      sharding: { enabled: false, shard_size: 250 },
    });
    assert.deepEqual(env, base);
    assert.deepEqual(parseScrapeConfig(env).sharding, { kind: 'off' });
  });

  test('the shard function runs the scrapeShard target, fed by a push to a path naming the topic', () => {
    assert.match(String(m.locals['functions']), /shard = \{[\s\S]*?entry_point\s*= "scrapeShard"/);
    const push = (resource('google_pubsub_subscription', 'shards')['push_config'] as Block[])[0] as Block;
    const uri = '${google_cloudfunctions2_function.this["shard"].service_config[0].uri}';
    assert.equal(
      push['push_endpoint'],
      `${uri}/projects/\${var.project_id}/topics/\${google_pubsub_topic.shards[0].name}`,
    );
    const oidc = (push['oidc_token'] as Block[])[0] as Block;
    assert.equal(oidc['audience'], uri);
  });

  test('the scrape identity may publish on the shard topic', () => {
    const publisher = resource('google_pubsub_topic_iam_member', 'publisher');
    assert.equal(publisher['topic'], '${google_pubsub_topic.shards[0].name}');
    assert.equal(publisher['role'], 'roles/pubsub.publisher');
    assert.equal(publisher['member'], '${local.member}');
    assert.equal(m.locals['member'], 'serviceAccount:${google_service_account.scrape.email}');
  });

  test('round records expire: a TTL on expireAt of rounds and their shards, in the database the function uses', () => {
    const fields = resource('google_firestore_field', 'rounds');
    assert.equal(fields['for_each'], '${local.round_fields}');
    assert.equal(fields['database'], '${lookup(var.environment, "FIRESTORE_DATABASE", "(default)")}');
    const declared = String(m.locals['round_fields']);
    assert.match(declared, /^\$\{local\.sharded \?/);
    for (const [collection, field, ttl] of [
      ['rounds', 'expireAt', 'true'],
      ['shards', 'expireAt', 'true'],
      ['shards', 'partial', 'false'],
    ])
      assert.match(declared, new RegExp(`collection = "${collection}", field = "${field}", ttl = ${ttl}`));
  });
});
