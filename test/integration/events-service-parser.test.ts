import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSim, type Sim } from '../sim/sim.js';
import { startEventsServiceProcess, type EventsServiceProcess } from '../support/events-service.js';

/**
 * The events service keeps the HTTP client's WebAssembly response parser on V8's baseline compiler: optimising
 * it takes tens of MiB of native memory at the moment the service is busiest (a relist). Seen from outside
 * through V8's own trace of every WebAssembly compilation, while the service lists and watches a cluster.
 */
let sim: Sim;
let service: EventsServiceProcess | undefined;

before(async () => {
  sim = await startSim({ nodes: 2, podsPerNode: 4, kubeletHttpPort: 0, kubeletHttpsPort: 0, seed: 5 });
  sim.events.generate(2_000);
});
after(async () => {
  await service?.kill();
  await sim?.stop();
});

test('the events service parses HTTP answers with baseline-compiled WebAssembly only, through a list and a watch', async () => {
  service = await startEventsServiceProcess(
    {
      SOURCE: `kubernetes:?auth=${sim.kubeconfigPath}`,
      SINKS: 'log',
      CLUSTER_NAME: 'parser',
      STATE_STORE: 'memory',
    },
    ['--trace-wasm-compilation-times'],
  );
  const proc = service;
  const written = async (): Promise<number> => (await proc.ready())?.stats['written'] ?? 0;
  const waitFor = async (count: number): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while ((await written()) < count) {
      if (Date.now() > deadline)
        throw new Error(`${await written()} of ${count} written:\n${proc.output().slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  // The list: some of the generated changes updated events made before them, so fewer than 2,000 are listed.
  await waitFor(1_000);
  const listed = await written();
  // Then a stream of changes through the watch, in small chunks: many calls into the parser.
  for (let i = 0; i < 30; i++) {
    sim.events.generate(20);
    await new Promise((r) => setTimeout(r, 50));
  }
  await waitFor(listed + 300);
  // V8 writes its trace through C's stdio, which a pipe buffers: what it holds is out once the process exits.
  assert.equal(await proc.terminate(), 0);
  // V8 traces each compilation as `Compiled function <module>#<index> using <tier>, ... bodysize <bytes> ...`.
  // Other modules (Node's own lexers, while modules load) are compiled before the service starts; undici's
  // parser is the module with the large state-machine function.
  const compiled = proc
    .output()
    .split('\n')
    .map((l) => /^Compiled function (\S+)#\d+ using (\w+),.* bodysize (\d+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(([, module, tier, bodysize]) => ({ module, tier, bodysize: Number(bodysize) }));
  const parser = new Set(compiled.filter((c) => c.bodysize > 10_000).map((c) => c.module));
  assert.equal(parser.size, 1, `one module with a function of over 10,000 bytes: the parser`);
  const tiers = new Set(compiled.filter((c) => parser.has(c.module)).map((c) => c.tier));
  assert.deepEqual([...tiers], ['Liftoff']);
});
