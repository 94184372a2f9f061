import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { block, loadInfra, resourcesOf, strings, type Block, type TfModule } from './hcl.js';

/**
 * Who may do what, read from the parsed Terraform: each service account holds exactly the roles the design
 * lists (each role where it is granted: project, topic, secret, one Cloud Run service), nothing is public,
 * Cloud Scheduler calls with an OIDC token, the events service is one always-on instance behind internal
 * ingress, and secrets reach the workloads as references, never as values.
 */
let infra: Map<string, TfModule>;
before(async () => {
  infra = await loadInfra();
});
const mod = (dir: string): TfModule => {
  const m = infra.get(dir);
  assert.ok(m, `no module ${dir}`);
  return m;
};

/** A local's text (its HCL value as parsed), for the role literals a for_each draws from. */
const localText = (m: TfModule, name: string): string => JSON.stringify(m.locals[name] ?? '');
const ROLE = /roles\/[A-Za-z.]+/g;

/** The account a member expression names: `google_service_account.NAME`, directly or through a local. */
function accountOf(m: TfModule, member: string): string {
  const direct = /google_service_account\.([a-z_]+)/.exec(member);
  if (direct) return direct[1] as string;
  const local = /^\$\{local\.([a-z_]+)\}$/.exec(member);
  if (local) return accountOf(m, localText(m, local[1] as string));
  if (/@gcp-sa-pubsub\.iam\.gserviceaccount\.com/.test(member)) return 'pubsub agent';
  return `other: ${member}`;
}

/** The roles one IAM resource can grant: a literal, or every literal of the local its for_each iterates. */
function rolesOf(m: TfModule, body: Block): string[] {
  const role = body.role as string;
  if (!role.includes('${')) return [role];
  assert.match(role, /^\$\{each\.(value|key)\}$/, `role ${role}`);
  const forEach = /^\$\{local\.([a-z_]+)\}$/.exec(String(body.for_each));
  assert.ok(forEach, `for_each ${String(body.for_each)} is not a local`);
  return [...new Set(localText(m, forEach[1] as string).match(ROLE) ?? [])];
}

/** Every grant in a module as "account: where role", where is the IAM resource type without google_. */
function grants(m: TfModule): string[] {
  const out: string[] = [];
  for (const type of Object.keys(m.resources).filter((t) => t.endsWith('_iam_member'))) {
    for (const [, body] of resourcesOf(m, type)) {
      const account = accountOf(m, body.member as string);
      for (const role of rolesOf(m, body))
        out.push(`${account}: ${type.replace(/^google_/, '').replace(/_iam_member$/, '')} ${role}`);
    }
  }
  return out.sort();
}

