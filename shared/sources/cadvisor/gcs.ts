import { Agent } from 'undici';
import { httpGet } from '../../runtime/http-get.js';

/**
 * A small reader of one Cloud Storage object through the JSON API, with the function's own service account
 * token from the metadata server, so no storage client library is needed for one read per round. Off GCP
 * there is no metadata server, and the error says so.
 */
export interface GcsAccess {
  /** https://storage.googleapis.com unless a test points it elsewhere. */
  readonly storageUrl: string;
  /** http://metadata.google.internal (or GCE_METADATA_HOST). */
  readonly metadataUrl: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export function defaultGcsAccess(env: Readonly<Record<string, string | undefined>> = process.env): GcsAccess {
  const metadataHost = env['GCE_METADATA_HOST'] || 'metadata.google.internal';
  return {
    storageUrl: env['STORAGE_EMULATOR_HOST'] || 'https://storage.googleapis.com',
    metadataUrl: metadataHost.includes('://') ? metadataHost : `http://${metadataHost}`,
    timeoutMs: 10_000,
    maxBytes: 16 * 1024 * 1024,
  };
}

export type GcsRead =
  { readonly ok: true; readonly text: string } | { readonly ok: false; readonly error: string };

export async function readGcsObject(
  bucket: string,
  object: string,
  access: GcsAccess,
  signal?: AbortSignal,
): Promise<GcsRead> {
  const where = `gs://${bucket}/${object}`;
  // One read a round: a client of its own (plain http to the metadata server, https to Cloud Storage).
  const dispatcher = new Agent();
  try {
    return await readWith(dispatcher, where, bucket, object, access, signal);
  } finally {
    dispatcher.destroy().catch(() => undefined);
  }
}

async function readWith(
  dispatcher: Agent,
  where: string,
  bucket: string,
  object: string,
  access: GcsAccess,
  signal: AbortSignal | undefined,
): Promise<GcsRead> {
  const tokenUrl = new URL('/computeMetadata/v1/instance/service-accounts/default/token', access.metadataUrl);
  const token = await httpGet(tokenUrl, {
    dispatcher,
    headers: { 'metadata-flavor': 'Google' },
    timeoutMs: Math.min(access.timeoutMs, 5_000),
    maxBytes: 64 * 1024,
    ...(signal !== undefined ? { signal } : {}),
  });
  if (!token.ok)
    return {
      ok: false,
      error:
        `reading ${where} needs the service account's token from the metadata server, which is only there ` +
        `on Google Cloud (${tokenUrl.origin} gave ${token.reason}: ${token.message})`,
    };
  let accessToken: unknown;
  try {
    accessToken = (JSON.parse(token.text) as { access_token?: unknown }).access_token;
  } catch {
    accessToken = undefined;
  }
  if (typeof accessToken !== 'string' || accessToken === '')
    return { ok: false, error: `reading ${where}: the metadata server's token answer has no access_token` };

  const objectUrl = new URL(
    `/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(object)}?alt=media`,
    access.storageUrl,
  );
  const got = await httpGet(objectUrl, {
    dispatcher,
    headers: { authorization: `Bearer ${accessToken}` },
    timeoutMs: access.timeoutMs,
    maxBytes: access.maxBytes,
    ...(signal !== undefined ? { signal } : {}),
  });
  if (got.ok) return { ok: true, text: got.text };
  const hint =
    got.status === 404
      ? ' (no such bucket or object)'
      : got.status === 403 || got.status === 401
        ? " (the function's service account needs storage.objects.get on it)"
        : '';
  return { ok: false, error: `reading ${where} failed: ${got.message}${hint}` };
}
