import { compareInstants, parseInstant, type Instant } from './time.js';

/**
 * One container of a cAdvisor answer, the same for every API version: its spec facts and its samples. v1.3
 * answers carry both in one ContainerInfo; v2.0 answers them apart (/spec and /stats), joined by name here.
 * The samples stay as cAdvisor wrote them; only the two a round reads are decoded (see stats.ts).
 */
export interface CadvisorContainer {
  /** Absolute cgroup name: "/", "/system.slice/docker.service", "/docker/<id>". */
  readonly name: string;
  readonly aliases: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly image: string | undefined;
  /** ms since the epoch; NaN when the spec gave none. */
  readonly creationTime: number;
  readonly has: ResourceFlags;
  /** Samples with a valid timestamp, oldest first. */
  readonly samples: readonly StatsSample[];
}

export interface ResourceFlags {
  readonly cpu: boolean;
  readonly memory: boolean;
  readonly network: boolean;
  readonly filesystem: boolean;
  readonly diskio: boolean;
}

export interface StatsSample {
  readonly at: Instant;
  /** The JSON object of one ContainerStats. */
  readonly stats: Readonly<Record<string, unknown>>;
}

export type ParsedContainers =
  | {
      readonly ok: true;
      readonly containers: readonly CadvisorContainer[];
      readonly problems: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

export function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** The spec facts of a v1 or v2 ContainerSpec (both spell these fields alike); aliases may sit beside it. */
export function specFacts(
  name: string,
  spec: Readonly<Record<string, unknown>>,
  aliases: unknown,
): Omit<CadvisorContainer, 'samples'> {
  const created = parseInstant(spec['creation_time']);
  return {
    name,
    aliases: strings(aliases ?? spec['aliases']),
    labels: stringMap(spec['labels']),
    image: typeof spec['image'] === 'string' && spec['image'] !== '' ? spec['image'] : undefined,
    creationTime: created === undefined ? NaN : created.ms,
    has: {
      cpu: spec['has_cpu'] === true,
      memory: spec['has_memory'] === true,
      network: spec['has_network'] === true,
      filesystem: spec['has_filesystem'] === true,
      diskio: spec['has_diskio'] === true,
    },
  };
}

/** The samples of a stats list with a valid timestamp, oldest first; counts those without one. */
export function readSamples(list: unknown): { samples: StatsSample[]; dropped: number } {
  const samples: StatsSample[] = [];
  let dropped = 0;
  if (!Array.isArray(list)) return { samples, dropped };
  for (const item of list) {
    const at = isRecord(item) ? parseInstant(item['timestamp']) : undefined;
    if (at === undefined || !isRecord(item)) dropped++;
    else samples.push({ at, stats: item });
  }
  samples.sort((a, b) => compareInstants(a.at, b.at));
  return { samples, dropped };
}
