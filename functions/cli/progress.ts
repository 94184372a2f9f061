/**
 * A progress line for long rounds on stderr: quiet for the first second (small clusters finish sooner), then
 * redrawn in place on a terminal, or one line every few seconds when stderr is a file or a pipe.
 */
export interface Progress {
  update(done: number, total: number): void;
  /** Clears the line on a terminal; nothing otherwise. */
  end(): void;
}

export interface ProgressOptions {
  write: (text: string) => void;
  isTty: boolean;
  now?: () => number;
  /** Nothing is shown before this much time passed. */
  quietMs?: number;
  /** Lines are at least this far apart (redraws on a terminal: a tenth of it). */
  everyMs?: number;
}

export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const started = now();
  const quietMs = options.quietMs ?? 1000;
  const everyMs = options.isTty ? (options.everyMs ?? 5000) / 10 : (options.everyMs ?? 5000);
  let last = -Infinity;
  let drawn = false;
  return {
    update(done, total) {
      const t = now();
      if (t - started < quietMs || (t - last < everyMs && done < total)) return;
      last = t;
      const line = progressLine(done, total, t - started);
      if (options.isTty) {
        options.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else options.write(`${line}\n`);
    },
    end() {
      if (drawn) options.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

export function progressLine(done: number, total: number, elapsedMs: number): string {
  const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
  return `scrape: ${done}/${total} nodes (${percent}%) in ${(elapsedMs / 1000).toFixed(1)} s`;
}
