import type { KubeEvent, StreamItem } from '../kube/event-stream.js';
import type { Logger } from '../runtime/log.js';
import { sleep } from '../runtime/retry.js';
import type { EventSink } from '../sinks/sink.js';
import type { CheckpointStore } from '../state/checkpoint-store.js';
import type { OccurrenceIds } from './written-occurrences.js';
import type { LeaseState, LeaseStore } from '../state/lease-store.js';
import { occurrenceId, occurrenceTime } from './occurrence.js';

/**
 * The event watcher: holds the lease, resumes from the checkpoint, writes every new occurrence (ADDED and
 * MODIFIED states; DELETED is not an occurrence) to every sink, and checkpoints only what all sinks
 * acknowledged. After a relist it skips occurrences the journal says were written; when the API server's
 * history no longer reached back to the checkpoint it says, once, which window cannot be proven complete.
 */
export interface WatcherDeps {
  readonly log: Logger;
  readonly now: () => number;
  readonly stream: (from: string | undefined, signal: AbortSignal) => AsyncGenerator<StreamItem>;
  readonly sinks: readonly EventSink[];
  readonly checkpoints: CheckpointStore;
  readonly lease: LeaseStore;
  /** This instance's name in the lease. */
  readonly holder: string;
}

export interface WatcherOptions {
  /** Occurrences written per sink request at most. */
  readonly batchSize: number;
  /** A batch waits at most this long for more occurrences. */
  readonly flushDelayMs: number;
  /** Checkpoints are saved at most this often. */
  readonly checkpointIntervalMs: number;
  /** The lease is renewed this often (well inside its TTL). */
  readonly leaseRenewMs: number;
  /** A progress line (occurrences written since the last one, the stats) is logged this often. */
  readonly progressIntervalMs: number;
  readonly retry: { readonly initialMs: number; readonly maxMs: number };
}

/** Cloud Run gives 10 s after SIGTERM: writes stop after this long, leaving time to checkpoint and exit. */
const DRAIN_MS = 8_000;

export type WatcherPhase = 'starting' | 'standby' | 'watching' | 'draining' | 'stopped';

export interface WatcherStats {
  seen: number;
  written: number;
  skipped: number;
  rejected: number;
  relists: number;
  gaps: number;
  undecodable: number;
  checkpoints: number;
}

export class EventWatcher {
  phase: WatcherPhase = 'starting';
  /** Last time the stream delivered anything (event, bookmark, list page): what the health check reads. */
  lastActivity = 0;
  readonly stats: WatcherStats = {
    seen: 0,
    written: 0,
    skipped: 0,
    rejected: 0,
    relists: 0,
    gaps: 0,
    undecodable: 0,
    checkpoints: 0,
  };
  private lease: LeaseState = { held: false, holder: undefined, validUntil: 0 };

  constructor(
    private readonly deps: WatcherDeps,
    private readonly options: WatcherOptions,
  ) {}

  /** Runs until `signal` aborts, then drains: flush, checkpoint, release the lease. */
  async run(signal: AbortSignal): Promise<void> {
    const { log } = this.deps;
    while (!signal.aborted) {
      this.lease = await this.deps.lease.acquire(this.deps.holder).catch((err: Error) => {
        log.warn('events: lease check failed', { error: err.message });
        return { held: false, holder: undefined, validUntil: 0 };
      });
      if (!this.lease.held) {
        if (this.phase !== 'standby')
          log.info('events: another instance holds the lease, standing by', { holder: this.lease.holder });
        this.phase = 'standby';
        this.lastActivity = this.deps.now();
        await sleep(this.options.leaseRenewMs, signal).catch(() => undefined);
        continue;
      }
      await this.watchWhileLeased(signal);
    }
    this.phase = 'stopped';
  }

