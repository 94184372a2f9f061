import { randomUUID } from 'node:crypto';
import { k8sTime } from '../clock.js';
import type { ChangeType, KubeObject } from './types.js';

/** The cluster-wide resourceVersion counter: one sequence shared by every resource, like etcd's revision. */
export interface Versioner {
  current(): number;
  next(): number;
}

export function createVersioner(start = 0): Versioner {
  let rv = start;
  return { current: () => rv, next: () => ++rv };
}

/** An object as stored: never mutated, serialised once. */
export interface StoredObject {
  /** `namespace/name`, or `name` for cluster-scoped resources; the store's sort order. */
  readonly key: string;
  readonly object: KubeObject;
  readonly json: string;
  readonly resourceVersion: number;
}

export interface StoreEvent {
  readonly type: ChangeType;
  readonly stored: StoredObject;
}

export class StoreError extends Error {
  constructor(
    readonly reason: 'AlreadyExists' | 'NotFound' | 'BadRequest',
    message: string,
  ) {
    super(message);
  }
}

export type WatchStart =
  | { readonly ok: true; readonly initial: readonly StoreEvent[]; stop(): void }
  | { readonly ok: false; readonly message: string };

export interface ResourceStore {
  readonly resource: string;
  readonly kind: string;
  readonly apiVersion: string;
  readonly namespaced: boolean;
  readonly size: number;
  get(namespace: string, name: string): StoredObject | undefined;
  /** Stores a new object; throws StoreError AlreadyExists when the name is taken. */
  create(object: KubeObject): KubeObject;
  /** Replaces an existing object; throws StoreError NotFound. uid and creationTimestamp carry over. */
  update(object: KubeObject): KubeObject;
  /** create or update, whichever applies. */
  put(object: KubeObject): KubeObject;
  /** Removes an object; returns its last state (with the deletion's resourceVersion) or undefined. */
  delete(namespace: string, name: string): KubeObject | undefined;
  /**
   * Current objects sorted by key, optionally in one namespace, at the current global resourceVersion. With
   * `indexed` (the store's indexed field equal to a value) only the objects the index names are examined.
   */
  list(namespace?: string, matches?: (object: KubeObject) => boolean, indexed?: IndexedValue): ListResult;
  /** The field path the store keeps an index of (as the API server's watch cache does for pods' spec.nodeName). */
  readonly indexedField: string | undefined;
  /**
   * Subscribes to changes. `fromResourceVersion` undefined starts with a synthetic ADDED per matching object;
   * a number replays the recorded changes after it (expired when older than the history window).
   * `listener` is called synchronously for every later change, filtered like a real watch cache does.
   */
  watch(
    fromResourceVersion: number | undefined,
    matches: (object: KubeObject) => boolean,
    listener: (event: StoreEvent) => void,
  ): WatchStart;
  /** The oldest resourceVersion a watch can still start from. */
  readonly oldestWatchableVersion: number;
  /** The cluster-wide resourceVersion now (the shared Versioner's). */
  currentResourceVersion(): number;
}

export interface IndexedValue {
  readonly field: string;
  readonly value: string;
}

export interface ResourceStoreOptions {
  /** A field to index (path and how to read it): selecting on it costs the matches, not the whole store. */
  index?: { readonly field: string; readonly read: (object: KubeObject) => string };
  resource: string;
  kind: string;
  apiVersion: string;
  namespaced: boolean;
  versioner: Versioner;
  /** Changes kept for watches that start from an older resourceVersion. */
  historyLimit?: number;
  /** Clock for creationTimestamp (the simulated cluster's time). */
  now?: () => number;
}

export interface ListResult {
  readonly resourceVersion: number;
  readonly items: readonly StoredObject[];
}

interface Change {
  readonly type: ChangeType;
  readonly current: StoredObject;
  readonly previous: StoredObject | undefined;
}

interface Watcher {
  readonly matches: (object: KubeObject) => boolean;
  readonly listener: (event: StoreEvent) => void;
}

export const DEFAULT_HISTORY_LIMIT = 10_000;

