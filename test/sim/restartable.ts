import type { Server } from 'node:http';
import { close, listen } from './loopback.js';

/**
 * A simulated host's listening socket that faults can take down and bring back ("unreachable"): starts and
 * stops run one after another, so overlapping fault changes never bind twice. A server started on port 0 keeps
 * the port it got, so it comes back at the same address after an outage.
 */
export class RestartableServer {
  private server: Server | undefined;
  private transition: Promise<void> = Promise.resolve();

  constructor(
    private readonly create: () => Server,
    readonly host: string,
    private boundPort: number,
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  get port(): number {
    return this.boundPort;
  }

  start(): Promise<void> {
    return this.enqueue(async () => {
      if (this.server !== undefined) return;
      const server = this.create();
      this.boundPort = await listen(server, this.host, this.boundPort);
      this.server = server;
    });
  }

  stop(): Promise<void> {
    return this.enqueue(async () => {
      const server = this.server;
      this.server = undefined;
      if (server !== undefined) await close(server);
    });
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.transition.then(step);
    this.transition = next.catch(() => undefined);
    return next;
  }
}
