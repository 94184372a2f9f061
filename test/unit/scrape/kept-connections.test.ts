import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SummaryApiSource } from '../../../shared/config/source-uri.js';
import type { KubeConnection } from '../../../shared/kube/connect.js';
import { keptConnections } from '../../../shared/scrape/kept-connections.js';

/** Connections of a fake connect, each remembering whether it was really closed. */
function fakeConnect() {
  const made: { id: number; closed: boolean }[] = [];
  let failNext = false;
  const connect = async (): Promise<KubeConnection> => {
    if (failNext) {
      failNext = false;
      throw new Error('kubeconfig unreadable');
    }
    const state = { id: made.length, closed: false };
    made.push(state);
    return {
      server: new URL(`https://api-${state.id}.example`),
      get: () => Promise.reject(new Error('not used')),
      getUrl: () => Promise.reject(new Error('not used')),
      watch: () => {
        throw new Error('not used');
      },
      close: () => {
        state.closed = true;
      },
    };
  };
  return { connect, made, failOnce: () => (failNext = true) };
}

/** Closing a connection waits for it to be made: let those callbacks run. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const SOURCE = { concurrency: 32 } as unknown as SummaryApiSource;
const CATCH_UP = { concurrency: 3 } as unknown as SummaryApiSource;

describe('keptConnections', () => {
  test('rounds close to each other share one connection; closing hands it back', async () => {
    const fake = fakeConnect();
    let t = 0;
    const connect = keptConnections(fake.connect, { maxIdleMs: 75_000, now: () => t });
    const a = await connect(SOURCE);
    a.close();
    t += 60_000;
    const b = await connect(SOURCE);
    b.close();
    assert.equal(fake.made.length, 1);
    assert.equal(a.server.href, b.server.href);
    assert.equal(fake.made[0]?.closed, false);
  });

  test('a connection idle longer than maxIdleMs is closed and replaced', async () => {
    const fake = fakeConnect();
    let t = 0;
    const connect = keptConnections(fake.connect, { maxIdleMs: 75_000, now: () => t });
    (await connect(SOURCE)).close();
    t += 75_001;
    const again = await connect(SOURCE);
    assert.equal(fake.made.length, 2);
    assert.equal(again.server.href, 'https://api-1.example/');
    assert.equal(fake.made[0]?.closed, true);
  });

  test('a connection older than maxAgeMs is replaced, and closed only once its last user is done', async () => {
    const fake = fakeConnect();
    let t = 0;
    const connect = keptConnections(fake.connect, { maxAgeMs: 600_000, maxIdleMs: 75_000, now: () => t });
    const long = await connect(SOURCE);
    t += 600_001;
    const fresh = await connect(SOURCE);
    assert.equal(fake.made.length, 2);
    await settled();
    assert.equal(fake.made[0]?.closed, false, 'still in use by the first round');
    long.close();
    long.close();
    await settled();
    assert.equal(fake.made[0]?.closed, true);
    fresh.close();
    await settled();
    assert.equal(fake.made[1]?.closed, false);
  });

  test('each distinct source has its own connection', async () => {
    const fake = fakeConnect();
    const connect = keptConnections(fake.connect);
    const main = await connect(SOURCE);
    const catchUp = await connect(CATCH_UP);
    assert.notEqual(main.server.href, catchUp.server.href);
    assert.equal(fake.made.length, 2);
  });

  test('a failed connect is not kept: the next round connects again', async () => {
    const fake = fakeConnect();
    const connect = keptConnections(fake.connect);
    fake.failOnce();
    await assert.rejects(connect(SOURCE), /kubeconfig unreadable/);
    const next = await connect(SOURCE);
    assert.equal(next.server.href, 'https://api-0.example/');
  });
});
