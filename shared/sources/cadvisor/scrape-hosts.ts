import { setMaxListeners } from 'node:events';
import { Agent, type Dispatcher } from 'undici';
import type { CadvisorSource } from '../../config/source-uri.js';
import { decodeCounters, encodeCounters } from '../../metrics/counter-state.js';
import type { LabelOptions } from '../../metrics/entity-labels.js';
import { mapLimit } from '../../runtime/limit.js';
import type { NodeOutcome } from '../../scrape/scrape-node.js';
import { discoverHosts } from './discover-hosts.js';
import { fetchHost } from './fetch-host.js';
import type { HostsFileReaders } from './hosts-location.js';
import { processHost } from './process-host.js';
import type { CadvisorHost } from './types.js';

export interface CadvisorScrapeDeps {
  /** Where hosts files are read from; the local disk, Cloud Storage and secrets unless a test says otherwise. */
  readonly hostsFileReaders?: HostsFileReaders;
  readonly now?: () => number;
  /** Called as hosts finish, for a progress line. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface CadvisorRound {
  /** The round's scheduled time: every point carries it. */
  readonly roundTime: number;
  /** Stops everything still in flight (the run's collecting signal). */
  readonly signal: AbortSignal;
  /** Counter states as the store loaded them; this source reads the keys cadvisorStateKey() gives. */
  readonly previous: ReadonlyMap<string, Uint8Array>;
  readonly options?: LabelOptions;
}

export interface CadvisorScrape {
  /** Hosts the source named this round (0 when discovery failed). */
  readonly hostsTotal: number;
  /** One per host, as the kubelet source gives one per node: blocks, partial sums, states and failures. */
  readonly outcomes: readonly NodeOutcome[];
  /** Counter states to save, by state key: every scraped host's new one, a failed host's previous one. */
  readonly states: ReadonlyMap<string, Uint8Array>;
  /** Notes for the report (fleet endpoints passed over, ...). */
  readonly problems: readonly string[];
  /** Why no host was scraped: hosts file or fleet trouble. The other sources of the run are not affected. */
  readonly discoveryError?: string;
}

/**
 * The key of a host's counter state. Kubernetes node names hold no ":", so the states of cAdvisor hosts and
 * kubelet nodes never collide in one store.
 */
export const cadvisorStateKey = (nodeName: string): string => `cadvisor:${nodeName}`;

async function scrapeHost(
  host: CadvisorHost,
  source: CadvisorSource,
  dispatcher: Dispatcher,
  round: CadvisorRound,
  now: () => number,
): Promise<NodeOutcome> {
  const node = host.nodeName;
  const fetched = await fetchHost(host, {
    dispatcher,
    timeoutMs: source.timeoutMs,
    maxBodyBytes: source.maxBodyBytes,
    samples: source.samples,
    signal: round.signal,
    now,
  });
  if (!fetched.ok)
    return {
      ok: false,
      node,
      reason: fetched.reason,
      message: fetched.message,
      ...(fetched.status !== undefined ? { status: fetched.status } : {}),
    };
  const stored = round.previous.get(cadvisorStateKey(node));
  const decoded = stored === undefined ? undefined : decodeCounters(stored);
  const result = processHost({
    host,
    answer: fetched.answer,
    previous: decoded !== undefined && decoded.ok ? decoded.counters : undefined,
    timestamp: round.roundTime,
    ...(round.options !== undefined ? { options: round.options } : {}),
  });
  if (!result.ok) return { ok: false, node, reason: 'bad-body', message: result.error };
  const problems = [...result.problems];
  if (result.ignoredValues > 0)
    problems.push(`${result.ignoredValues} stat value(s) not a non-negative number: ignored`);
  if (decoded !== undefined && !decoded.ok)
    problems.push(`previous counters unreadable, rates start again: ${decoded.error}`);
  return {
    ok: true,
    node,
    block: result.block,
    partial: result.partial,
    state: encodeCounters(result.next),
    problems,
    resets: result.resets,
  };
}

/**
 * One round of a cAdvisor source: discover the hosts, then fetch -> parse -> map -> rates -> labels ->
 * aggregate per host, at most `concurrency` hosts at a time. Never throws: what went wrong is in the result.
 */
export async function scrapeCadvisorHosts(
  source: CadvisorSource,
  deps: CadvisorScrapeDeps,
  round: CadvisorRound,
): Promise<CadvisorScrape> {
  const now = deps.now ?? Date.now;
  const dispatcher = new Agent({ connections: source.concurrency });
  // Every request in flight listens on the signal (up to four per host): more than Node's default of 10 is
  // expected here, so this source listens on a signal of its own rather than raising the run's limit.
  const signal = AbortSignal.any([round.signal]);
  setMaxListeners(source.concurrency * 4 + 16, signal);
  const run: CadvisorRound = { ...round, signal };
  try {
    const found = await discoverHosts(source, {
      dispatcher,
      signal,
      ...(deps.hostsFileReaders !== undefined ? { readers: deps.hostsFileReaders } : {}),
    });
    if (!found.ok)
      return { hostsTotal: 0, outcomes: [], states: new Map(), problems: [], discoveryError: found.error };
    let done = 0;
    const settled = await mapLimit(found.hosts, source.concurrency, async (host) => {
      const outcome = await scrapeHost(host, source, dispatcher, run, now);
      deps.onProgress?.(++done, found.hosts.length);
      return outcome;
    });
    const states = new Map<string, Uint8Array>();
    const outcomes = settled.map((s, i): NodeOutcome => {
      const node = (found.hosts[i] as CadvisorHost).nodeName;
      const outcome: NodeOutcome =
        s.status === 'fulfilled'
          ? s.value
          : { ok: false, node, reason: 'bad-body', message: `internal error: ${String(s.reason)}` };
      const key = cadvisorStateKey(node);
      // A failed host keeps its last counters: its rates resume when it answers again.
      const state = outcome.ok ? outcome.state : run.previous.get(key);
      if (state !== undefined) states.set(key, state);
      return outcome;
    });
    return { hostsTotal: found.hosts.length, outcomes, states, problems: found.problems };
  } catch (err) {
    return {
      hostsTotal: 0,
      outcomes: [],
      states: new Map(),
      problems: [],
      discoveryError: `internal error: ${(err as Error).message}`,
    };
  } finally {
    dispatcher.destroy().catch(() => undefined);
  }
}
