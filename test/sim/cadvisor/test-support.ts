import { connect } from 'node:net';
import { startCadvisorFleet, type CadvisorFleet, type CadvisorFleetOptions } from './index.js';

/** Starts a fleet in a random 127.B block (B in 100..199), trying another block when one is taken. */
export async function startOnFreeBlock(
  options: Omit<CadvisorFleetOptions, 'secondOctet'>,
): Promise<CadvisorFleet> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const secondOctet = 100 + Math.floor(Math.random() * 100);
    try {
      return await startCadvisorFleet({ ...options, secondOctet });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  throw new Error('no free 127.B address block found for the simulated cAdvisor hosts');
}

/** Nanoseconds since the epoch of an RFC 3339 time, as a bigint (so no precision is lost). */
export function epochNanos(time: string): bigint {
  const m = /^(.*?)(?:\.(\d{1,9}))?Z$/.exec(time);
  if (m === null) throw new Error(`not a UTC RFC 3339 time: ${time}`);
  const wholeMs = Date.parse(`${m[1]}Z`);
  return BigInt(wholeMs) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

export async function getJson<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Opens (and closes) a TCP connection: 'connected', or the error code such as ECONNREFUSED. */
export function tcpProbe(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}
