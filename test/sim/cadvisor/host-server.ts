import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { SimClock } from '../clock.js';
import { answerJson, type Fault } from '../faults.js';
import { RestartableServer } from '../restartable.js';
import { answerApi, type ApiReply } from './host-api.js';
import type { HostModel } from './model.js';

const MAX_BODY = 1024 * 1024;

function sendText(res: ServerResponse, status: number, body: string): void {
  // What Go's http.Error writes.
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

function deliver(req: IncomingMessage, res: ServerResponse, reply: ApiReply, fault: Fault | undefined): void {
  if (reply.kind === 'json') return answerJson(req, res, reply.payload, fault);
  if (fault === undefined || fault.kind === 'missing-fields') return sendText(res, reply.status, reply.body);
  if (fault.kind === 'slow') {
    const timer = setTimeout(() => sendText(res, reply.status, reply.body), fault.delayMs);
    req.socket.once('close', () => clearTimeout(timer));
    return;
  }
  answerJson(req, res, { render: () => reply.body, renderMissingFields: () => reply.body }, fault);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** One simulated cAdvisor: an HTTP server on the host's own loopback address, stoppable and restartable. */
export class CadvisorHostServer {
  private readonly socket: RestartableServer;

  constructor(
    readonly host: HostModel,
    private readonly clock: SimClock,
    private readonly faultOf: () => Fault | undefined,
  ) {
    this.socket = new RestartableServer(
      () => {
        const server = createServer((req, res) => this.handle(req, res));
        server.keepAliveTimeout = 30_000;
        return server;
      },
      host.ip,
      host.port,
    );
  }

  get listening(): boolean {
    return this.socket.listening;
  }

  async start(): Promise<void> {
    await this.socket.start();
    this.host.port = this.socket.port;
  }

  stop(): Promise<void> {
    return this.socket.stop();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const fault = this.faultOf();
    readBody(req).then(
      (body) => {
        const url = new URL(req.url ?? '/', `http://${this.host.ip}:${this.host.port}`);
        let reply: ApiReply;
        try {
          reply = answerApi(this.host, url, body, this.clock.now());
        } catch (err) {
          reply = { kind: 'text', status: 500, body: `simulator error: ${(err as Error).message}\n` };
        }
        deliver(req, res, reply, fault);
      },
      () => req.socket.destroy(),
    );
  }
}
