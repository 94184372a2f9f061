import type { ServerResponse } from 'node:http';
import type { Status } from './types.js';

/** The reason the real server gives with each status code it uses. */
const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'AlreadyExists',
  410: 'Expired',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export function reasonFor(code: number): string {
  return REASONS[code] ?? (code >= 500 ? 'InternalError' : 'Unknown');
}

export function status(
  code: number,
  message: string,
  details?: Status['details'],
  reason = reasonFor(code),
): Status {
  const body: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  };
  if (details !== undefined) body.details = details;
  return body;
}

/** The real server's answer for an object that does not exist: `pods "x" not found`. */
export function notFound(resource: string, name: string, group = ''): Status {
  const details: Status['details'] =
    group === '' ? { name, kind: resource } : { name, group, kind: resource };
  return status(404, `${group === '' ? resource : `${resource}.${group}`} "${name}" not found`, details);
}

export function pathNotFound(): Status {
  return status(404, 'the server could not find the requested resource', {});
}

export function sendStatus(res: ServerResponse, body: Status, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(body.code, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
