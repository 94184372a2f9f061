import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerJson } from '../faults.js';
import type { Fault } from '../faults.js';
import type { ListPager, Page } from './paging.js';
import type { ApiResource, ServedStores } from './resources.js';
import {
  acceptedTableVersion,
  INCLUDE_OBJECT,
  jsonWatchEncoder,
  objectJson,
  renderList,
  renderTable,
  sendList,
  tableWatchEncoder,
} from './render.js';
import type { IncludeObject } from './render.js';
import {
  compileFieldSelector,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  SelectorError,
} from './selectors.js';
import { notFound, sendStatus, status } from './status.js';
import type { IndexedValue } from './store.js';
import type { KubeObject } from './types.js';
import { serveWatch } from './watch.js';
import type { WatchCloser } from './watch.js';

/** What resource requests need from the server around them. */
export interface ResourceContext {
  stores: ServedStores;
  pager: ListPager;
  now: () => number;
  bookmarkIntervalMs: number;
  defaultWatchTimeoutMs: number;
  openWatches: Set<WatchCloser>;
  /** A fault bending every get/list/watch answer, when set. */
  fault: Fault | undefined;
}

export interface ResourceTarget {
  resource: ApiResource;
  namespace: string | undefined;
  name: string | undefined;
  watchPath: boolean;
}

class BadRequest extends Error {}

const TRUE_VALUES = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

/** Whether the request is a watch: the /watch/ path form, or watch=true (any spelling Go's ParseBool takes). */
export function isWatch(target: Pick<ResourceTarget, 'watchPath'>, query: URLSearchParams): boolean {
  return target.watchPath || TRUE_VALUES.has(query.get('watch') ?? '');
}

/** GET of one object, a list, or a watch. */
export function serveResource(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: ResourceTarget,
  query: URLSearchParams,
): void {
  try {
    if (isWatch(target, query)) return startWatch(ctx, req, res, target, query);
    if (target.name !== undefined) return getObject(ctx, req, res, target);
    return listObjects(ctx, req, res, target, query);
  } catch (err) {
    if (err instanceof SelectorError || err instanceof BadRequest)
      return sendStatus(res, status(400, err.message));
    throw err;
  }
}

function getObject(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: ResourceTarget,
): void {
  const { resource, name } = target;
  const stored = ctx.stores[resource.store].get(target.namespace ?? '', name!);
  if (stored === undefined) return sendStatus(res, notFound(resource.name, name!, resource.group));
  const body = objectJson(resource, stored);
  answerJson(req, res, { render: () => body, renderMissingFields: () => body }, ctx.fault);
}

function selection(target: ResourceTarget, query: URLSearchParams): (object: KubeObject) => boolean {
  const labels = parseLabelSelector(query.get('labelSelector') ?? '');
  const fields = compileFieldSelector(
    parseFieldSelector(query.get('fieldSelector') ?? ''),
    target.resource.fieldLabels,
  );
  const { namespace, name } = target;
  return (object) =>
    (namespace === undefined || object.metadata.namespace === namespace) &&
    (name === undefined || object.metadata.name === name) &&
    matchesLabels(labels, object.metadata.labels) &&
    fields(object);
}

/** An equality on the store's indexed field in the field selector, which narrows the list to the index's hits. */
function indexedValue(field: string | undefined, query: URLSearchParams): IndexedValue | undefined {
  if (field === undefined) return undefined;
  const found = parseFieldSelector(query.get('fieldSelector') ?? '').find(
    (r) => r.field === field && r.operator === '=',
  );
  return found === undefined ? undefined : { field, value: found.value };
}

function integerParam(query: URLSearchParams, param: string): number | undefined {
  const text = query.get(param);
  if (text === null || text === '') return undefined;
  if (!/^-?\d+$/.test(text)) throw new BadRequest(`${param}: Invalid value: "${text}": must be an integer`);
  return Number(text);
}

