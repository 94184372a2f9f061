/**
 * Structured JSON logging, one object per line, in the shape Cloud Logging parses from a function's or a
 * Cloud Run service's stdout: `severity`, `message`, and any other fields as the entry's jsonPayload.
 */
export const SEVERITIES = ['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type LogFields = Record<string, unknown>;

export interface Logger {
  log(severity: Severity, message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every entry. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Where lines go; stdout by default. */
  write?: (line: string) => void;
  /** Entries below this severity are dropped. */
  minSeverity?: Severity;
  fields?: LogFields;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const min = SEVERITIES.indexOf(options.minSeverity ?? 'INFO');
  const base = options.fields ?? {};
  const log = (severity: Severity, message: string, fields?: LogFields): void => {
    if (SEVERITIES.indexOf(severity) < min) return;
    write(JSON.stringify({ severity, message, ...base, ...fields }, errorReplacer));
  };
  return {
    log,
    debug: (m, f) => log('DEBUG', m, f),
    info: (m, f) => log('INFO', m, f),
    warn: (m, f) => log('WARNING', m, f),
    error: (m, f) => log('ERROR', m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** A logger that keeps entries in memory, for tests. */
export function memoryLogger(): Logger & {
  entries: (LogFields & { severity: Severity; message: string })[];
} {
  const entries: (LogFields & { severity: Severity; message: string })[] = [];
  const logger = createLogger({
    write: (line) => entries.push(JSON.parse(line) as never),
    minSeverity: 'DEBUG',
  });
  return Object.assign(logger, { entries });
}

/** Errors become their message (and code), never a stack dump in a field. */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return code === undefined ? value.message : { message: value.message, code };
  }
  return value;
}

/** What went wrong, as text for a report or a log line: an Error's message, anything else as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
