import { Firestore } from '@google-cloud/firestore';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { after, before } from 'node:test';
import { join } from 'node:path';
import { gcloudEmulatorReady, startServerProcess, type ServerProcess } from './processes.js';

/** The Firestore emulator from the gcloud SDK, on a free loopback port. */
export interface FirestoreEmulator extends ServerProcess {
  readonly host: string;
  /** Deletes every document of a project's default database. */
  reset(projectId: string): Promise<void>;
}

function launcher(): { command: string; args: (port: number) => string[] } {
  const sdkRoot = execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
    encoding: 'utf8',
  }).trim();
  const direct = join(sdkRoot, 'platform', 'cloud-firestore-emulator', 'cloud_firestore_emulator');
  // The SDK's own launcher skips gcloud's Python start-up; gcloud is the fallback.
  if (existsSync(direct))
    return { command: direct, args: (port) => ['start', '--host=127.0.0.1', `--port=${port}`] };
  return {
    command: 'gcloud',
    args: (port) => ['emulators', 'firestore', 'start', `--host-port=127.0.0.1:${port}`, '--quiet'],
  };
}

export async function startFirestoreEmulator(): Promise<FirestoreEmulator> {
  const { command, args } = launcher();
  const proc = await startServerProcess({
    name: 'Firestore emulator',
    command,
    args,
    timeoutMs: 30_000,
    ready: gcloudEmulatorReady,
  });
  const host = `127.0.0.1:${proc.port}`;
  return {
    ...proc,
    host,
    reset: async (projectId) => {
      const res = await fetch(
        `http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`,
        { method: 'DELETE' },
      );
      if (!res.ok) throw new Error(`Firestore emulator reset failed: HTTP ${res.status}`);
    },
  };
}

/**
 * The real Firestore client against the emulator at HOST:PORT: plain text, the emulator's owner token, and
 * placeholder credentials so the client never looks for real ones (nor asks the metadata server).
 */
export function emulatorFirestore(host: string, projectId: string): Firestore {
  return new Firestore({
    projectId,
    host,
    ssl: false,
    customHeaders: { Authorization: 'Bearer owner' },
    credentials: { client_email: `fake@${projectId}.iam.gserviceaccount.com`, private_key: 'fake' },
  });
}

/** A Firestore emulator and a client of it for the tests of the enclosing describe: started before, stopped after. */
export function useFirestoreEmulator(projectId: string): {
  readonly emulator: FirestoreEmulator;
  readonly db: Firestore;
} {
  let emulator: FirestoreEmulator | undefined;
  let db: Firestore | undefined;
  before(async () => {
    emulator = await startFirestoreEmulator();
    db = emulatorFirestore(emulator.host, projectId);
  });
  after(async () => {
    await db?.terminate();
    await emulator?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the Firestore emulator is used before it started');
    return value;
  };
  return {
    get emulator() {
      return started(emulator);
    },
    get db() {
      return started(db);
    },
  };
}
