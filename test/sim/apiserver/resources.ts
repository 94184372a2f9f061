import { toEventsV1 } from './events-v1.js';
import type { FieldGetter } from './selectors.js';
import { createResourceStore, createVersioner } from './store.js';
import type { ResourceStore, ResourceStoreOptions, Versioner } from './store.js';
import type { KubeObject } from './types.js';

export const STORED_RESOURCES = ['nodes', 'namespaces', 'pods', 'events'] as const;
export type StoredResource = (typeof STORED_RESOURCES)[number];

/** The objects behind the API server, like etcd: one store per resource, sharing one Versioner. */
export interface ServedStores {
  readonly nodes: ResourceStore;
  readonly namespaces: ResourceStore;
  readonly pods: ResourceStore;
  /** core/v1 Events; the events.k8s.io/v1 API is a converted view of the same objects. */
  readonly events: ResourceStore;
}

export interface ClusterStores extends ServedStores {
  readonly versioner: Versioner;
}

export interface ClusterStoresOptions {
  historyLimit?: number;
  now?: () => number;
  /** The first resourceVersion handed out will be this plus one. */
  initialResourceVersion?: number;
}

export function createClusterStores(options: ClusterStoresOptions = {}): ClusterStores {
  const versioner = createVersioner(options.initialResourceVersion ?? 0);
  const make = (
    resource: StoredResource,
    kind: string,
    namespaced: boolean,
    index?: ResourceStoreOptions['index'],
  ): ResourceStore =>
    createResourceStore({
      resource,
      kind,
      apiVersion: 'v1',
      namespaced,
      versioner,
      historyLimit: options.historyLimit,
      now: options.now,
      ...(index !== undefined ? { index } : {}),
    });
  return {
    versioner,
    nodes: make('nodes', 'Node', false),
    namespaces: make('namespaces', 'Namespace', false),
    // Kubelets (and a sharded scrape) list their node's pods by spec.nodeName: the watch cache indexes it.
    pods: make('pods', 'Pod', true, { field: 'spec.nodeName', read: fieldPath('spec.nodeName') }),
    events: make('events', 'Event', true),
  };
}

/** How one API resource is served: which store, which kind on the wire, which field selectors. */
export interface ApiResource {
  readonly group: '' | 'events.k8s.io';
  readonly version: 'v1';
  readonly name: StoredResource;
  readonly singularName: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories?: readonly string[];
  readonly store: StoredResource;
  /** Field labels a client may send, with how each is read from the stored object. */
  readonly fieldLabels: Readonly<Record<string, FieldGetter<KubeObject>>>;
  /** Turns the stored object into what this API version serves; absent when they are the same. */
  readonly view?: (stored: KubeObject) => KubeObject;
}

/** Reads a dotted path as the server compares it: strings as they are, booleans as "true"/"false", else "". */
export function fieldPath(path: string): FieldGetter<KubeObject> {
  const parts = path.split('.');
  return (object) => {
    let value: unknown = object;
    for (const part of parts) {
      if (typeof value !== 'object' || value === null) return '';
      value = (value as Record<string, unknown>)[part];
    }
    if (typeof value === 'string') return value;
    if (typeof value === 'boolean' || typeof value === 'number') return String(value);
    return '';
  };
}

/** A boolean field the server formats even when unset (Go's zero value): "true" or "false". */
function booleanField(path: string): FieldGetter<KubeObject> {
  const read = fieldPath(path);
  return (object) => (read(object) === 'true' ? 'true' : 'false');
}

function fields(...paths: string[]): Record<string, FieldGetter<KubeObject>> {
  return Object.fromEntries(['metadata.name', 'metadata.namespace', ...paths].map((p) => [p, fieldPath(p)]));
}

const INVOLVED_OBJECT_FIELDS = [
  'kind',
  'namespace',
  'name',
  'uid',
  'apiVersion',
  'resourceVersion',
  'fieldPath',
];

/** Core events: `source` falls back to reportingComponent for events written through events.k8s.io. */
function eventSource(object: KubeObject): string {
  return fieldPath('source.component')(object) || fieldPath('reportingComponent')(object);
}

const CORE_EVENT_FIELDS: Record<string, FieldGetter<KubeObject>> = {
  ...fields(
    ...INVOLVED_OBJECT_FIELDS.map((f) => `involvedObject.${f}`),
    'reason',
    'reportingComponent',
    'type',
  ),
  source: eventSource,
};

/** events.k8s.io/v1 takes the new names only (upstream AddFieldLabelConversionsForEvent), read from core. */
const EVENTS_V1_FIELDS: Record<string, FieldGetter<KubeObject>> = {
  ...fields('reason', 'type'),
  ...Object.fromEntries(
    INVOLVED_OBJECT_FIELDS.map((f) => [`regarding.${f}`, fieldPath(`involvedObject.${f}`)]),
  ),
  reportingController: fieldPath('reportingComponent'),
  source: eventSource,
};

export const API_RESOURCES: readonly ApiResource[] = [
  {
    group: '',
    version: 'v1',
    name: 'namespaces',
    singularName: 'namespace',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    store: 'namespaces',
    fieldLabels: fields('status.phase'),
  },
  {
    group: '',
    version: 'v1',
    name: 'nodes',
    singularName: 'node',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    store: 'nodes',
    fieldLabels: { ...fields(), 'spec.unschedulable': booleanField('spec.unschedulable') },
  },
  {
    group: '',
    version: 'v1',
    name: 'pods',
    singularName: 'pod',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    store: 'pods',
    fieldLabels: {
      ...fields(
        'spec.nodeName',
        'spec.restartPolicy',
        'spec.schedulerName',
        'spec.serviceAccountName',
        'status.phase',
        'status.podIP',
        'status.nominatedNodeName',
      ),
      'spec.hostNetwork': booleanField('spec.hostNetwork'),
    },
  },
  {
    group: '',
    version: 'v1',
    name: 'events',
    singularName: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    store: 'events',
    fieldLabels: CORE_EVENT_FIELDS,
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    name: 'events',
    singularName: 'event',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    store: 'events',
    fieldLabels: EVENTS_V1_FIELDS,
    view: toEventsV1,
  },
];

export function groupVersion(resource: Pick<ApiResource, 'group' | 'version'>): string {
  return resource.group === '' ? resource.version : `${resource.group}/${resource.version}`;
}

export function findResource(group: string, name: string): ApiResource | undefined {
  return API_RESOURCES.find((r) => r.group === group && r.name === name);
}