describe('infra/ access', () => {
  test('no resource is open to allUsers or allAuthenticatedUsers', () => {
    for (const m of infra.values())
      for (const [file, text] of Object.entries(m.files))
        assert.doesNotMatch(text, /allUsers|allAuthenticatedUsers/i, `${m.dir}/${file}`);
  });

  test('grants only add members: no authoritative bindings or policies that would drop others', () => {
    for (const m of infra.values())
      for (const type of Object.keys(m.resources))
        assert.doesNotMatch(type, /_iam_(binding|policy)$/, `${m.dir}: ${type}`);
  });

  test('the scrape function account holds exactly its listed roles', () => {
    assert.deepEqual(grants(mod('modules/scrape-function')), [
      'pubsub agent: pubsub_subscription roles/pubsub.subscriber',
      'pubsub agent: pubsub_topic roles/pubsub.publisher',
      'scrape: project roles/container.viewer',
      'scrape: project roles/datastore.user',
      'scrape: project roles/monitoring.metricWriter',
      'scrape: pubsub_topic roles/pubsub.publisher',
      'scrape: secret_manager_secret roles/secretmanager.secretAccessor',
      'shard_push: cloud_run_v2_service roles/run.invoker',
    ]);
    const m = mod('modules/scrape-function');
    // Conditional roles: metrics only with the gcm sink, cluster access only for GKE, publishing only sharded.
    const roles = localText(m, 'project_roles');
    assert.match(roles, /var\.write_metrics \? \[\\"roles\/monitoring\.metricWriter\\"\]/);
    assert.match(roles, /var\.cluster_access == \\"gke\\" \? \[\\"roles\/container\.viewer\\"\]/);
    const [, publisher] =
      resourcesOf(m, 'google_pubsub_topic_iam_member').find(([n]) => n === 'publisher') ?? [];
    assert.equal(publisher?.count, '${local.sharded ? 1 : 0}');
    assert.equal(publisher?.topic, '${google_pubsub_topic.shards[0].name}');
    // The Pub/Sub agent forwards dead letters: publish on the dead-letter topic, acknowledge on the shards.
    const [, agentTopic] =
      resourcesOf(m, 'google_pubsub_topic_iam_member').find(([n]) => n !== 'publisher') ?? [];
    assert.equal(agentTopic?.topic, '${google_pubsub_topic.dead_letter[0].name}');
    assert.match(localText(m, 'pubsub_agent'), /@gcp-sa-pubsub\.iam\.gserviceaccount\.com/);
  });

  test('the events service account holds exactly its listed roles', () => {
    assert.deepEqual(grants(mod('modules/events-service')), [
      'events: project roles/container.viewer',
      'events: project roles/datastore.user',
      'events: project roles/logging.logWriter',
      'events: secret_manager_secret roles/secretmanager.secretAccessor',
    ]);
  });

  test('the scheduler invoker may invoke the scrape function and nothing else', () => {
    const m = mod('modules/scheduler');
    assert.deepEqual(grants(m), ['invoker: cloud_run_v2_service roles/run.invoker']);
    const [[, binding]] = resourcesOf(m, 'google_cloud_run_v2_service_iam_member') as [[string, Block]];
    assert.equal(binding.name, '${var.target.service}');
    assert.deepEqual(mod('').modules.scheduler?.target, {
      service: '${module.scrape.function_name}',
      uri: '${module.scrape.function_uri}',
    });
  });

  test('no other module grants anything, and only the workload modules create accounts', () => {
    for (const dir of ['', 'modules/apis', 'modules/source', 'modules/state', 'modules/monitoring'])
      assert.deepEqual(grants(mod(dir)), [], dir);
    const accounts = [...infra.values()].flatMap((m) =>
      resourcesOf(m, 'google_service_account').map(([name]) => `${m.dir}:${name}`),
    );
    assert.deepEqual(accounts.sort(), [
      'modules/events-service:events',
      'modules/scheduler:invoker',
      'modules/scrape-function:scrape',
      'modules/scrape-function:shard_push',
    ]);
  });

  test('Cloud Scheduler calls the function with an OIDC token of the invoker, within matched deadlines', () => {
    const m = mod('modules/scheduler');
    const [[, job]] = resourcesOf(m, 'google_cloud_scheduler_job') as [[string, Block]];
    const target = block(job, 'http_target');
    assert.equal(target.http_method, 'POST');
    assert.equal(target.uri, '${var.target.uri}');
    assert.equal(target.oauth_token, undefined);
    const oidc = block(job, 'http_target', 'oidc_token');
    assert.equal(oidc.service_account_email, '${google_service_account.invoker.email}');
    assert.equal(oidc.audience, '${var.target.uri}');
    assert.equal(job.attempt_deadline, '${var.attempt_deadline_seconds}s');
    assert.equal(block(job, 'retry_config').retry_count, '${local.retry_count}');
    // The root derives the deadline from the function's own timeout.
    assert.match(String(mod('').modules.scheduler?.attempt_deadline_seconds), /var\.scrape\.timeout_seconds/);
  });

  test('the functions run nodejs22 from the package, behind internal ingress, one round at a time', () => {
    const m = mod('modules/scrape-function');
    const [[, fn]] = resourcesOf(m, 'google_cloudfunctions2_function') as [[string, Block]];
    assert.equal(block(fn, 'build_config').runtime, 'nodejs22');
    assert.equal(block(fn, 'build_config').entry_point, '${each.value.entry_point}');
    assert.deepEqual(block(fn, 'build_config', 'source', 'storage_source'), {
      bucket: '${var.source_archive.bucket}',
      object: '${var.source_archive.object}',
    });
    const service = block(fn, 'service_config');
    assert.equal(service.ingress_settings, 'ALLOW_INTERNAL_ONLY');
    assert.equal(service.timeout_seconds, '${var.timeout_seconds}');
    assert.equal(service.service_account_email, '${google_service_account.scrape.email}');
    const functions = String(m.locals.functions);
    assert.match(functions, /scrape = \{[^}]*entry_point\s*= "scrape"[^}]*max_instances = 1\n/);
    assert.match(functions, /shard = \{[\s\S]*?entry_point\s*= "scrapeShard"/);
    assert.match(functions, /if var\.sharding\.enabled/);
    // FUNCTION_TIMEOUT says what the function's timeout is.
    const env = JSON.stringify(mod('').locals.scrape_environment);
    assert.match(env, /"FUNCTION_TIMEOUT":"\$\{var\.scrape\.timeout_seconds\}s"/);
    assert.equal(mod('').modules.scrape?.timeout_seconds, '${var.scrape.timeout_seconds}');
  });

  test('the events service is one always-on instance, internal, uninvokable, probed on its health endpoints', () => {
    const m = mod('modules/events-service');
    const [[, service]] = resourcesOf(m, 'google_cloud_run_v2_service') as [[string, Block]];
    assert.equal(service.ingress, 'INGRESS_TRAFFIC_INTERNAL_ONLY');
    assert.deepEqual(block(service, 'template', 'scaling'), { min_instance_count: 1, max_instance_count: 1 });
    const container = block(service, 'template', 'containers');
    assert.equal(block(container, 'resources').cpu_idle, false);
    assert.equal(block(container, 'startup_probe', 'http_get').path, '/readyz');
    assert.equal(block(container, 'liveness_probe', 'http_get').path, '/healthz');
    // The paths are the ones the service answers.
    const code = readFileSync(
      fileURLToPath(new URL('../../functions/events/service.ts', import.meta.url)),
      'utf8',
    );
    assert.match(code, /'\/healthz'/);
    assert.match(code, /'\/readyz'/);
    for (const m2 of infra.values())
      for (const [name, b] of resourcesOf(m2, 'google_cloud_run_v2_service_iam_member'))
        assert.doesNotMatch(String(b.name), /events/, `${m2.dir}: ${name} grants on the events service`);
  });

  test('secrets reach the workloads as Secret Manager references, never as values', () => {
    // The only secret value Terraform ever writes is the cluster CA, which is public.
    const versions = [...infra.values()].flatMap((m) =>
      resourcesOf(m, 'google_secret_manager_secret_version'),
    );
    assert.deepEqual(
      versions.map(([name, b]) => [name, b.secret_data]),
      [['cluster_ca', '${var.cluster_ca_pem}']],
    );
    // No variable carries a credential.
    for (const m of infra.values())
      for (const name of Object.keys(m.variables))
        assert.doesNotMatch(name, /token|password|passwd|credential_value/);
    // Sink URIs name secrets by reference; the workloads mount or inject them from Secret Manager.
    const root = mod('');
    const influx = JSON.stringify(root.locals.influxdb_sink);
    assert.match(influx, /token=secret:INFLUXDB_TOKEN/);
    assert.match(influx, /pw=secret:INFLUXDB_PASSWORD/);
    const fn = resourcesOf(
      mod('modules/scrape-function'),
      'google_cloudfunctions2_function',
    )[0]?.[1] as Block;
    const dynamicBlocks = Object.keys((block(fn, 'service_config').dynamic ?? {}) as Block);
    assert.ok(
      dynamicBlocks.includes('secret_environment_variables') && dynamicBlocks.includes('secret_volumes'),
    );
    const events = JSON.stringify(resourcesOf(mod('modules/events-service'), 'google_cloud_run_v2_service'));
    assert.match(events, /secret_key_ref/);
    // Every environment value is plain configuration: no literal credential anywhere in the Terraform.
    for (const m of infra.values())
      for (const { text } of strings(m.parsed))
        assert.doesNotMatch(text, /(token|pw)=(?!secret:)[A-Za-z0-9]/);
  });

  test("the checkpoint journal's expireAt has a Firestore TTL policy where the code writes it", () => {
    const m = mod('modules/state');
    const [[, field]] = resourcesOf(m, 'google_firestore_field').filter(
      ([n]) => n === 'checkpoint_expiry',
    ) as [[string, Block]];
    assert.equal(field.collection, 'event-checkpoints');
    assert.equal(field.field, 'expireAt');
    assert.ok(Array.isArray(field.ttl_config));
    const service = readFileSync(
      fileURLToPath(new URL('../../functions/events/service.ts', import.meta.url)),
      'utf8',
    );
    assert.match(service, /\/event-checkpoints`/);
    const store = readFileSync(
      fileURLToPath(new URL('../../shared/state/checkpoint-store.ts', import.meta.url)),
      'utf8',
    );
    assert.match(store, /expireAt: new Date\(/);
    const [[, db]] = resourcesOf(m, 'google_firestore_database') as [[string, Block]];
    assert.equal(db.type, 'FIRESTORE_NATIVE');
  });
});
