import {
  isRecord,
  readSamples,
  specFacts,
  type CadvisorContainer,
  type ParsedContainers,
} from './container.js';

/** Problem messages kept per host. */
const MAX_PROBLEMS = 20;

class ProblemList {
  readonly list: string[] = [];
  private count = 0;
  add(message: string): void {
    if (this.count++ < MAX_PROBLEMS) this.list.push(message);
  }
  done(): string[] {
    const extra = this.count - this.list.length;
    return extra > 0 ? [...this.list, `(${extra} more problems not listed)`] : this.list;
  }
}

/** v1.3 /subcontainers: an array of ContainerInfo ({name, aliases, spec, stats}). */
export function parseV1Containers(payload: unknown): ParsedContainers {
  if (!Array.isArray(payload)) return { ok: false, error: 'subcontainers answer is not a JSON array' };
  const problems = new ProblemList();
  const containers: CadvisorContainer[] = [];
  for (const item of payload) {
    if (!isRecord(item) || typeof item['name'] !== 'string' || item['name'] === '') {
      problems.add('a container without a name: skipped');
      continue;
    }
    const name = item['name'];
    if (!isRecord(item['spec'])) {
      problems.add(`${name}: no spec: skipped`);
      continue;
    }
    const { samples, dropped } = readSamples(item['stats']);
    if (dropped > 0) problems.add(`${name}: ${dropped} sample(s) without a valid timestamp: ignored`);
    containers.push({ ...specFacts(name, item['spec'], item['aliases']), samples });
  }
  return finish(containers, problems);
}

/** v2.0 /spec and /stats: two maps keyed by container name, joined here. */
export function parseV2Containers(specPayload: unknown, statsPayload: unknown): ParsedContainers {
  if (!isRecord(specPayload)) return { ok: false, error: 'spec answer is not a JSON object' };
  if (!isRecord(statsPayload)) return { ok: false, error: 'stats answer is not a JSON object' };
  const problems = new ProblemList();
  const containers: CadvisorContainer[] = [];
  for (const [name, spec] of Object.entries(specPayload)) {
    if (!isRecord(spec)) {
      problems.add(`${name}: spec is not an object: skipped`);
      continue;
    }
    // Between the two requests a container can come or go: without stats it gives nothing this round.
    if (!(name in statsPayload)) continue;
    const { samples, dropped } = readSamples(statsPayload[name]);
    if (dropped > 0) problems.add(`${name}: ${dropped} sample(s) without a valid timestamp: ignored`);
    containers.push({ ...specFacts(name, spec, undefined), samples });
  }
  return finish(containers, problems);
}

function finish(containers: CadvisorContainer[], problems: ProblemList): ParsedContainers {
  if (!containers.some((c) => c.name === '/'))
    return { ok: false, error: 'the answer has no root container "/", the machine itself' };
  containers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { ok: true, containers, problems: problems.done() };
}