function listObjects(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: ResourceTarget,
  query: URLSearchParams,
): void {
  const { resource } = target;
  const matches = selection(target, query);
  const limit = integerParam(query, 'limit');
  const continueToken = query.get('continue') ?? '';
  const scope = `${resource.group}/${resource.name}/${target.namespace ?? ''}`;
  let page: Page;
  if (continueToken !== '') {
    if ((query.get('resourceVersion') ?? '') !== '') {
      throw new BadRequest('specifying resource version is not allowed when using continue');
    }
    const resumed = ctx.pager.resume(scope, continueToken, limit);
    if ('failure' in resumed) {
      return sendStatus(
        res,
        resumed.failure === 'expired' ? status(410, resumed.message) : status(400, resumed.message),
      );
    }
    page = resumed;
  } else {
    // Every list is served from the latest state. "0" means "from the watch cache", which (before 1.33)
    // ignores limit and answers everything in one page.
    const fromCache = integerParam(query, 'resourceVersion') === 0;
    const store = ctx.stores[resource.store];
    const listed = store.list(target.namespace, matches, indexedValue(store.indexedField, query));
    // With a selector the server cannot know how many items remain, so it leaves the count out.
    const selective = (query.get('labelSelector') ?? '') !== '' || (query.get('fieldSelector') ?? '') !== '';
    page = ctx.pager.first(
      scope,
      listed.resourceVersion,
      listed.items,
      fromCache ? undefined : limit,
      !selective,
    );
  }
  const tableVersion = acceptedTableVersion(req.headers.accept);
  if (tableVersion !== undefined) {
    const includeObject = includeObjectParam(query);
    const body = renderTable(resource, page, { version: tableVersion, includeObject, now: ctx.now() });
    return answerJson(req, res, { render: () => body, renderMissingFields: () => body }, ctx.fault);
  }
  if (ctx.fault === undefined) return sendList(res, resource, page);
  const body = renderList(resource, page);
  answerJson(req, res, { render: () => body, renderMissingFields: () => body }, ctx.fault);
}

function includeObjectParam(query: URLSearchParams): IncludeObject {
  const includeObject = (query.get('includeObject') ?? 'Metadata') as IncludeObject;
  if (!INCLUDE_OBJECT.includes(includeObject)) {
    throw new BadRequest(`includeObject: Unsupported value: "${includeObject}"`);
  }
  return includeObject;
}

function startWatch(
  ctx: ResourceContext,
  req: IncomingMessage,
  res: ServerResponse,
  target: ResourceTarget,
  query: URLSearchParams,
): void {
  const matches = selection(target, query);
  const rvText = query.get('resourceVersion') ?? '';
  if (rvText !== '' && !/^\d+$/.test(rvText)) {
    throw new BadRequest(`resourceVersion: Invalid value: "${rvText}": must be a non-negative integer`);
  }
  const sendInitialEvents = TRUE_VALUES.has(query.get('sendInitialEvents') ?? '');
  const fromResourceVersion =
    rvText === '' || rvText === '0' || sendInitialEvents ? undefined : Number(rvText);
  const timeoutSeconds = integerParam(query, 'timeoutSeconds');
  const store = ctx.stores[target.resource.store];
  const tableVersion = acceptedTableVersion(req.headers.accept);
  const encode =
    tableVersion === undefined
      ? jsonWatchEncoder(target.resource)
      : tableWatchEncoder(
          target.resource,
          { version: tableVersion, includeObject: includeObjectParam(query) },
          ctx.now,
        );
  serveWatch(
    res,
    {
      resource: target.resource,
      store,
      fromResourceVersion,
      matches,
      bookmarks: TRUE_VALUES.has(query.get('allowWatchBookmarks') ?? ''),
      bookmarkIntervalMs: ctx.bookmarkIntervalMs,
      initialEventsEnd: sendInitialEvents,
      encode,
      timeoutMs:
        timeoutSeconds !== undefined && timeoutSeconds > 0
          ? timeoutSeconds * 1000
          : ctx.defaultWatchTimeoutMs,
    },
    ctx.openWatches,
  );
}
