import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { KubeAccess } from '../../../shared/config/source-uri.js';
import { apiAccess, readsKubeconfig } from '../../../shared/kube/api-access.js';
import { connect } from '../../../shared/kube/connect.js';

const BASE: KubeAccess = {
  apiServer: undefined,
  inClusterConfig: false,
  auth: { kind: 'default' },
  caFile: undefined,
  useServiceAccount: false,
  insecure: false,
  concurrency: 2,
};

/** A certificate's shape is not checked when it is only read: any PEM-looking text stands in for one. */
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';

describe('API server access', () => {
  let dir: string;
  let caFile: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'api-access-'));
    caFile = join(dir, 'cluster-ca.pem');
    writeFileSync(caFile, CA_PEM);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('auth=google: the endpoint, the cluster CA and the workload token, without a kubeconfig', async () => {
    const source: KubeAccess = { ...BASE, apiServer: 'https://34.1.2.3', auth: { kind: 'google' }, caFile };
    assert.equal(readsKubeconfig(source, {}), false);
    const access = await apiAccess(source, { env: {}, googleAccessToken: async () => 'ya29.token' });
    assert.equal(access.server.href, 'https://34.1.2.3/');
    assert.deepEqual(access.headers, { authorization: 'Bearer ya29.token' });
    assert.equal(String(access.tls.ca), CA_PEM);
    assert.equal(access.tls.rejectUnauthorized, true);
  });

  test('auth=google without Google credentials is refused', async () => {
    const source: KubeAccess = { ...BASE, apiServer: 'https://34.1.2.3', auth: { kind: 'google' } };
    await assert.rejects(apiAccess(source, { env: {} }), /auth=google needs Google credentials/);
  });

  test("in a pod: the service environment's address, the mounted token (trimmed) and CA", async () => {
    const mounted = mkdtempSync(join(dir, 'sa-'));
    writeFileSync(join(mounted, 'token'), 'pod-token\n');
    writeFileSync(join(mounted, 'ca.crt'), CA_PEM);
    const source: KubeAccess = { ...BASE, inClusterConfig: true };
    const env = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' };
    assert.equal(readsKubeconfig(source, env), false);
    const access = await apiAccess(source, { env, serviceAccountDir: mounted });
    assert.equal(access.server.href, 'https://[fd00::1]:6443/');
    assert.deepEqual(access.headers, { authorization: 'Bearer pod-token' });
    assert.equal(String(access.tls.ca), CA_PEM);

    // useServiceAccount with an explicit URL: the pod's token, the source's URL and CA.
    const explicit = await apiAccess(
      { ...BASE, apiServer: 'https://api.example:443', useServiceAccount: true, caFile, insecure: true },
      { env: {}, serviceAccountDir: mounted },
    );
    assert.equal(explicit.server.host, 'api.example');
    assert.deepEqual(explicit.headers, { authorization: 'Bearer pod-token' });
    assert.equal(explicit.tls.rejectUnauthorized, false);
  });

  test('no URL outside a pod, or auth=PATH: the kubeconfig, with the URL and CA of the source winning', async () => {
    assert.equal(readsKubeconfig(BASE, {}), true);
    assert.equal(readsKubeconfig({ ...BASE, inClusterConfig: true }, {}), true);
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: 'https://10.9.8.7:6443' } }],
        users: [{ name: 'u', user: { token: 'kubeconfig-token' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const source: KubeAccess = { ...BASE, auth: { kind: 'kubeconfig', path: kubeconfig } };
    const plain = await apiAccess(source, { env: {} });
    assert.equal(plain.server.href, 'https://10.9.8.7:6443/');
    assert.equal(plain.headers['Authorization'] ?? plain.headers['authorization'], 'Bearer kubeconfig-token');
    const overridden = await apiAccess({ ...source, apiServer: 'https://127.0.0.1:1', caFile }, { env: {} });
    assert.equal(overridden.server.href, 'https://127.0.0.1:1/');
    assert.equal(String(overridden.tls.ca), CA_PEM);
  });

  test('an anonymous URL: no credentials at all; a request carries the token of auth=google', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"NamespaceList","items":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    try {
      const anonymous = await connect({ ...BASE, apiServer: url }, { env: {} });
      const google = await connect(
        { ...BASE, apiServer: url, auth: { kind: 'google' } },
        { env: {}, googleAccessToken: async () => 'workload-token' },
      );
      const limits = { timeoutMs: 5_000, maxBytes: 1 << 20 };
      assert.equal((await anonymous.get('/api/v1/namespaces', limits)).ok, true);
      assert.equal((await google.get('/api/v1/namespaces', limits)).ok, true);
      anonymous.close();
      google.close();
      assert.deepEqual(seen, [undefined, 'Bearer workload-token']);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('only a kubeconfig source loads @kubernetes/client-node', async () => {
    // A child process whose module resolution fails for the client library: the direct ways must not need it.
    const hook = `data:text/javascript,${encodeURIComponent(
      "export async function resolve(s, c, next) { if (s.startsWith('@kubernetes/client-node')) throw new Error('client-node loaded'); return next(s, c); }",
    )}`;
    const register = `data:text/javascript,${encodeURIComponent(
      `import { register } from 'node:module'; register(${JSON.stringify(hook)});`,
    )}`;
    const kubeconfig = join(dir, 'child-kubeconfig');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://10.9.8.7' } }],
        users: [{ name: 'u', user: {} }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
    );
    const script = (auth: string): string => `
      import { apiAccess } from ${JSON.stringify(join(process.cwd(), 'shared/kube/api-access.ts'))};
      const source = ${JSON.stringify({ ...BASE, apiServer: 'https://34.1.2.3' })};
      source.auth = ${auth};
      apiAccess(source, { env: {}, googleAccessToken: async () => 't' }).then(
        (a) => console.log('server', a.server.href),
        (e) => { console.log('failed', e.message); process.exitCode = 3; },
      );`;
    const run = (auth: string) =>
      promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--import', register, '--input-type=module', '-e', script(auth)],
        {
          env: { ...process.env, METADATA_SERVER_DETECTION: 'none' },
        },
      ).then(
        (r) => r.stdout,
        (e: { stdout?: string }) => e.stdout ?? '',
      );
    const [google, fromFile] = await Promise.all([
      run("{ kind: 'google' }"),
      run(`{ kind: 'kubeconfig', path: ${JSON.stringify(kubeconfig)} }`),
    ]);
    assert.match(google, /^server https:\/\/34\.1\.2\.3\//);
    assert.match(fromFile, /client-node loaded/);
  });
});
