import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { answerJson, sendJson, type Fault } from '../faults.js';
import { RestartableServer } from '../restartable.js';

/** A machine as fleet's API v1 lists it: id is the host's systemd machine-id. */
export interface FleetMachine {
  id: string;
  primaryIP: string;
  metadata: Record<string, string>;
}

/** fleet's page token: an opaque base64url of the page number and size. */
interface PageToken {
  Limit: number;
  Page: number;
}

export function encodePageToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodePageToken(text: string): PageToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<PageToken>;
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0;
    return ok(t.Limit) && ok(t.Page) ? { Limit: t.Limit, Page: t.Page } : undefined;
  } catch {
    return undefined;
  }
}

/** fleet's error entity: {"error":{"code":..., "message":...}}. */
function sendError(
  res: ServerResponse,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ error: { code, message } });
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** A fleet API endpoint on 127.0.0.1 serving GET /fleet/v1/machines, paginated, with faults of its own. */
export class FleetEndpoint {
  private readonly socket = new RestartableServer(
    () => createServer((req, res) => this.handle(req, res)),
    '127.0.0.1',
    0,
  );
  private fault: Fault | undefined;

  constructor(
    private readonly machines: () => FleetMachine[],
    private readonly pageSize: number,
  ) {}

  /** Base URL, as a fleet client takes it (the API lives under /fleet/v1/). */
  get url(): string {
    return `http://127.0.0.1:${this.socket.port}`;
  }

  start(): Promise<void> {
    return this.socket.start();
  }

  stop(): Promise<void> {
    return this.socket.stop();
  }

  /** `unreachable` closes the port; clearing it listens again on the same port. */
  async setFault(fault: Fault | undefined): Promise<void> {
    this.fault = fault;
    if (fault?.kind === 'unreachable') await this.stop();
    else await this.start();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname !== '/fleet/v1/machines')
      return sendError(res, 404, `resource ${url.pathname} not found`);
    if (req.method !== 'GET') return sendError(res, 405, 'only GET is supported', { allow: 'GET' });
    const fault = this.fault;
    if (fault?.kind === 'status') {
      const extra: Record<string, string> =
        fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
      return sendError(res, fault.code, `simulated failure: HTTP ${fault.code}`, extra);
    }
    const tokenText = url.searchParams.get('nextPageToken');
    const token = tokenText === null ? { Limit: this.pageSize, Page: 1 } : decodePageToken(tokenText);
    if (token === undefined) return sendError(res, 400, 'invalid value of nextPageToken query parameter');
    const all = this.machines();
    const page = all.slice((token.Page - 1) * token.Limit, token.Page * token.Limit);
    const next =
      token.Page * token.Limit < all.length ? { Limit: token.Limit, Page: token.Page + 1 } : undefined;
    const body = (machines: unknown[]): string =>
      JSON.stringify({ machines, ...(next !== undefined ? { nextPageToken: encodePageToken(next) } : {}) });
    if (fault === undefined) return sendJson(res, 200, body(page));
    answerJson(
      req,
      res,
      {
        render: () => body(page),
        // Some machines without their address and none with metadata.
        renderMissingFields: () =>
          body(page.map((m, i) => (i % 2 === 0 ? { id: m.id } : { id: m.id, primaryIP: m.primaryIP }))),
      },
      fault,
    );
  }
}
