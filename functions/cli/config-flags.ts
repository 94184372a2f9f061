import type { ConfigProblem } from '../../shared/config/config-error.js';
import type { Env } from '../../shared/config/scrape-config.js';

/**
 * The command line mirrors the function's environment variables: each flag sets one variable, and the values
 * go through the same parseScrapeConfig, so a mistake reads the same in both (with the flag's name).
 */
export interface ConfigFlag {
  readonly flag: string;
  readonly variable: string;
  /** Given several times, the values are joined with spaces (the variable's list syntax). */
  readonly repeatable: boolean;
  readonly help: string;
}

export const SCRAPE_FLAGS: readonly ConfigFlag[] = [
  {
    flag: 'source',
    variable: 'SOURCES',
    repeatable: true,
    help: 'where metrics come from (default: the current kubeconfig)',
  },
  {
    flag: 'sink',
    variable: 'SINKS',
    repeatable: true,
    help: 'where metrics go, e.g. log or log?points=true',
  },
  {
    flag: 'cluster-name',
    variable: 'CLUSTER_NAME',
    repeatable: false,
    help: 'the cluster_name label (default)',
  },
  { flag: 'interval', variable: 'INTERVAL', repeatable: false, help: 'time between rounds (60s)' },
  {
    flag: 'resolution',
    variable: 'RESOLUTION',
    repeatable: false,
    help: 'rounds within an interval, e.g. 15s: one per slot (the interval)',
  },
  {
    flag: 'function-timeout',
    variable: 'FUNCTION_TIMEOUT',
    repeatable: false,
    help: "a round's time limit; its work stops 5s earlier (60s)",
  },
  { flag: 'state', variable: 'STATE_STORE', repeatable: false, help: 'memory (default here) or firestore' },
  {
    flag: 'firestore-database',
    variable: 'FIRESTORE_DATABASE',
    repeatable: false,
    help: 'database id for --state=firestore ((default))',
  },
  {
    flag: 'label-separator',
    variable: 'LABEL_SEPARATOR',
    repeatable: false,
    help: 'joins user labels in the labels label (,)',
  },
  {
    flag: 'system-container-names',
    variable: 'SYSTEM_CONTAINER_NAMES',
    repeatable: false,
    help: 'heapster (docker-daemon, system) or kubelet (runtime, misc)',
  },
  { flag: 'log-level', variable: 'LOG_LEVEL', repeatable: false, help: 'DEBUG ... CRITICAL (INFO)' },
];

/** Defaults that differ from the function's: at a terminal, counters live in memory unless asked otherwise. */
const CLI_DEFAULTS: Env = { STATE_STORE: 'memory' };

export interface FlagEnv {
  /** The variables parseScrapeConfig reads: the process environment, overridden by flags. */
  readonly env: Env;
  /** Variables whose value came from the environment rather than a flag or a default (named as such in errors). */
  readonly fromEnvironment: ReadonlySet<string>;
}

/** Merges parsed flag values over the environment. */
export function flagsToEnv(
  values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>,
  environment: Env,
  flags: readonly ConfigFlag[] = SCRAPE_FLAGS,
  defaults: Env = CLI_DEFAULTS,
): FlagEnv {
  const env: Record<string, string | undefined> = { ...environment };
  const fromEnvironment = new Set<string>();
  for (const { flag, variable } of flags) {
    const value = values[flag];
    const given = (Array.isArray(value) ? value : value === undefined ? [] : [value]).map(String);
    if (given.length > 0) env[variable] = given.join(' ');
    else if (environment[variable] !== undefined) fromEnvironment.add(variable);
    else if (defaults[variable] !== undefined) env[variable] = defaults[variable];
  }
  return { env, fromEnvironment };
}

/**
 * A problem as the command line should show it: variables the user set with flags (or left to a default)
 * are named by their flag (`--sink`), `INTERVAL=60s` examples become `--interval=60s`.
 */
export function problemForFlags(
  problem: ConfigProblem,
  fromEnvironment: ReadonlySet<string>,
  flags: readonly ConfigFlag[] = SCRAPE_FLAGS,
): ConfigProblem {
  let { variable, problem: text, example } = problem;
  for (const { flag, variable: name } of flags) {
    if (fromEnvironment.has(name)) continue;
    const word = new RegExp(`\\b${name}\\b`, 'g');
    variable = variable.replace(word, `--${flag}`);
    text = text.replace(word, `--${flag}`);
    example = example.startsWith(`${name}=`) ? `--${flag}=${example.slice(name.length + 1)}` : example;
  }
  return { variable, problem: text, example };
}

/** The usage lines of flags that set variables: the flag, the variable it sets, what it means. */
export function configFlagUsage(flags: readonly ConfigFlag[]): string[] {
  return flags.map(
    (f) =>
      `  ${`--${f.flag}=${f.repeatable ? 'URI' : 'V'}`.padEnd(29)}${f.variable}: ${f.help}${f.repeatable ? '; repeatable' : ''}`,
  );
}

/** parseArgs options for flags that set variables: each a string, repeatable ones a list. */
export function configFlagOptions(
  flags: readonly ConfigFlag[],
): Record<string, { type: 'string'; multiple: boolean }> {
  return Object.fromEntries(flags.map((f) => [f.flag, { type: 'string' as const, multiple: f.repeatable }]));
}
