import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startGclStandIn } from '../stand-ins/gcl/server.js';
import { startFirestoreEmulator } from '../support/firestore-emulator.js';
import { startInfluxd } from '../support/influxdb.js';
import { freePort } from '../support/processes.js';
import {
  changeClock,
  journalReader,
  sampleProcess,
  simApi,
  startServiceProcess,
  type ChangeClock,
  type ServiceProcess,
  type SimApi,
} from './events-probes.js';
import { deployedEnvironment, startMetadataStandIn } from './events-deployment.js';
import { print, verify, type Options, type Sample } from './events-report.js';
import { startSimProcess } from './sim-process.js';

/**
 * `npm run bench -- events [--rate R] [--seconds S] [--relist N] [--nodes N] [--pods-per-node P]
 * [--gcl-latency-ms L] [--cpu-prof DIR] [--heap-snapshot DIR] [--node-flags 'F ...'] [--service-log FILE]
 * [--service-build DIR] [--access google|kubeconfig] [--service-env 'K=V ...']`: the events service (compiled, in its own process, as
 * Cloud Run runs it) watching a simulated cluster (its own process) that holds N events and generates R event
 * changes a second, writing every occurrence to the Cloud Logging stand-in (this process) and influxd 1.6 (its
 * own process), with its lease and checkpoints in the Firestore emulator. Measured: the relist of the N events
 * at start, then S seconds of steady watching; an occurrence counts once both sinks acknowledged it and its
 * identity is in a saved checkpoint.
 *
 * The service runs as infra deploys it for GKE: NODE_OPTIONS with the events-service module's heap cap, and
 * the API server reached by endpoint, cluster CA and auth=google, with the access token from a metadata
 * server stand-in. `--access kubeconfig` reads the simulator's kubeconfig instead (the other deployment).
 */
const BUILD_DIR = join('node_modules', '.cache', 'heapster-bench-events');
const ENTRY = join('functions', 'events', 'index.js');
const CLUSTER = 'bench';
const PROJECT = 'demo-bench-events';
const SAMPLE_MS = 500;
/** A phase fails when the service wrote nothing for this long. */
const STALL_MS = 60_000;

