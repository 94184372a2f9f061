import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Loopback {
  readonly url: string;
  readonly requests: string[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 at a port the OS picks; records each request's path and query. */
export async function loopback(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Loopback> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
