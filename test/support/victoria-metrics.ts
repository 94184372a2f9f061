import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServerProcess, type ServerProcess } from './processes.js';

/** Debian's victoria-metrics on a free loopback port with its data in a temporary folder. */
export interface VictoriaMetrics extends ServerProcess {
  readonly url: string;
  /**
   * Every stored sample of the series matching `selector` (e.g. `{__name__=~"cpu/.+"}`), one entry per series.
   * New series become searchable a few seconds after they are written: this forces a flush and polls until
   * `until` is satisfied or 10 s passed.
   */
  exportSeries(selector: string, until?: (series: ExportedSeries[]) => boolean): Promise<ExportedSeries[]>;
}

export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export async function startVictoriaMetrics(): Promise<VictoriaMetrics> {
  const dir = mkdtempSync(join(tmpdir(), 'heapster-vm-'));
  const dataPath = join(dir, 'data');
  try {
    const proc = await startServerProcess({
      name: 'victoria-metrics',
      command: 'victoria-metrics',
      args: (port) => [
        `-storageDataPath=${dataPath}`,
        `-httpListenAddr=127.0.0.1:${port}`,
        '-retentionPeriod=100y',
        '-loggerLevel=ERROR',
        // Points of past rounds (tests backdate them) must not be dropped as too old.
        '-search.cacheTimestampOffset=0s',
      ],
      timeoutMs: 30_000,
      ready: async (port, child) => {
        if (child.exitCode !== null) return false;
        const health = await fetch(`http://127.0.0.1:${port}/health`);
        if (!health.ok || (await health.text()).trim() !== 'OK') return false;
        // /metrics lists the flags the process runs with: the data path is ours alone.
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return metrics.includes(`flag{name="storageDataPath", value="${dataPath}"`);
      },
    });
    const url = `http://127.0.0.1:${proc.port}`;
    return {
      ...proc,
      url,
      exportSeries: (selector, until) => exportSeries(url, selector, until),
      stop: async () => {
        await proc.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function exportSeries(
  url: string,
  selector: string,
  until: (series: ExportedSeries[]) => boolean = (s) => s.length > 0,
): Promise<ExportedSeries[]> {
  const deadline = Date.now() + 30_000; // new series become visible after seconds, more on a busy machine
  for (;;) {
    await fetch(`${url}/internal/force_flush`);
    // Tests stamp rounds on the simulator's clock, which runs ahead of real time: without an explicit end the
    // export stops at "now" and leaves those points out.
    const end = String(Math.floor(Date.now() / 1000) + 86_400);
    const res = await fetch(`${url}/api/v1/export?${new URLSearchParams({ 'match[]': selector, end })}`);
    if (!res.ok) throw new Error(`export ${selector}: HTTP ${res.status} ${await res.text()}`);
    const text = await res.text();
    const series = text
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as ExportedSeries);
    if (until(series) || Date.now() > deadline) return series;
    await new Promise((r) => setTimeout(r, 250));
  }
}