export async function benchEvents(args: Map<string, string>): Promise<void> {
  const o: Options = {
    rate: Number(args.get('rate') ?? 1000),
    seconds: Number(args.get('seconds') ?? 60),
    relist: Number(args.get('relist') ?? 100_000),
    gclLatencyMs: Number(args.get('gcl-latency-ms') ?? 0),
    nodes: Number(args.get('nodes') ?? 20),
    podsPerNode: Number(args.get('pods-per-node') ?? 10),
    cpuProf: args.get('cpu-prof'),
    heapSnapshot: args.get('heap-snapshot'),
    nodeFlags: (args.get('node-flags') ?? '').split(' ').filter((f) => f !== ''),
    serviceLog: args.get('service-log'),
    serviceBuild: args.get('service-build'),
    access: args.get('access') === 'kubeconfig' ? 'kubeconfig' : 'google',
    deployed: await deployedEnvironment(),
    extraEnv: serviceEnv(args.get('service-env')),
  };
  const build = o.serviceBuild ?? (await compileService());
  const entry = join(build, ENTRY);
  const workDir = mkdtempSync(join(tmpdir(), 'heapster-bench-events-'));
  // History enough for the watch to resume after the relist, however long it takes at this rate.
  const history = Math.max(50_000, o.rate * 300);
  // Heapster's log/events schema tags each point with its event's uid; influxd refuses new values of a tag past
  // 100,000 unless told otherwise (an environment variable overrides its configuration file).
  process.env['INFLUXDB_DATA_MAX_VALUES_PER_TAG'] = '0';
  // The API server asks for the token the metadata server hands the service's identity.
  const token = randomBytes(16).toString('hex');
  const [firestore, influx, gcl, metadata, sim] = await Promise.all([
    startFirestoreEmulator(),
    startInfluxd(),
    startGclStandIn(),
    startMetadataStandIn(token, PROJECT),
    startSimProcess([
      ...['--nodes', String(o.nodes), '--pods-per-node', String(o.podsPerNode)],
      ...['--events-per-sec', String(o.rate), '--watch-history', String(history)],
      ...['--kubelet-port', '0', '--kubelet-https-port', '0', '--work-dir', workDir, '--token', token],
    ]),
  ]);
  const api = simApi(sim);
  const journal = journalReader(firestore.host, PROJECT, `heapster/${CLUSTER}/event-checkpoints`);
  let service: ServiceProcess | undefined;
  let changes: ChangeClock | undefined;
  const cleanUp = async (): Promise<void> => {
    await service?.kill();
    changes?.stop();
    api.close();
    await journal.close();
    await Promise.all([sim.stop(), gcl.stop(), influx.stop(), firestore.stop(), metadata.stop()]);
    rmSync(workDir, { recursive: true, force: true });
  };
  // Ctrl-C stops every process the benchmark started.
  const onInterrupt = (): void => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', onInterrupt);
  try {
    if (o.gclLatencyMs > 0) gcl.setFaults({ latencyMs: o.gclLatencyMs });
    const backlog = await fillBacklog(api, o.relist, o.rate);
    const clock = changeClock(sim, backlog.resourceVersion);
    changes = clock;
    const port = await freePort();
    const nodeFlags = [
      ...(o.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProf}`] : []),
      ...(o.heapSnapshot ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${o.heapSnapshot}`] : []),
      ...o.nodeFlags,
    ];
    const started = performance.now();
    service = startServiceProcess(
      entry,
      nodeFlags,
      o.serviceLog,
      {
        SOURCE:
          o.access === 'google'
            ? `kubernetes:${sim.ready.apiServer}?auth=google&ca=${sim.ready.caPath}`
            : `kubernetes:?auth=${sim.ready.kubeconfig}`,
        ...o.deployed,
        ...o.extraEnv,
        // Cloud Run's metadata server, which the Google libraries find on their own there.
        GCE_METADATA_HOST: metadata.host,
        METADATA_SERVER_DETECTION: 'ping-only',
        HOME: workDir,
        SINKS: `gcl?project=${PROJECT}&location=europe-west4&endpoint=${gcl.endpoint} influxdb:${influx.url}?db=k8s`,
        CLUSTER_NAME: CLUSTER,
        STATE_STORE: 'firestore',
        FIRESTORE_EMULATOR_HOST: firestore.host,
        GOOGLE_CLOUD_PROJECT: PROJECT,
        LOG_LEVEL: 'INFO',
      },
      port,
    );
    const samples: Sample[] = [];
    const sample = async (): Promise<Sample> => {
      const [health, info, saved] = await Promise.all([
        (service as ServiceProcess).health(),
        api.info(),
        journal.read(),
      ]);
      const t = performance.now();
      const checkpointRv = saved.resourceVersion ?? 0;
      const proc = sampleProcess((service as ServiceProcess).pid);
      if (proc === undefined) throw new Error(`the service exited:\n${service?.output().slice(-3000)}`);
      const s: Sample = {
        t,
        service: proc,
        checkpointed: saved.occurrences,
        checkpointRv: saved.resourceVersion,
        generated: info.generated,
        simRv: clock.latest(),
        lagMs: t - (clock.firstAfter(checkpointRv) ?? t),
        simCpuMs: info.cpuMs,
        written: health?.stats['written'] ?? 0,
        relists: health?.stats['relists'] ?? 0,
      };
      samples.push(s);
      return s;
    };
    const readyMs = await until(async () => {
      if (service?.child.exitCode !== null) throw new Error('the service exited at start');
      return (await service.health())?.phase === 'watching';
    }, 30_000);
    const idle = sampleProcess(service.pid);
    // The relist: done once a checkpoint holds a resourceVersion at least the one before the service started.
    const relisted = await sampleUntil(
      sample,
      (s) => (s.checkpointRv ?? 0) >= backlog.resourceVersion,
      600_000,
    );
    // Catching up with what was generated meanwhile: done when the checkpoint is at most 3 s behind.
    const caughtUp = await sampleUntil(sample, (s) => s.lagMs <= 3_000, 600_000);
    const windowStart = await sample();
    const windowEnd = await sampleUntil(sample, (s) => s.t - windowStart.t >= o.seconds * 1000, Infinity);
    if (o.heapSnapshot) await heapSnapshot(service, o.heapSnapshot);
    const endRv = windowEnd.simRv;
    await sampleUntil(sample, (s) => (s.checkpointRv ?? 0) >= endRv, 60_000);
    const beforeStop = await sample();
    const stopped = await service.terminate();
    const finalJournal = await journal.read();
    const check = await verify(gcl, influx, journal, join(workDir, 'events.jsonl'), {
      fromRv: finalJournal.firstResourceVersion ?? 0,
      toRv: finalJournal.resourceVersion ?? 0,
    });
    print(o, {
      backlog,
      startedAt: started,
      readyMs,
      idle,
      relisted,
      caughtUp,
      windowStart,
      windowEnd,
      beforeStop,
      samples,
      stopped,
      check,
      simRss: (await api.info()).rssBytes,
    });
  } catch (err) {
    if (service !== undefined) console.error(`the service's last output:\n${service.output().slice(-3000)}`);
    throw err;
  } finally {
    process.off('SIGINT', onInterrupt);
    await cleanUp();
  }
}

