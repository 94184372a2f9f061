import { writeFileSync } from 'node:fs';

/** Writes a kubeconfig (YAML is a superset of JSON, so JSON it is) that kubectl and client libraries read. */
export function writeKubeconfig(
  path: string,
  server: string,
  caPem: string,
  token: string | undefined,
): void {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'heapster-sim',
        cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
      },
    ],
    users: [{ name: 'heapster-sim', user: token === undefined ? {} : { token } }],
    contexts: [{ name: 'heapster-sim', context: { cluster: 'heapster-sim', user: 'heapster-sim' } }],
    'current-context': 'heapster-sim',
    preferences: {},
  };
  writeFileSync(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
}
