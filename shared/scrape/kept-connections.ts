import type { SummaryApiSource } from '../config/source-uri.js';
import type { KubeConnection } from '../kube/connect.js';

export interface KeepOptions {
  /**
   * A connection older than this is replaced: the credentials it read (exec plugin tokens, Google access
   * tokens) expire, and are read again by a new connection.
   */
  readonly maxAgeMs?: number;
  /**
   * A connection unused for this long is replaced rather than reused. The API server and the kubelet close
   * keep-alive sockets after 90 s idle; a request sent on a socket closed under it would fail.
   */
  readonly maxIdleMs?: number;
  readonly now?: () => number;
}

type Connect = (source: SummaryApiSource) => Promise<KubeConnection>;

interface Kept {
  readonly conn: Promise<KubeConnection>;
  readonly created: number;
  lastUsed: number;
  users: number;
  retired: boolean;
}

/**
 * `connect` for a warm instance: a round reuses the connection an earlier round of the instance used (its
 * keep-alive sockets, TLS sessions and parsed credentials) instead of opening a socket with a full TLS
 * handshake per concurrent request again. close() hands the connection back; it is really closed once
 * replaced and no longer in use.
 */
export function keptConnections(connect: Connect, options: KeepOptions = {}): Connect {
  const maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
  const maxIdleMs = options.maxIdleMs ?? 75_000;
  const now = options.now ?? Date.now;
  const kept = new Map<string, Kept>();

  const closeWhenUnused = (entry: Kept): void => {
    if (entry.retired && entry.users === 0)
      void entry.conn.then(
        (c) => c.close(),
        () => undefined,
      );
  };
  const retire = (key: string, entry: Kept): void => {
    entry.retired = true;
    if (kept.get(key) === entry) kept.delete(key);
    closeWhenUnused(entry);
  };

  return async (source) => {
    // One connection per distinct source (the catch-up's has its own concurrency, so its own sockets).
    const key = JSON.stringify(source);
    const t = now();
    let entry = kept.get(key);
    if (
      entry !== undefined &&
      (t - entry.created > maxAgeMs || (entry.users === 0 && t - entry.lastUsed > maxIdleMs))
    )
      retire(key, entry);
    entry = kept.get(key);
    if (entry === undefined) {
      const fresh: Kept = { conn: connect(source), created: t, lastUsed: t, users: 0, retired: false };
      kept.set(key, fresh);
      // A failed connect is not kept: the next round tries again.
      fresh.conn.catch(() => retire(key, fresh));
      entry = fresh;
    }
    const use = entry;
    use.users++;
    let conn: KubeConnection;
    try {
      conn = await use.conn;
    } catch (err) {
      use.users--;
      throw err;
    }
    let released = false;
    return {
      ...conn,
      close: () => {
        if (released) return;
        released = true;
        use.users--;
        use.lastUsed = now();
        closeWhenUnused(use);
      },
    };
  };
}
