import { isIP } from 'node:net';

/** A host of Heapster's hosts file. */
export interface ExternalHost {
  readonly name: string;
  readonly ip: string;
}

export type HostsFileOutcome =
  | { readonly ok: true; readonly hosts: readonly ExternalHost[] }
  | { readonly ok: false; readonly error: string };

export const HOSTS_FILE_SHAPE = '{"Items":[{"Name":"server-105","IP":"192.168.99.105"}]}';

/** Go's encoding/json matches field names without regard to case: "Items", "items" and "ITEMS" all work. */
function field(obj: Readonly<Record<string, unknown>>, name: string): unknown {
  if (name in obj) return obj[name];
  const key = Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : obj[key];
}

const isObject = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Heapster's hosts file: {"Items":[{"Name":..., "IP":...}]}. Every problem names where it is and shows the
 * expected shape, so that a broken file is fixed from the message alone.
 */
export function parseHostsFile(text: string, where: string): HostsFileOutcome {
  const fail = (problem: string): HostsFileOutcome => ({
    ok: false,
    error: `hosts file ${where}: ${problem}; expected Heapster's JSON like ${HOSTS_FILE_SHAPE}`,
  });
  if (text.trim() === '') return fail('it is empty');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return fail(`not JSON (${(err as Error).message})`);
  }
  if (!isObject(raw))
    return fail(`the top level is ${Array.isArray(raw) ? 'an array' : typeof raw}, not an object`);
  const items = field(raw, 'Items');
  if (items === undefined) return fail('there is no "Items" list');
  if (!Array.isArray(items)) return fail('"Items" is not a list');
  if (items.length === 0) return fail('"Items" lists no hosts');
  const hosts: ExternalHost[] = [];
  const names = new Set<string>();
  for (const [i, item] of items.entries()) {
    if (!isObject(item)) return fail(`Items[${i}] is not an object`);
    const name = field(item, 'Name');
    const ip = field(item, 'IP');
    if (typeof name !== 'string' || name.trim() === '') return fail(`Items[${i}] has no "Name"`);
    if (typeof ip !== 'string' || isIP(ip.trim()) === 0)
      return fail(
        `Items[${i}] ("${name}") has no "IP" address${typeof ip === 'string' ? ` ("${ip}" is not one)` : ''}`,
      );
    if (names.has(name)) return fail(`"${name}" is listed twice`);
    names.add(name);
    hosts.push({ name: name.trim(), ip: ip.trim() });
  }
  return { ok: true, hosts };
}
