import type { Server } from 'node:http';

/**
 * Every simulated host gets its own address in 127.0.0.0/8 (all of it is loopback on Linux), so kubelets and
 * cAdvisor hosts can all use their real fixed ports. One simulator instance owns the block 127.B.x.y for a
 * second octet B picked at start; a block already taken (another simulator) is detected at bind time.
 */
export interface AddressBlock {
  readonly secondOctet: number;
  /** Address of the i-th simulated node (0-based): 127.B.(1 + i / 250).(1 + i % 250). Up to 25,000 nodes. */
  node(index: number): string;
  /** Address of the i-th standalone cAdvisor host, in the upper part of the block. */
  cadvisorHost(index: number): string;
  /** A human-readable description such as 127.42.1.1 - 127.42.4.250. */
  describeNodes(count: number): string;
}

export function addressBlock(secondOctet: number): AddressBlock {
  if (!(secondOctet >= 1 && secondOctet <= 254)) throw new Error(`second octet out of range: ${secondOctet}`);
  const at = (base: number, index: number): string =>
    `127.${secondOctet}.${base + Math.floor(index / 250)}.${1 + (index % 250)}`;
  return {
    secondOctet,
    node: (index) => {
      if (index >= 25_000) throw new Error('at most 25,000 simulated nodes fit in one address block');
      return at(1, index);
    },
    cadvisorHost: (index) => {
      if (index >= 2_500) throw new Error('at most 2,500 simulated cAdvisor hosts fit in one address block');
      return at(245, index);
    },
    describeNodes: (count) => (count === 0 ? '(none)' : `${at(1, 0)} - ${at(1, count - 1)}`),
  };
}

/** Listens and resolves with the bound port, or rejects with the bind error (EADDRINUSE and friends). */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Closes a server and every connection it holds (a hanging response included). */
export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
