import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Env } from '../../shared/config/scrape-config.js';

/** What a command talks to: kept apart from `process` so commands are plain functions. */
export interface CliIo {
  readonly env: Env;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly stderrIsTty: boolean;
  /** Aborted on the first Ctrl-C (SIGINT) or SIGTERM: the command finishes its round and returns. */
  readonly interrupted: AbortSignal;
}

/** Wrong flags: the command's usage is printed with the message, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** node's parseArgs, its complaints (an unknown flag, a missing value) turned into a UsageError. */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