export function createResourceStore(options: ResourceStoreOptions): ResourceStore {
  const { resource, kind, apiVersion, namespaced, versioner } = options;
  const historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  const now = options.now ?? Date.now;
  const objects = new Map<string, StoredObject>();
  // Keys in list order, brought up to date when a list needs them: keys added since are sorted and merged in
  // then, and removed ones filtered out, so a stream of creations costs no O(n) insertion each (an event store
  // at a thousand new events a second holds hundreds of thousands).
  let sortedKeys: string[] | undefined;
  let addedKeys: string[] = [];
  let removedKeys = 0;
  const history: Change[] = [];
  let historyStart = 0;
  let oldestWatchable = versioner.current();
  const watchers = new Set<Watcher>();
  // The indexed field's values, each with the keys of the objects that have it.
  const index = options.index && { ...options.index, keys: new Map<string, Set<string>>() };
  const unindex = (stored: StoredObject | undefined): void => {
    if (stored === undefined || index === undefined) return;
    const value = index.read(stored.object);
    const keys = index.keys.get(value);
    keys?.delete(stored.key);
    if (keys?.size === 0) index.keys.delete(value);
  };
  const reindex = (stored: StoredObject): void => {
    if (index === undefined) return;
    const value = index.read(stored.object);
    let keys = index.keys.get(value);
    if (keys === undefined) index.keys.set(value, (keys = new Set()));
    keys.add(stored.key);
  };

  const keyOf = (namespace: string | undefined, name: string): string =>
    namespaced ? `${namespace ?? ''}/${name}` : name;

  const seal = (key: string, object: KubeObject): StoredObject => ({
    key,
    object,
    json: JSON.stringify(object),
    resourceVersion: Number(object.metadata.resourceVersion),
  });

  const prepare = (input: KubeObject, rv: number, existing: StoredObject | undefined): KubeObject => {
    const { kind: _kind, apiVersion: _apiVersion, metadata: inputMeta, ...rest } = input;
    const metadata = { ...inputMeta };
    if (typeof metadata.name !== 'string' || metadata.name === '') {
      throw new StoreError('BadRequest', `${resource}: metadata.name is required`);
    }
    if (namespaced && !metadata.namespace) {
      throw new StoreError('BadRequest', `${resource} "${metadata.name}": metadata.namespace is required`);
    }
    if (!namespaced) delete metadata.namespace;
    metadata.uid ??= existing?.object.metadata.uid ?? randomUUID();
    metadata.creationTimestamp ??= existing?.object.metadata.creationTimestamp ?? k8sTime(now());
    metadata.resourceVersion = String(rv);
    return { kind, apiVersion, metadata, ...rest };
  };

  const record = (change: Change): void => {
    history.push(change);
    if (history.length - historyStart > historyLimit) {
      oldestWatchable = history[historyStart]!.current.resourceVersion;
      historyStart++;
      // Compact now and then so the array does not grow without bound.
      if (historyStart > 1024 && historyStart * 2 > history.length) {
        history.splice(0, historyStart);
        historyStart = 0;
      }
    }
    for (const watcher of watchers) {
      const event = filterChange(change, watcher.matches);
      if (event !== undefined) watcher.listener(event);
    }
  };

  const write = (input: KubeObject, mode: 'create' | 'update' | 'put'): KubeObject => {
    const key = keyOf(input.metadata?.namespace, input.metadata?.name);
    const existing = objects.get(key);
    if (mode === 'create' && existing !== undefined) {
      throw new StoreError('AlreadyExists', `${resource} "${input.metadata.name}" already exists`);
    }
    if (mode === 'update' && existing === undefined) {
      throw new StoreError('NotFound', `${resource} "${input.metadata?.name}" not found`);
    }
    const stored = seal(key, prepare(input, versioner.current() + 1, existing));
    versioner.next();
    objects.set(key, stored);
    unindex(existing);
    reindex(stored);
    if (existing === undefined && sortedKeys !== undefined) addedKeys.push(key);
    record({ type: existing === undefined ? 'ADDED' : 'MODIFIED', current: stored, previous: existing });
    return stored.object;
  };

  const keysInOrder = (): string[] => {
    if (sortedKeys === undefined || addedKeys.length + removedKeys > sortedKeys.length / 2) {
      sortedKeys = [...objects.keys()].sort();
    } else if (addedKeys.length > 0 || removedKeys > 0) {
      sortedKeys = mergeSorted(sortedKeys, addedKeys.sort(), (key) => objects.has(key));
    }
    addedKeys = [];
    removedKeys = 0;
    return sortedKeys;
  };

  const list = (
    namespace?: string,
    matches?: (object: KubeObject) => boolean,
    indexed?: IndexedValue,
  ): ListResult => {
    const keys =
      index !== undefined && indexed?.field === index.field
        ? [...(index.keys.get(indexed.value) ?? [])].sort()
        : keysInOrder();
    let from = 0;
    let to = keys.length;
    if (namespaced && namespace !== undefined && namespace !== '') {
      from = lowerBound(keys, `${namespace}/`);
      to = lowerBound(keys, `${namespace}0`); // '0' is the character right after '/'
    }
    const items: StoredObject[] = [];
    for (let i = from; i < to; i++) {
      const stored = objects.get(keys[i]!)!;
      if (matches === undefined || matches(stored.object)) items.push(stored);
    }
    return { resourceVersion: versioner.current(), items };
  };

  return {
    resource,
    kind,
    apiVersion,
    namespaced,
    get size() {
      return objects.size;
    },
    indexedField: options.index?.field,
    get oldestWatchableVersion() {
      return oldestWatchable;
    },
    currentResourceVersion: () => versioner.current(),
    get: (namespace, name) => objects.get(keyOf(namespace, name)),
    create: (object) => write(object, 'create'),
    update: (object) => write(object, 'update'),
    put: (object) => write(object, 'put'),
    delete: (namespace, name) => {
      const key = keyOf(namespace, name);
      const existing = objects.get(key);
      if (existing === undefined) return undefined;
      const rv = versioner.next();
      const gone = withResourceVersion(existing, rv);
      objects.delete(key);
      unindex(existing);
      if (sortedKeys !== undefined) removedKeys++;
      record({ type: 'DELETED', current: gone, previous: existing });
      return gone.object;
    },
    list,
    watch: (fromResourceVersion, matches, listener) => {
      let initial: StoreEvent[];
      if (fromResourceVersion === undefined) {
        initial = list(undefined, matches).items.map((stored) => ({ type: 'ADDED', stored }));
      } else {
        if (fromResourceVersion < oldestWatchable) {
          return {
            ok: false,
            message: `too old resource version: ${fromResourceVersion} (${oldestWatchable})`,
          };
        }
        initial = [];
        const first = firstChangeAfter(history, historyStart, fromResourceVersion);
        for (let i = first; i < history.length; i++) {
          const event = filterChange(history[i]!, matches);
          if (event !== undefined) initial.push(event);
        }
      }
      const watcher: Watcher = { matches, listener };
      watchers.add(watcher);
      return { ok: true, initial, stop: () => watchers.delete(watcher) };
    },
  };
}

