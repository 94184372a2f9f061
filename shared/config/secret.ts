import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Problems } from './config-error.js';

/**
 * Credentials in sink URIs (`pw=`, `token=`) are either written inline, as Heapster allowed, or given as a
 * reference `secret:NAME` so that the URI itself (an environment variable visible to anyone who can read the
 * function's configuration) holds no secret. A reference is resolved by one rule:
 *
 *   1. the environment variable NAME, when it is set and not empty (Cloud Functions and Cloud Run expose a
 *      Secret Manager secret this way with `--set-secrets NAME=secret-id:version`);
 *   2. otherwise the file SECRETS_DIR/NAME, SECRETS_DIR being `/etc/secrets` unless the environment sets it
 *      (a secret mounted as a volume: `--set-secrets /etc/secrets/NAME=secret-id:version`), with one
 *      trailing line break removed.
 *
 * NAME is letters, digits and underscores, not starting with a digit, so it is a valid variable and file name.
 * Values are never logged; only the reference (`secret:NAME`) may appear in names and messages.
 */
export type SecretValue =
  { readonly kind: 'inline'; readonly value: string } | { readonly kind: 'reference'; readonly name: string };

export const SECRET_PREFIX = 'secret:';
export const DEFAULT_SECRETS_DIR = '/etc/secrets';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseSecretValue(
  problems: Problems,
  variable: string,
  raw: string | null | undefined,
): SecretValue | undefined {
  if (raw === null || raw === undefined) return undefined;
  if (!raw.startsWith(SECRET_PREFIX)) return { kind: 'inline', value: raw };
  const name = raw.slice(SECRET_PREFIX.length);
  if (!NAME.test(name)) {
    problems.add(
      variable,
      `"${raw}" is not a secret reference: the name must be letters, digits and "_", not starting with a digit`,
      `${SECRET_PREFIX}INFLUXDB_TOKEN`,
    );
    return undefined;
  }
  return { kind: 'reference', name };
}

/** Where references are looked up; the process environment and file system unless a test says otherwise. */
export interface SecretSource {
  readonly env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string | undefined;
}

export const processSecrets: SecretSource = {
  env: process.env,
  readFile: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
};

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

/** The secret's value; throws a SecretError saying where it looked (never what it found). */
export function resolveSecret(secret: SecretValue, source: SecretSource = processSecrets): string {
  if (secret.kind === 'inline') return secret.value;
  const fromEnv = source.env[secret.name];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const dir = source.env['SECRETS_DIR'] || DEFAULT_SECRETS_DIR;
  const path = join(dir, secret.name);
  const fromFile = source.readFile(path);
  if (fromFile !== undefined) return fromFile.replace(/\r?\n$/, '');
  throw new SecretError(
    `secret ${SECRET_PREFIX}${secret.name} not found: neither the environment variable ${secret.name} nor the file ${path} is set`,
  );
}

/** How a secret appears in names and messages: the reference itself, or a mask for an inline value. */
export function describeSecret(secret: SecretValue): string {
  return secret.kind === 'reference' ? `${SECRET_PREFIX}${secret.name}` : '***';
}
