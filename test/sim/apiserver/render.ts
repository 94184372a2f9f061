import type { ServerResponse } from 'node:http';
import type { Page } from './paging.js';
import type { ApiResource } from './resources.js';
import { groupVersion } from './resources.js';
import type { StoredObject } from './store.js';
import { TABLE_PRINTERS } from './tables.js';
import type { ChangeType } from './types.js';

/** Responses are assembled from each object's cached JSON; nothing already stored is stringified again. */

const viewCaches = new WeakMap<ApiResource, WeakMap<StoredObject, string>>();

/** The object's JSON as `resource` serves it (converted and cached for views such as events.k8s.io/v1). */
export function objectJson(resource: ApiResource, stored: StoredObject): string {
  if (resource.view === undefined) return stored.json;
  let cache = viewCaches.get(resource);
  if (cache === undefined) {
    cache = new WeakMap();
    viewCaches.set(resource, cache);
  }
  let json = cache.get(stored);
  if (json === undefined) {
    json = JSON.stringify(resource.view(stored.object));
    cache.set(stored, json);
  }
  return json;
}

export function watchLine(type: ChangeType, objectJsonText: string): string {
  return `{"type":"${type}","object":${objectJsonText}}\n`;
}

export function bookmarkLine(
  resource: ApiResource,
  resourceVersion: number,
  initialEventsEnd = false,
): string {
  const metadata: Record<string, unknown> = { resourceVersion: String(resourceVersion) };
  if (initialEventsEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
  const object = { kind: resource.kind, apiVersion: groupVersion(resource), metadata };
  return `{"type":"BOOKMARK","object":${JSON.stringify(object)}}\n`;
}

function listMetadata(page: Page): string {
  const metadata: Record<string, unknown> = { resourceVersion: String(page.resourceVersion) };
  if (page.continueToken !== undefined) metadata.continue = page.continueToken;
  if (page.remainingItemCount !== undefined) metadata.remainingItemCount = page.remainingItemCount;
  return JSON.stringify(metadata);
}

const CHUNK_ITEMS = 1000;

/** Sends a JSON list; large ones go out in chunks, waiting for the socket to drain between them. */
export function sendList(res: ServerResponse, resource: ApiResource, page: Page): void {
  const head =
    `{"kind":"${resource.kind}List","apiVersion":"${groupVersion(resource)}",` +
    `"metadata":${listMetadata(page)},"items":[`;
  const items = page.items;
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-cache, private' };
  if (items.length <= CHUNK_ITEMS) {
    const body = head + items.map((s) => objectJson(resource, s)).join(',') + ']}';
    res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(200, headers);
  res.write(head);
  let offset = 0;
  const pump = (): void => {
    while (offset < items.length) {
      const end = Math.min(offset + CHUNK_ITEMS, items.length);
      const chunk =
        (offset === 0 ? '' : ',') +
        items
          .slice(offset, end)
          .map((s) => objectJson(resource, s))
          .join(',');
      offset = end;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end(']}');
  };
  res.once('close', () => (offset = items.length));
  pump();
}

/** The whole list body as one string, for answers that a fault is going to bend. */
export function renderList(resource: ApiResource, page: Page): string {
  const items = page.items.map((s) => objectJson(resource, s)).join(',');
  return `{"kind":"${resource.kind}List","apiVersion":"${groupVersion(resource)}","metadata":${listMetadata(page)},"items":[${items}]}`;
}

export const INCLUDE_OBJECT = ['None', 'Metadata', 'Object'] as const;
export type IncludeObject = (typeof INCLUDE_OBJECT)[number];

export interface TableOptions {
  /** meta.k8s.io version the client asked for. */
  version: 'v1' | 'v1beta1';
  includeObject: IncludeObject;
  now: number;
}

function tableRow(resource: ApiResource, stored: StoredObject, options: TableOptions): string {
  const row = TABLE_PRINTERS[resource.store].row(stored.object, options.now);
  let object = '';
  if (options.includeObject === 'Object') object = `,"object":${objectJson(resource, stored)}`;
  else if (options.includeObject === 'Metadata') {
    object =
      `,"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",` +
      `"metadata":${JSON.stringify(stored.object.metadata)}}`;
  }
  const conditions = row.conditions === undefined ? '' : `,"conditions":${JSON.stringify(row.conditions)}`;
  return `{"cells":${JSON.stringify(row.cells)}${conditions}${object}}`;
}

/** A meta.k8s.io Table of the page, rows computed from the stored (core) objects. */
export function renderTable(resource: ApiResource, page: Page, options: TableOptions): string {
  const rows = page.items.map((stored) => tableRow(resource, stored, options));
  return (
    `{"kind":"Table","apiVersion":"meta.k8s.io/${options.version}","metadata":${listMetadata(page)},` +
    `"columnDefinitions":${JSON.stringify(TABLE_PRINTERS[resource.store].columns)},"rows":[${rows.join(',')}]}`
  );
}

/** How a watch writes each object: as stored, or (`kubectl get -w`) as a one-row Table. */
export type WatchObjectEncoder = (stored: StoredObject) => string;

export function jsonWatchEncoder(resource: ApiResource): WatchObjectEncoder {
  return (stored) => objectJson(resource, stored);
}

/** One-row Tables; like the real server, only the first carries the column definitions. */
export function tableWatchEncoder(
  resource: ApiResource,
  options: Omit<TableOptions, 'now'>,
  now: () => number,
) {
  let headers = JSON.stringify(TABLE_PRINTERS[resource.store].columns);
  return (stored: StoredObject): string => {
    const table =
      `{"kind":"Table","apiVersion":"meta.k8s.io/${options.version}",` +
      `"metadata":{"resourceVersion":"${stored.resourceVersion}"},"columnDefinitions":${headers},` +
      `"rows":[${tableRow(resource, stored, { ...options, now: now() })}]}`;
    headers = 'null';
    return table;
  };
}

/**
 * Which Table version the Accept header asks for, if any: kubectl sends
 * `application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json`.
 */
export function acceptedTableVersion(accept: string | undefined): 'v1' | 'v1beta1' | undefined {
  for (const mediaType of (accept ?? '').split(',')) {
    const [type, ...params] = mediaType.split(';').map((p) => p.trim());
    const values = Object.fromEntries(params.map((p) => p.split('=', 2).map((s) => s.trim())));
    if (type !== 'application/json' && type !== '*/*') continue;
    if (values.as === undefined) return undefined; // plain JSON comes first: the client prefers it
    if (
      values.as === 'Table' &&
      values.g === 'meta.k8s.io' &&
      (values.v === 'v1' || values.v === 'v1beta1')
    ) {
      return values.v;
    }
  }
  return undefined;
}
