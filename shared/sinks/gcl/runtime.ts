/**
 * Project and location the sink writes for when its URI leaves them out: first the environment (what
 * Google's client libraries and gcloud read), then the metadata server of the Cloud Run service, function or
 * VM the sink runs on, unless metadata lookups are switched off (METADATA_SERVER_DETECTION=none, as in tests).
 */
export type Env = Readonly<Record<string, string | undefined>>;

export const PROJECT_VARIABLES = [
  'GOOGLE_CLOUD_PROJECT',
  'GCLOUD_PROJECT',
  'GCP_PROJECT',
  'CLOUDSDK_CORE_PROJECT',
];
/** FUNCTION_REGION is set in 1st gen Cloud Functions; the others are gcloud's and the AI SDKs' settings. */
export const LOCATION_VARIABLES = ['GOOGLE_CLOUD_LOCATION', 'CLOUDSDK_COMPUTE_REGION', 'FUNCTION_REGION'];

/** Reads one metadata path (under computeMetadata/v1/); undefined when absent or unreachable. */
export type MetadataLookup = (path: string) => Promise<string | undefined>;

export interface RuntimeTarget {
  readonly project: string;
  readonly location: string;
}

export function fromEnv(env: Env, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** `projects/123/regions/europe-west1` (serverless) or `projects/123/zones/europe-west1-b` (VMs): the last part. */
export function locationOfMetadata(value: string | undefined): string | undefined {
  const last = value?.trim().split('/').pop();
  return last === undefined || last === '' ? undefined : last;
}

export function metadataAllowed(env: Env): boolean {
  return (env['METADATA_SERVER_DETECTION'] ?? '').trim().toLowerCase() !== 'none';
}

/** The metadata server over HTTP, with a short timeout; honours GCE_METADATA_HOST like Google's libraries. */
export function httpMetadata(env: Env, timeoutMs = 3_000): MetadataLookup {
  const host = env['GCE_METADATA_HOST']?.trim() || 'metadata.google.internal';
  return async (path) => {
    try {
      const res = await fetch(`http://${host}/computeMetadata/v1/${path}`, {
        headers: { 'Metadata-Flavor': 'Google' },
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) return undefined;
      return (await res.text()).trim() || undefined;
    } catch {
      return undefined;
    }
  };
}

/**
 * Fills in project and location: configured values first, then the environment, then the metadata server
 * (only when allowed). Throws, naming what to set, when either stays unknown.
 */
export async function resolveTarget(
  configured: { readonly project: string | undefined; readonly location: string | undefined },
  env: Env,
  metadata: MetadataLookup | undefined,
): Promise<RuntimeTarget> {
  const ask = metadataAllowed(env) ? metadata : undefined;
  const project =
    configured.project ?? fromEnv(env, PROJECT_VARIABLES) ?? (await ask?.('project/project-id'));
  const location =
    configured.location ??
    fromEnv(env, LOCATION_VARIABLES) ??
    locationOfMetadata(await ask?.('instance/region')) ??
    locationOfMetadata(await ask?.('instance/zone'));
  const missing = [
    project === undefined ? 'project (gcl?project=P, or GOOGLE_CLOUD_PROJECT)' : undefined,
    location === undefined ? 'location (gcl?location=L, the cluster region or zone)' : undefined,
  ].filter((m) => m !== undefined);
  if (project === undefined || location === undefined)
    throw new Error(`gcl sink: unknown ${missing.join(' and ')}; the runtime does not say`);
  return { project, location };
}
