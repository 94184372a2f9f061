import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeAccess } from '../../shared/config/source-uri.js';
import { connect, type KubeConnection } from '../../shared/kube/connect.js';
import { eventStream, type EventStreamOptions, type StreamItem } from '../../shared/kube/event-stream.js';
import { startSim, type Sim } from '../sim/sim.js';

const options: EventStreamOptions = {
  api: 'core/v1',
  pageSize: 50,
  watchTimeoutSeconds: 60,
  idleTimeoutMs: 5_000,
  listTimeoutMs: 5_000,
  backoff: { initialMs: 20, maxMs: 200 },
};

/** Reads the stream (without closing it) until `until` says stop, with a time limit. */
async function collect(
  stream: AsyncGenerator<StreamItem>,
  until: (items: StreamItem[]) => boolean,
  ms = 5000,
): Promise<StreamItem[]> {
  const items: StreamItem[] = [];
  const deadline = Date.now() + ms;
  while (!until(items) && Date.now() < deadline) {
    const next = await stream.next();
    if (next.done) break;
    items.push(next.value);
  }
  return items;
}

describe('event stream against the simulated API server', () => {
  let sim: Sim;
  let conn: KubeConnection;
  before(async () => {
    sim = await startSim({
      nodes: 2,
      podsPerNode: 4,
      kubeletHttpPort: 0,
      kubeletHttpsPort: 0,
      watchHistory: 30,
      seed: 3,
    });
    const access: KubeAccess = {
      apiServer: undefined,
      inClusterConfig: false,
      auth: { kind: 'kubeconfig', path: sim.kubeconfigPath },
      caFile: undefined,
      useServiceAccount: false,
      insecure: false,
      concurrency: 4,
    };
    conn = await connect(access, { env: {} });
  });
  after(async () => {
    conn.close();
    await sim.stop();
  });

  test('lists in pages, then watches every new event and repeat in order', async () => {
    const before = sim.events.generate(120);
    const controller = new AbortController();
    const stream = eventStream(async () => conn, options, undefined, controller.signal);
    const listed = await collect(stream, (items) => items.some((i) => i.kind === 'list-end'));
    const pages = listed.filter((i): i is Extract<StreamItem, { kind: 'listed' }> => i.kind === 'listed');
    assert.ok(pages.length >= 2, 'more than one page');
    const listedUids = new Set(pages.flatMap((p) => p.events.map((e) => e.metadata.uid)));
    assert.deepEqual(listedUids, new Set(before.map((o) => o.uid)));

    const made = sim.events.generate(10);
    const changes = await collect(
      stream,
      (items) => items.filter((i) => i.kind === 'change').length >= made.length,
    );
    controller.abort();
    assert.deepEqual(
      changes
        .filter((i) => i.kind === 'change')
        .map((i) =>
          i.kind === 'change' ? [i.type, i.event.metadata.uid, i.event.metadata.resourceVersion] : [],
        ),
      made.map((o) => [o.type, o.uid, o.resourceVersion]),
    );
  });

  test('resuming from a resourceVersion older than the history relists (410 Expired)', async () => {
    const list = sim.events.generate(1);
    const stale = (list[0] as { resourceVersion: string }).resourceVersion;
    sim.events.generate(60); // beyond the 30 changes of history
    const controller = new AbortController();
    const items = await collect(
      eventStream(async () => conn, options, stale, controller.signal),
      (xs) => xs.some((i) => i.kind === 'list-end'),
    );
    controller.abort();
    assert.deepEqual(items[0], { kind: 'list-start', reason: 'expired' });
  });

  test('a watch the server ends is resumed without losing a change', async () => {
    const controller = new AbortController();
    const stream = eventStream(
      async () => conn,
      { ...options, watchTimeoutSeconds: 1 },
      undefined,
      controller.signal,
    );
    await collect(stream, (items) => items.some((i) => i.kind === 'list-end'));
    const first = sim.events.generate(3);
    await new Promise((r) => setTimeout(r, 1300)); // the server closes the watch after 1 s
    const second = sim.events.generate(3);
    const changes = await collect(stream, (items) => items.filter((i) => i.kind === 'change').length >= 6);
    controller.abort();
    assert.deepEqual(
      changes.flatMap((i) => (i.kind === 'change' ? [i.event.metadata.resourceVersion] : [])),
      [...first, ...second].map((o) => o.resourceVersion),
    );
  });

  test('an API answering 503 is retried with backoff, then the stream carries on', async () => {
    sim.apiServer.setApiFault({ kind: 'status', code: 503 });
    const controller = new AbortController();
    const stream = eventStream(async () => conn, options, undefined, controller.signal);
    const failing = await collect(stream, (items) => items.filter((i) => i.kind === 'retrying').length >= 2);
    assert.ok(
      failing.filter((i) => i.kind === 'retrying').every((i) => i.kind === 'retrying' && /503/.test(i.error)),
    );
    sim.apiServer.setApiFault(undefined);
    const recovered = await collect(stream, (items) => items.some((i) => i.kind === 'list-end'));
    controller.abort();
    assert.ok(recovered.some((i) => i.kind === 'list-end'));
  });

  test('a silent watch is restarted by the watchdog', async () => {
    const controller = new AbortController();
    const stream = eventStream(
      async () => conn,
      { ...options, idleTimeoutMs: 300 },
      undefined,
      controller.signal,
    );
    const items = await collect(stream, (xs) => xs.some((i) => i.kind === 'retrying'));
    controller.abort();
    const retry = items.find((i) => i.kind === 'retrying');
    assert.match(retry?.kind === 'retrying' ? retry.error : '', /no event or bookmark for 300 ms/);
  });
});
