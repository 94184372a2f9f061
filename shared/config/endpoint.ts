/**
 * The `endpoint=HOST:PORT` option of the Google sinks (a regional or Private Service Connect endpoint, or a
 * local stand-in): plain text is allowed only to this machine.
 */

/** HOST:PORT, with IPv6 hosts in brackets; undefined when malformed. */
export function splitEndpoint(endpoint: string): { host: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(endpoint);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
}

/** Plain text only to this machine: 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