/** Extra environment for the service (e.g. MALLOC_ARENA_MAX=2), to try a setting before deploying it. */
function serviceEnv(text: string | undefined): Record<string, string> {
  return Object.fromEntries(
    (text ?? '')
      .split(' ')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** Asks the service for a heap snapshot (it stops for a moment to write it) and waits until it is written. */
async function heapSnapshot(service: ServiceProcess, dir: string): Promise<void> {
  const count = (): number => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).length;
  const before = count();
  service.child.kill('SIGUSR2');
  await until(async () => count() > before, 60_000);
  // The file appears when writing starts: wait until its size stops changing.
  let size = -1;
  await until(async () => {
    const newest = readdirSync(dir)
      .filter((f) => f.endsWith('.heapsnapshot'))
      .map((f) => statSync(join(dir, f)))
      .sort((x, y) => y.mtimeMs - x.mtimeMs)[0];
    const same = newest !== undefined && newest.size === size;
    size = newest?.size ?? -1;
    if (!same) await sleep(500);
    return same;
  }, 120_000);
  console.error(`heap snapshot written to ${dir}`);
}

/** tsc emits even when some other file of the project has a type error; only a missing output is fatal. */
async function compileService(): Promise<string> {
  const tsc = join('node_modules', '.bin', 'tsc');
  await promisify(execFile)(tsc, [
    ...['-p', 'tsconfig.build.json', '--outDir', BUILD_DIR, '--sourceMap', 'false'],
  ]).catch((err: { stdout?: string }) => {
    if (!existsSync(join(BUILD_DIR, ENTRY)))
      throw new Error(`compiling the service failed:\n${err.stdout ?? String(err)}`);
  });
  return BUILD_DIR;
}

/**
 * Moves the simulator's clock forward so its generator makes the changes of that time at once, until the
 * API server holds `count` events (about a third of the changes repeat an event rather than create one).
 */
async function fillBacklog(
  api: SimApi,
  count: number,
  rate: number,
): Promise<{ count: number; resourceVersion: number; ms: number }> {
  const started = performance.now();
  let held = await api.eventCount();
  while (held < count) {
    const changes = Math.ceil((count - held) / 0.6);
    await api.post(`/sim/v1/clock/advance?ms=${Math.ceil((changes / rate) * 1000)}`);
    const before = held;
    await until(async () => (held = await api.eventCount()) > before + (count - before) / 2, 120_000);
  }
  return { count: held, resourceVersion: await api.resourceVersion(), ms: performance.now() - started };
}

async function sampleUntil(
  sample: () => Promise<Sample>,
  done: (s: Sample) => boolean,
  timeoutMs: number,
): Promise<Sample> {
  const deadline = performance.now() + timeoutMs;
  let progress = { t: performance.now(), written: -1 };
  for (;;) {
    const s = await sample();
    if (done(s)) return s;
    if (performance.now() > deadline) throw new Error(`benchmark phase not done in ${timeoutMs} ms`);
    if (s.written !== progress.written) progress = { t: s.t, written: s.written };
    else if (s.t - progress.t > STALL_MS)
      throw new Error(`nothing written for ${STALL_MS / 1000} s: the service is stuck`);
    await sleep(SAMPLE_MS);
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!(await condition())) {
    if (performance.now() - started > timeoutMs) throw new Error(`not done in ${timeoutMs} ms`);
    await sleep(100);
  }
  return performance.now() - started;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
