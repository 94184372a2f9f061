import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { request as httpsRequest } from 'node:https';

/** How a watch request ended before or instead of streaming. */
export class WatchHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`watch answered HTTP ${status}: ${body.slice(0, 300)}`);
    this.name = 'WatchHttpError';
  }
}

export interface WatchRequest {
  url: URL;
  agent: HttpAgent | HttpsAgent;
  headers: Record<string, string>;
  signal: AbortSignal;
  /** A line longer than this is an error (a watch event is an object of at most a few hundred KiB). */
  maxLineBytes: number;
}

/**
 * The lines of a streaming GET (a Kubernetes watch: one JSON object per line), as they arrive. Ends when the
 * server closes the stream; throws WatchHttpError for a non-200 answer and the abort reason when aborted.
 */
export async function* watchLines(req: WatchRequest): AsyncGenerator<string> {
  const res = await open(req);
  if (res.statusCode !== 200) {
    const chunks: Buffer[] = [];
    for await (const chunk of res) {
      chunks.push(chunk as Buffer);
      if (chunks.length > 16) break;
    }
    res.destroy();
    throw new WatchHttpError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'));
  }
  let pending = '';
  try {
    for await (const chunk of res) {
      pending += (chunk as Buffer).toString('utf8');
      let newline: number;
      while ((newline = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== '') yield line;
      }
      if (pending.length > req.maxLineBytes)
        throw new Error(`a watch line is over ${req.maxLineBytes} bytes`);
    }
    if (req.signal.aborted) throw req.signal.reason;
    if (pending.trim() !== '') yield pending.trim();
  } finally {
    res.destroy();
  }
}

function open(req: WatchRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const r = request(
      req.url,
      {
        method: 'GET',
        agent: req.agent,
        headers: { accept: 'application/json', ...req.headers },
        signal: req.signal,
      },
      resolve,
    );
    r.on('error', reject);
    r.end();
  });
}
