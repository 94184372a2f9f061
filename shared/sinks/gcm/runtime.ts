import { googleAuthLibrary } from 'google-gax';

/**
 * Project and location when the sink's options leave them out: the environment first, then the metadata
 * server of the function's runtime. Only asked when needed, once per process.
 */
export interface RuntimeLookup {
  project(): Promise<string | undefined>;
  location(): Promise<string | undefined>;
}

export function runtimeLookup(
  env: Readonly<Record<string, string | undefined>> = process.env,
): RuntimeLookup {
  const metadata = googleAuthLibrary.gcpMetadata;
  const fromEnv = (...names: string[]): string | undefined =>
    names.map((n) => env[n]?.trim()).find((v): v is string => v !== undefined && v !== '');
  return {
    project: async () =>
      fromEnv('GOOGLE_CLOUD_PROJECT', 'GCLOUD_PROJECT', 'GCP_PROJECT') ??
      String(await metadata.project('project-id')),
    location: async () => {
      const given = fromEnv('GOOGLE_CLOUD_REGION', 'FUNCTION_REGION');
      if (given !== undefined) return given;
      // Cloud Run answers projects/NUMBER/regions/REGION; Compute Engine and GKE answer a zone instead.
      const region = await metadata.instance('region').catch(() => undefined);
      const path = region ?? (await metadata.instance('zone'));
      return lastSegment(String(path));
    },
  };
}

export const lastSegment = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

export interface Target {
  readonly project: string;
  readonly location: string;
}

export async function resolveTarget(
  given: { project: string | undefined; location: string | undefined },
  lookup: RuntimeLookup,
): Promise<Target> {
  const project = given.project ?? (await lookup.project().catch(() => undefined));
  if (project === undefined || project === '')
    throw new Error('no Google Cloud project: set gcm?project=... or GOOGLE_CLOUD_PROJECT');
  const location = given.location ?? (await lookup.location().catch(() => undefined));
  if (location === undefined || location === '')
    throw new Error(
      "no location for the monitored resources: set gcm?location=<the cluster's region or zone>",
    );
  return { project, location };
}