  private async watchWhileLeased(signal: AbortSignal): Promise<void> {
    const { log } = this.deps;
    // `leased` ends the watch; `writes` cuts sink writes short, which only losing the lease or running out of
    // drain time does: a stop lets the batch in flight finish, so the drain does not hand it to the next holder.
    const leased = new AbortController();
    const writes = new AbortController();
    const stopLeased = (reason: string): void => leased.abort(new Error(reason));
    let drainDeadline: NodeJS.Timeout | undefined;
    const startDrainClock = (): void => {
      drainDeadline ??= setTimeout(() => writes.abort(new Error('drain deadline')), DRAIN_MS);
    };
    const onStop = (): void => {
      startDrainClock();
      stopLeased('stopping');
    };
    signal.addEventListener('abort', onStop, { once: true });
    let renewing: Promise<void> = Promise.resolve();
    const renew = setInterval(() => {
      renewing = this.deps.lease.acquire(this.deps.holder).then(
        (state) => {
          this.lease = state;
          if (!state.held) {
            log.warn('events: lease lost, this instance stops writing', { holder: state.holder });
            writes.abort(new Error('lease lost'));
            stopLeased('lease lost');
          }
        },
        (err: Error) => log.warn('events: lease renewal failed', { error: err.message }),
      );
    }, this.options.leaseRenewMs);

    const checkpoint = await this.deps.checkpoints.load();
    log.info('events: watching', {
      holder: this.deps.holder,
      resumeFrom: checkpoint.resourceVersion ?? null,
      checkpointSavedAt: checkpoint.savedAt > 0 ? new Date(checkpoint.savedAt).toISOString() : null,
      knownOccurrences: checkpoint.written.size,
    });
    this.phase = 'watching';
    const written = checkpoint.written;
    let pending: KubeEvent[] = [];
    let pendingSince = 0;
    let journal: number[] = [];
    let seenRv = checkpoint.resourceVersion;
    let ackedRv = checkpoint.resourceVersion;
    let savedRv = checkpoint.resourceVersion;
    let lastSave = this.deps.now();
    let lastCheckpointAt = checkpoint.savedAt;
    let listing = false;
    let lastProgress = this.deps.now();
    let writtenAtProgress = this.stats.written;

    const flush = async (): Promise<void> => {
      if (pending.length === 0) {
        if (!listing) ackedRv = seenRv;
        return;
      }
      const batch = pending;
      const rvAtCut = seenRv;
      pending = [];
      try {
        await this.writeEverywhere(batch, writes.signal);
      } catch (err) {
        // Back in line: the drain writes it if the lease still allows.
        pending = batch.concat(pending);
        throw err;
      }
      for (const e of batch) {
        const id = occurrenceId(e);
        written.add(id);
        journal.push(id);
      }
      if (!listing) ackedRv = rvAtCut;
    };
    // One batch written at a time, in the background: the stream is read meanwhile (up to a batch more),
    // so reading and writing overlap. A failed write is put back in line and ends the watch (see the drain).
    let writing: Promise<void> | undefined;
    let writeFailure: Error | undefined;
    const startFlush = (): void => {
      writing = flush()
        .catch((err: Error) => void (writeFailure ??= err))
        .finally(() => (writing = undefined));
    };
    const settleWrite = async (): Promise<void> => {
      await writing;
      if (writeFailure !== undefined) throw writeFailure;
    };
    // One save at a time, in the background: the watch goes on reading and writing while it is stored. A
    // forced save (the drain) waits for the one in flight, then saves the rest and waits for that too.
    let saving: Promise<void> | undefined;
    const maybeCheckpoint = async (force: boolean): Promise<void> => {
      if (saving !== undefined) {
        if (!force) return;
        await saving;
      }
      const now = this.deps.now();
      if (ackedRv === undefined || (ackedRv === savedRv && journal.length === 0)) return;
      if (!force && now - lastSave < this.options.checkpointIntervalMs) return;
      const ids = journal;
      const rv = ackedRv;
      journal = [];
      lastSave = now;
      const save = this.deps.checkpoints.save(rv, ids, this.deps.holder).then(
        () => {
          savedRv = rv;
          lastCheckpointAt = now;
          this.stats.checkpoints++;
        },
        (err: Error) => {
          journal = ids.concat(journal);
          log.warn('events: saving the checkpoint failed; it is retried', { error: err.message });
        },
      );
      saving = save.finally(() => (saving = undefined));
      if (force) await saving;
    };

    const stream = this.deps.stream(checkpoint.resourceVersion, leased.signal);
    let next = stream.next();
    try {
      while (!leased.signal.aborted) {
        // Woken by the next item, the end of the write in flight, or when a flush or a checkpoint is due.
        const wait =
          pending.length > 0 && writing === undefined
            ? Math.max(0, pendingSince + this.options.flushDelayMs - this.deps.now())
            : this.options.checkpointIntervalMs;
        let timer: NodeJS.Timeout | undefined;
        const tick = new Promise<undefined>(
          (resolve) => (timer = setTimeout(() => resolve(undefined), wait)),
        );
        const result = await Promise.race([next, tick, ...(writing ? [writing.then(() => undefined)] : [])]);
        clearTimeout(timer);
        if (result !== undefined) {
          if (result.done) break;
          next = stream.next();
          this.lastActivity = this.deps.now();
          const item = result.value;
          switch (item.kind) {
            case 'list-start':
              // What is being written joins `written` first, so the list skips it.
              await settleWrite();
              listing = true;
              this.stats.relists++;
              if (item.reason === 'expired') {
                this.stats.gaps++;
                log.warn('events: the API server no longer had the history to resume from; relisting', {
                  incompleteFrom: lastCheckpointAt > 0 ? new Date(lastCheckpointAt).toISOString() : null,
                  incompleteTo: new Date(this.deps.now()).toISOString(),
                  detail:
                    "repeats of an event between these times may be missing (each event's latest state is written); events created and deleted within the window are lost",
                });
              }
              break;
            case 'listed':
              for (const e of item.events)
                if (this.consider(e, written, pending) && pending.length === 1)
                  pendingSince = this.deps.now();
              break;
            case 'list-end':
              await settleWrite();
              await flush();
              listing = false;
              seenRv = item.resourceVersion;
              ackedRv = seenRv;
              break;
            case 'change':
              seenRv = item.event.metadata.resourceVersion;
              if (
                item.type !== 'DELETED' &&
                this.consider(item.event, written, pending) &&
                pending.length === 1
              )
                pendingSince = this.deps.now();
              break;
            case 'bookmark':
              seenRv = item.resourceVersion;
              break;
            case 'retrying':
              log.warn('events: stream interrupted, retrying', { error: item.error, delayMs: item.delayMs });
              break;
            case 'undecodable':
              this.stats.undecodable++;
              log.warn('events: a watch line was not a watch event; skipped', { line: item.line });
              break;
          }
        }
        if (writeFailure !== undefined) throw writeFailure;
        const due =
          pending.length >= this.options.batchSize ||
          (pending.length > 0 && this.deps.now() - pendingSince >= this.options.flushDelayMs);
        if (due && writing !== undefined && pending.length >= this.options.batchSize) await settleWrite();
        if (due && writing === undefined) startFlush();
        else if (pending.length === 0 && writing === undefined && !listing) ackedRv = seenRv;
        await maybeCheckpoint(false);
        if (this.deps.now() - lastProgress >= this.options.progressIntervalMs) {
          log.info('events: progress', {
            written: this.stats.written - writtenAtProgress,
            resourceVersion: ackedRv ?? null,
            stats: this.stats,
          });
          lastProgress = this.deps.now();
          writtenAtProgress = this.stats.written;
        }
      }
    } catch (err) {
      if (!leased.signal.aborted) log.error('events: watch loop failed', { error: (err as Error).message });
    } finally {
      clearInterval(renew);
      await renewing;
      signal.removeEventListener('abort', onStop);
      void stream.return(undefined);
      this.phase = 'draining';
      // Drain: write what was read (if the lease still allows it), then checkpoint and let go of the lease.
      startDrainClock();
      // The batch in flight finishes first (a failed one is back at the head of `pending`).
      await writing;
      try {
        if (pending.length > 0 && this.deps.now() < this.lease.validUntil && !writes.signal.aborted) {
          const batch = pending;
          pending = [];
          await this.writeEverywhere(batch, writes.signal, 2);
          for (const e of batch) {
            const id = occurrenceId(e);
            written.add(id);
            journal.push(id);
          }
          if (!listing) ackedRv = seenRv;
        }
        if (this.deps.now() < this.lease.validUntil) await maybeCheckpoint(true);
      } catch (err) {
        log.warn('events: draining did not finish; the next holder resumes from the last checkpoint', {
          error: (err as Error).message,
        });
      } finally {
        clearTimeout(drainDeadline);
      }
      // A save still in flight (the drain had no time for its own) lands before the lease is let go.
      await saving;
      if (signal.aborted) await this.deps.lease.release(this.deps.holder).catch(() => undefined);
    }
  }

