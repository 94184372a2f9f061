/** One thing wrong with the configuration: where, what, and a value that would be right. */
export interface ConfigProblem {
  /** The environment variable or flag, e.g. SINKS or --sink. */
  readonly variable: string;
  readonly problem: string;
  readonly example: string;
}

/** Every problem found in the configuration at once, so a user fixes them in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  ${p.variable}: ${p.problem} (for example: ${p.example})`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

/** Collects problems while values are read; `result()` throws them all or returns the value. */
export class Problems {
  readonly list: ConfigProblem[] = [];
  add(variable: string, problem: string, example: string): void {
    this.list.push({ variable, problem, example });
  }
  result<T>(value: T): T {
    if (this.list.length > 0) throw new ConfigError(this.list);
    return value;
  }
}
