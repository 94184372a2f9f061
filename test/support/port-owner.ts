import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Whether process `pid` holds the listening TCP socket on `port` (any local address, IPv4 or IPv6): the
 * kernel's socket tables name the socket's inode, and the process's file descriptors name the inodes it holds.
 * A readiness probe answered by somebody else's server on a reused port is the failure this guards against.
 * Answers undefined where /proc is not available (not Linux): the caller then relies on weaker checks.
 */
export function listensOn(pid: number, port: number): boolean | undefined {
  const tables = ['/proc/net/tcp', '/proc/net/tcp6'].filter((p) => existsSync(p));
  if (tables.length === 0) return undefined;
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of tables) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const state = fields[3];
      const inode = fields[9];
      if (local === undefined || inode === undefined) continue;
      if (state === '0A' && local.endsWith(`:${hexPort}`)) inodes.add(inode);
    }
  }
  if (inodes.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match !== null && inodes.has(match[1] as string)) return true;
  }
  return false;
}
