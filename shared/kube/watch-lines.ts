import { StringDecoder } from 'node:string_decoder';
import type { Dispatcher } from 'undici';

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
  /** The run's undici Agent (see connect.ts). */
  dispatcher: Dispatcher;
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
  const res = await req.dispatcher.request({
    origin: req.url.origin,
    path: req.url.pathname + req.url.search,
    method: 'GET',
    headers: { accept: 'application/json', ...req.headers },
    signal: req.signal,
    // A watch is quiet for as long as nothing changes; the caller's signal (and the server) end it.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const body = res.body;
  // A character whose bytes straddle two chunks is kept whole (undici's setEncoding decodes chunk by chunk).
  const decoder = new StringDecoder('utf8');
  try {
    if (res.statusCode !== 200) {
      let text = '';
      let count = 0;
      for await (const chunk of body) {
        text += decoder.write(chunk as Buffer);
        if (++count > 16) break;
      }
      throw new WatchHttpError(res.statusCode, text + decoder.end());
    }
    let pending = '';
    for await (const chunk of body) {
      pending += decoder.write(chunk as Buffer);
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
    pending += decoder.end();
    if (pending.trim() !== '') yield pending.trim();
  } catch (err) {
    // However undici surfaced it (a destroyed body, an error of its own), an abort ends with its reason.
    if (req.signal.aborted) throw req.signal.reason;
    throw err;
  } finally {
    body.destroy();
  }
}