  /** Queues an occurrence unless it was written already; answers whether it was queued. */
  private consider(event: KubeEvent, written: OccurrenceIds, pending: KubeEvent[]): boolean {
    this.stats.seen++;
    if (written.has(occurrenceId(event))) {
      this.stats.skipped++;
      return false;
    }
    pending.push(event);
    return true;
  }

  /**
   * Writes a batch to every sink, retrying the sinks that failed (idempotent, so a retry stores nothing twice)
   * with capped backoff until they succeed, the lease runs out or the watcher stops.
   */
  private async writeEverywhere(
    batch: readonly KubeEvent[],
    signal: AbortSignal,
    maxAttempts = Infinity,
  ): Promise<void> {
    let remaining = [...this.deps.sinks];
    let attempt = 0;
    while (remaining.length > 0) {
      if (this.deps.now() >= this.lease.validUntil)
        throw new Error('the lease may have expired: not writing');
      attempt++;
      const reports = await Promise.all(
        remaining.map((sink) =>
          sink.write(batch, signal).catch((err: Error) => ({
            sink: sink.name,
            written: 0,
            rejected: {},
            retried: 0,
            error: err.message,
          })),
        ),
      );
      const failed: EventSink[] = [];
      reports.forEach((report, i) => {
        // A failed write is sent again whole: its refusals are counted once, from the attempt that succeeds.
        if (report.error !== undefined) {
          failed.push(remaining[i] as EventSink);
          return;
        }
        const rejected = Object.values(report.rejected).reduce((a, b) => a + b, 0);
        this.stats.rejected += rejected;
        if (rejected > 0)
          this.deps.log.warn('events: a sink refused some occurrences for good', {
            sink: report.sink,
            rejected: report.rejected,
          });
      });
      if (failed.length === 0) break;
      if (signal.aborted || attempt >= maxAttempts)
        throw new Error(`sinks not written: ${failed.map((s) => s.name).join(', ')}`);
      const delayMs =
        Math.min(this.options.retry.maxMs, this.options.retry.initialMs * 2 ** (attempt - 1)) *
        (0.5 + Math.random() / 2);
      this.deps.log.warn('events: writing failed, retrying', {
        sinks: failed.map((s) => s.name),
        errors: reports.filter((r) => r.error !== undefined).map((r) => r.error),
        delayMs: Math.round(delayMs),
      });
      remaining = failed;
      await sleep(delayMs, signal);
    }
    this.stats.written += batch.length;
    const newest = batch[batch.length - 1];
    if (newest !== undefined)
      this.deps.log.debug('events: batch written', {
        occurrences: batch.length,
        newest: occurrenceTime(newest),
      });
  }
}