/** The first index in sorted `keys` whose key is >= `bound`. */
function lowerBound(keys: readonly string[], bound: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Two sorted key lists as one, each key once, keeping only those `keep` accepts. */
function mergeSorted(a: readonly string[], b: readonly string[], keep: (key: string) => boolean): string[] {
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const key = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (key !== out[out.length - 1] && keep(key)) out.push(key);
  }
  return out;
}

function firstChangeAfter(history: readonly Change[], start: number, rv: number): number {
  let lo = start;
  let hi = history.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (history[mid]!.current.resourceVersion <= rv) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function withResourceVersion(stored: StoredObject, rv: number): StoredObject {
  const object = { ...stored.object, metadata: { ...stored.object.metadata, resourceVersion: String(rv) } };
  return { key: stored.key, object, json: JSON.stringify(object), resourceVersion: rv };
}

const leftSelection = new WeakMap<Change, StoredObject>();

/**
 * What one watcher sees of a change, by the watch cache's rules: an object that starts matching arrives as
 * ADDED, one that stops matching as DELETED (its previous state at the change's resourceVersion).
 */
function filterChange(change: Change, matches: (object: KubeObject) => boolean): StoreEvent | undefined {
  const currentMatches = change.type !== 'DELETED' && matches(change.current.object);
  const previousMatches = change.previous !== undefined && matches(change.previous.object);
  if (currentMatches) return { type: previousMatches ? 'MODIFIED' : 'ADDED', stored: change.current };
  if (!previousMatches) return undefined;
  if (change.type === 'DELETED') return { type: 'DELETED', stored: change.current };
  let left = leftSelection.get(change);
  if (left === undefined) {
    left = withResourceVersion(change.previous!, change.current.resourceVersion);
    leftSelection.set(change, left);
  }
  return { type: 'DELETED', stored: left };
}
