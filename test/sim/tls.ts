import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SimTls {
  /** Path of the CA certificate (PEM) that signed the serving certificates. */
  caPath: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

/**
 * A fresh certificate authority and one serving certificate (EC P-256) for 127.0.0.1, localhost and every
 * extra address given, made with the openssl command line in `dir`. Valid for a day.
 */
export function generateTls(dir: string, extraAddresses: readonly string[] = []): SimTls {
  mkdirSync(dir, { recursive: true });
  const file = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('ca.key'));
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    file('ca.key'),
    '-sha256',
    '-days',
    '1',
    '-subj',
    '/CN=heapster-sim-ca',
    '-out',
    file('ca.crt'),
  );
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('server.key'));
  openssl('req', '-new', '-key', file('server.key'), '-subj', '/CN=heapster-sim', '-out', file('server.csr'));
  const sans = ['DNS:localhost', 'IP:127.0.0.1', ...extraAddresses.map((a) => `IP:${a}`)];
  writeFileSync(
    file('server.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${sans.join(',')}`,
      '',
    ].join('\n'),
  );
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.crt'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-sha256',
    '-extfile',
    file('server.ext'),
    '-out',
    file('server.crt'),
  );
  return {
    caPath: file('ca.crt'),
    caPem: readFileSync(file('ca.crt'), 'utf8'),
    certPem: readFileSync(file('server.crt'), 'utf8'),
    keyPem: readFileSync(file('server.key'), 'utf8'),
  };
}
