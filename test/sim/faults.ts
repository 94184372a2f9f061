import type { IncomingMessage, ServerResponse } from 'node:http';

/** What a simulated host can do wrong, per host or for all of them. */
export type Fault =
  /** Answers correctly, after a delay. */
  | { kind: 'slow'; delayMs: number }
  /** Accepts the request and never answers. */
  | { kind: 'hang' }
  /** Answers with this HTTP status and a short text body. */
  | { kind: 'status'; code: number; retryAfterSeconds?: number }
  /** Closes the connection without an answer. */
  | { kind: 'reset' }
  /** Promises the whole body in Content-Length, sends half of it, then closes. */
  | { kind: 'truncated' }
  /** A 200 whose body is not valid JSON. */
  | { kind: 'malformed' }
  /** A valid payload with some stats left out (which ones is up to the host). */
  | { kind: 'missing-fields' }
  /** A valid JSON body of about this many bytes, streamed in chunks. */
  | { kind: 'huge'; bytes: number }
  /** Listed, but nothing listens on its address. */
  | { kind: 'unreachable' };

export const FAULT_KINDS = [
  'slow',
  'hang',
  'status',
  'reset',
  'truncated',
  'malformed',
  'missing-fields',
  'huge',
  'unreachable',
] as const satisfies readonly Fault['kind'][];

/** Parses the CLI/HTTP form of a fault: `slow:2000`, `status:503`, `huge:67108864`, `hang`, ... */
export function parseFault(text: string): Fault {
  const [kind, arg] = text.split(':', 2) as [string, string | undefined];
  const num = (fallback: number): number => {
    const n = arg === undefined ? fallback : Number(arg);
    if (!Number.isFinite(n) || n < 0) throw new Error(`fault ${text}: "${arg}" is not a non-negative number`);
    return n;
  };
  switch (kind) {
    case 'slow':
      return { kind, delayMs: num(5000) };
    case 'status':
      return { kind, code: num(500) };
    case 'huge':
      return { kind, bytes: num(64 * 1024 * 1024) };
    case 'hang':
    case 'reset':
    case 'truncated':
    case 'malformed':
    case 'missing-fields':
    case 'unreachable':
      return { kind };
    default:
      throw new Error(`unknown fault "${kind}"; one of ${FAULT_KINDS.join(', ')}`);
  }
}

export interface Payload {
  /** The correct JSON body. */
  render(): string;
  /** The body with some fields left out, for the missing-fields fault. */
  renderMissingFields(): string;
}

/**
 * Writes a JSON answer to `res`, bent by `fault` when there is one. `unreachable` is the host's business
 * (it does not listen at all); here it behaves like `reset`.
 */
export function answerJson(req: IncomingMessage, res: ServerResponse, payload: Payload, fault?: Fault): void {
  if (fault === undefined) return sendJson(res, 200, payload.render());
  switch (fault.kind) {
    case 'slow': {
      const timer = setTimeout(() => sendJson(res, 200, payload.render()), fault.delayMs);
      req.socket.once('close', () => clearTimeout(timer));
      return;
    }
    case 'hang':
      return; // the server's close() destroys the socket
    case 'status': {
      const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      res.writeHead(fault.code, headers);
      res.end(`simulated failure: HTTP ${fault.code}\n`);
      return;
    }
    case 'reset':
    case 'unreachable':
      req.socket.destroy();
      return;
    case 'truncated': {
      const body = Buffer.from(payload.render());
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
      return;
    }
    case 'malformed': {
      // A JSON prefix followed by markup can never parse, wherever the cut falls (inside a string it leaves
      // the string unterminated): what a misbehaving proxy in front of the host might send.
      const body = payload.render();
      return sendJson(
        res,
        200,
        body.slice(0, Math.floor(body.length / 3)) + '<html><body>502 Bad Gateway</body></html>',
      );
    }
    case 'missing-fields':
      return sendJson(res, 200, payload.renderMissingFields());
    case 'huge':
      return streamHuge(res, fault.bytes);
  }
}

export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** A valid JSON object of about `bytes` bytes, sent without Content-Length so only reading it tells its size. */
function streamHuge(res: ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = '"' + 'x'.repeat(64 * 1024 - 3) + '",';
  let sent = 0;
  res.write('{"padding":[');
  const pump = (): void => {
    while (sent < bytes) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end('""]}');
  };
  res.on('close', () => (sent = bytes));
  pump();
}
