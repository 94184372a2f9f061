import { readFile } from 'node:fs/promises';
import { processSecrets, resolveSecret, SECRET_PREFIX, type SecretSource } from '../../config/secret.js';
import { defaultGcsAccess, readGcsObject, type GcsRead } from './gcs.js';
import { parseHostsFile, type HostsFileOutcome } from './hosts-file.js';

/** Where a hosts file's text comes from; tests give a local file and leave the rest alone. */
export interface HostsFileReaders {
  readLocal(path: string): Promise<string>;
  readGcs(bucket: string, object: string, signal?: AbortSignal): Promise<GcsRead>;
  readonly secrets: SecretSource;
}

export const defaultHostsFileReaders: HostsFileReaders = {
  readLocal: (path) => readFile(path, 'utf8'),
  readGcs: (bucket, object, signal) => readGcsObject(bucket, object, defaultGcsAccess(), signal),
  secrets: processSecrets,
};

/** The hosts file at a local path, gs://bucket/object, or secret:NAME (the file's text is the secret). */
export async function readHostsFile(
  location: string,
  readers: HostsFileReaders = defaultHostsFileReaders,
  signal?: AbortSignal,
): Promise<HostsFileOutcome> {
  if (location.startsWith('gs://')) {
    const [bucket = '', ...rest] = location.slice('gs://'.length).split('/');
    const object = rest.join('/');
    if (bucket === '' || object === '')
      return {
        ok: false,
        error: `hosts file ${location}: not a Cloud Storage object like gs://bucket/hosts.json`,
      };
    const read = await readers.readGcs(bucket, object, signal);
    return read.ok ? parseHostsFile(read.text, location) : { ok: false, error: `hosts file: ${read.error}` };
  }
  if (location.startsWith(SECRET_PREFIX)) {
    let text: string;
    try {
      text = resolveSecret(
        { kind: 'reference', name: location.slice(SECRET_PREFIX.length) },
        readers.secrets,
      );
    } catch (err) {
      return { ok: false, error: `hosts file ${location}: ${(err as Error).message}` };
    }
    return parseHostsFile(text, location);
  }
  let text: string;
  try {
    text = await readers.readLocal(location);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'ENOENT' ? 'there is no such file' : e.code === 'EACCES' ? 'it may not be read' : e.message;
    return { ok: false, error: `hosts file ${location}: cannot be read: ${why}` };
  }
  return parseHostsFile(text, location);
}
