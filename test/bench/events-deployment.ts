import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { INFRA, loadModule, type Block } from '../infra/hcl.js';

/**
 * What the events benchmark takes from the deployment, so that it measures the service as Cloud Run runs it:
 * the container's NODE_OPTIONS from the events-service module, and a metadata server handing out a token.
 */

/**
 * The environment the events-service module sets on the container itself (NODE_OPTIONS and the like, not
 * the configuration it is given), its variables at their defaults.
 */
export async function deployedEnvironment(): Promise<Record<string, string>> {
  const module = await loadModule(join(INFRA, 'modules', 'events-service'));
  const service = module.resources['google_cloud_run_v2_service']?.['events']?.[0];
  const container = (
    (service?.['template'] as Block[] | undefined)?.[0]?.['containers'] as Block[] | undefined
  )?.[0];
  const env = (container?.['env'] ?? []) as { name: string; value: string }[];
  if (!env.some((e) => e.name === 'NODE_OPTIONS'))
    throw new Error('the events-service module sets no NODE_OPTIONS');
  const value = (template: string): string =>
    template.replace(/\$\{var\.([a-z_]+)\}/g, (_, name: string) => {
      const v = module.variables[name]?.['default'];
      if (v === undefined)
        throw new Error(`the container's environment uses var.${name}, which has no default`);
      return String(v);
    });
  return Object.fromEntries(env.map((e) => [e.name, value(e.value)]));
}

/**
 * A loopback stand-in for the metadata server Cloud Run gives every instance: the Google libraries find it
 * through GCE_METADATA_HOST and ask it for the service account's access token, which auth=google sends to
 * the API server. With it the benchmark runs the service with the configuration infra deploys for GKE
 * (endpoint + cluster CA + auth=google), not a kubeconfig.
 */
export interface MetadataStandIn {
  /** HOST:PORT, for GCE_METADATA_HOST. */
  readonly host: string;
  /** Token requests answered so far. */
  readonly tokenRequests: () => number;
  stop(): Promise<void>;
}

export async function startMetadataStandIn(accessToken: string, projectId: string): Promise<MetadataStandIn> {
  let tokenRequests = 0;
  const answers: Record<string, () => string> = {
    '/computeMetadata/v1/instance': () => '{}',
    '/computeMetadata/v1/instance/service-accounts/default/token': () => {
      tokenRequests++;
      return JSON.stringify({ access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
    },
    '/computeMetadata/v1/project/project-id': () => projectId,
    '/computeMetadata/v1/universe/universe-domain': () => 'googleapis.com',
  };
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const answer = answers[path];
    // The libraries refuse any answer without this header, as a guard against a proxy answering instead.
    const headers = { 'Metadata-Flavor': 'Google', 'content-type': 'application/text' };
    if (req.headers['metadata-flavor'] !== 'Google' || answer === undefined)
      res.writeHead(404, headers).end('not found');
    else res.writeHead(200, headers).end(answer());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    host: `127.0.0.1:${port}`,
    tokenRequests: () => tokenRequests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
