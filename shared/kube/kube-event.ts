/** The parts of an object reference an event points at (involvedObject in core/v1, regarding in events.k8s.io/v1). */
export interface EventObjectRef {
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  apiVersion?: string;
  fieldPath?: string;
}

/**
 * A Kubernetes Event as the API serves it, core/v1 (involvedObject, message, source, count, lastTimestamp) or
 * events.k8s.io/v1 (regarding, note, deprecatedSource, deprecatedCount, deprecatedLastTimestamp); both may carry
 * eventTime and series. What the code reads is typed; every other field is kept as served.
 */
export interface KubeEvent {
  metadata: {
    readonly uid: string;
    readonly resourceVersion: string;
    readonly name: string;
    readonly namespace?: string;
    readonly creationTimestamp?: string | null;
    readonly [field: string]: unknown;
  };
  involvedObject?: EventObjectRef;
  regarding?: EventObjectRef;
  reason?: string;
  message?: string;
  note?: string;
  type?: string;
  action?: string;
  source?: { readonly component?: string; readonly host?: string };
  deprecatedSource?: { readonly component?: string; readonly host?: string };
  reportingComponent?: string;
  reportingController?: string;
  reportingInstance?: string;
  count?: number;
  deprecatedCount?: number;
  series?: { readonly count?: number; readonly lastObservedTime?: string | null } | null;
  eventTime?: string | null;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  deprecatedFirstTimestamp?: string | null;
  deprecatedLastTimestamp?: string | null;
  readonly [field: string]: unknown;
}
