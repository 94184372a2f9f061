import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** What the fake server does with the next request; `undefined` means: behave like InfluxDB. */
export type FakeAnswer =
  { status: number; body?: string; headers?: Record<string, string> } | { delayMs: number } | undefined;

export interface FakeRequest {
  path: string;
  gzip: boolean;
  authorization: string | undefined;
  lines: string[];
  at: number;
}

/**
 * A loopback stand-in for InfluxDB's write endpoints (/write and /api/v2/write) and /ping, /query, for the
 * unit tests of the write path: it stores accepted lines, refuses a request with 400 when a line contains
 * BAD (as 2.x does), and answers faults from a script.
 */
export interface FakeInfluxdb {
  readonly url: string;
  readonly requests: FakeRequest[];
  readonly stored: string[];
  readonly queries: string[];
  /** Answers for the coming write requests, in order. */
  script: FakeAnswer[];
  version: string | undefined;
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startFakeInfluxdb(): Promise<FakeInfluxdb> {
  const fake: Omit<FakeInfluxdb, 'url' | 'close'> = {
    requests: [],
    stored: [],
    queries: [],
    script: [],
    version: '1.6.7',
    inFlight: 0,
    maxInFlight: 0,
  };
  const server: Server = createServer((req, res) => void handle(req, res));
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const gzip = req.headers['content-encoding'] === 'gzip';
    const body = (gzip ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks)).toString('utf8');
    const path = req.url ?? '';
    if (path.startsWith('/ping')) {
      res.writeHead(204, fake.version === undefined ? {} : { 'X-Influxdb-Version': fake.version }).end();
      return;
    }
    if (path.startsWith('/query')) {
      fake.queries.push(new URLSearchParams(body).get('q') ?? '');
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end('{"results":[{"statement_id":0},{"statement_id":1}]}');
      return;
    }
    const lines = body.split('\n').filter((l) => l !== '');
    fake.requests.push({ path, gzip, authorization: req.headers.authorization, lines, at: Date.now() });
    fake.inFlight++;
    fake.maxInFlight = Math.max(fake.maxInFlight, fake.inFlight);
    try {
      const answer = fake.script.shift();
      if (answer !== undefined && 'delayMs' in answer) {
        // A client that gives up closes the connection: stop waiting then, so the request ends here too.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, answer.delayMs);
          res.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (res.destroyed) return;
      } else if (answer !== undefined) {
        res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.body ?? `{"error":"scripted ${answer.status}"}`);
        return;
      }
      const bad = lines.find((l) => l.includes('BAD'));
      if (bad !== undefined) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: `unable to parse '${bad}': invalid field format` }));
        return;
      }
      fake.stored.push(...lines);
      res.writeHead(204).end();
    } finally {
      fake.inFlight--;
    }
  };
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
