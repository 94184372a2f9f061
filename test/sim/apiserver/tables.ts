import type { KubeObject } from './types.js';

/**
 * Server-side printing (meta.k8s.io/v1 Table), the form `kubectl get` asks for. Columns and cell rules follow
 * the real server's printers; priority-1 columns are the ones kubectl shows only with `-o wide`.
 */

export interface ColumnDefinition {
  name: string;
  type: 'string' | 'integer';
  format: string;
  description: string;
  priority: number;
}

export interface TableRow {
  cells: (string | number)[];
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

export interface TablePrinter {
  columns: readonly ColumnDefinition[];
  row(object: KubeObject, now: number): TableRow;
}

const column = (name: string, description: string, priority = 0, format = ''): ColumnDefinition => ({
  name,
  type: 'string',
  format,
  description,
  priority,
});
const nameColumn = column('Name', 'Name of the object, unique within its namespace.', 0, 'name');
const ageColumn = column('Age', 'Time since the object was created.');

/** apimachinery's HumanDuration: about two significant figures, e.g. 90s, 5m30s, 3h12m, 12d. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.trunc(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${days}d`;
  const years = Math.trunc(days / 365);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${years}y` : `${years}y${days % 365}d`;
  return `${years}y`;
}

/** "<unknown>" for an unset time, like the real printers. */
function since(timestamp: unknown, now: number): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? '<unknown>' : humanDuration(now - at);
}

type Loose = Record<string, unknown>;
const obj = (value: unknown): Loose => (typeof value === 'object' && value !== null ? (value as Loose) : {});
const arr = (value: unknown): Loose[] => (Array.isArray(value) ? value.map(obj) : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const num = (value: unknown): number => (typeof value === 'number' ? value : 0);

const nodePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Status', 'The status of the node: its Ready condition, and SchedulingDisabled when cordoned.'),
    column('Roles', 'The roles of the node, from its node-role.kubernetes.io/* labels.'),
    ageColumn,
    column('Version', 'Kubelet version reported by the node.'),
    column('Internal-IP', 'The node internal IP.', 1),
    column('External-IP', 'The node external IP.', 1),
    column('OS-Image', 'The operating system image reported by the node.', 1),
    column('Kernel-Version', 'The kernel version reported by the node.', 1),
    column('Container-Runtime', 'The container runtime reported by the node.', 1),
  ],
  row: (node, now) => {
    const spec = obj(node.spec);
    const status = obj(node.status);
    const info = obj(status.nodeInfo);
    const ready = arr(status.conditions).find((c) => c.type === 'Ready');
    const states = ready === undefined ? ['Unknown'] : [ready.status === 'True' ? 'Ready' : 'NotReady'];
    if (spec.unschedulable === true) states.push('SchedulingDisabled');
    const roles = new Set<string>();
    for (const [key, value] of Object.entries(node.metadata.labels ?? {})) {
      if (key.startsWith('node-role.kubernetes.io/') && key.length > 'node-role.kubernetes.io/'.length) {
        roles.add(key.slice('node-role.kubernetes.io/'.length));
      } else if (key === 'kubernetes.io/role' && value !== '') roles.add(value);
    }
    const address = (type: string): string =>
      str(arr(status.addresses).find((a) => a.type === type)?.address) || '<none>';
    return {
      cells: [
        node.metadata.name,
        states.join(','),
        [...roles].sort().join(',') || '<none>',
        since(node.metadata.creationTimestamp, now),
        str(info.kubeletVersion),
        address('InternalIP'),
        address('ExternalIP'),
        str(info.osImage) || '<unknown>',
        str(info.kernelVersion) || '<unknown>',
        str(info.containerRuntimeVersion) || '<unknown>',
      ],
    };
  },
};

const namespacePrinter: TablePrinter = {
  columns: [nameColumn, column('Status', 'The status of the namespace.'), ageColumn],
  row: (namespace, now) => ({
    cells: [
      namespace.metadata.name,
      str(obj(namespace.status).phase),
      since(namespace.metadata.creationTimestamp, now),
    ],
  }),
};

const podPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Ready', 'Ready containers out of all containers.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column('Restarts', 'Container restarts, and how long ago the last one was.'),
    ageColumn,
    column('IP', 'The pod IP.', 1),
    column('Node', 'The node the pod runs on.', 1),
    column('Nominated Node', 'The node the scheduler nominated for the pod.', 1),
    column('Readiness Gates', 'Readiness gates that are true, out of all of them.', 1),
  ],
  row: (pod, now) => {
    const spec = obj(pod.spec);
    const status = obj(pod.status);
    const phase = str(status.phase);
    let reason = str(status.reason) || phase;
    let restarts = 0;
    let ready = 0;
    let lastRestart = 0;
    let running = false;
    const statuses = arr(status.containerStatuses);
    // Upstream walks the statuses backwards, so the first container's state has the last word.
    for (const container of [...statuses].reverse()) {
      restarts += num(container.restartCount);
      const finished = Date.parse(str(obj(obj(container.lastState).terminated).finishedAt));
      if (!Number.isNaN(finished)) lastRestart = Math.max(lastRestart, finished);
      const state = obj(container.state);
      const waiting = state.waiting === undefined ? undefined : obj(state.waiting);
      const terminated = state.terminated === undefined ? undefined : obj(state.terminated);
      if (waiting !== undefined && str(waiting.reason) !== '') reason = str(waiting.reason);
      else if (terminated !== undefined && str(terminated.reason) !== '') reason = str(terminated.reason);
      else if (terminated !== undefined) {
        reason =
          num(terminated.signal) !== 0
            ? `Signal:${num(terminated.signal)}`
            : `ExitCode:${num(terminated.exitCode)}`;
      } else if (container.ready === true && state.running !== undefined) {
        running = true;
        ready++;
      }
    }
    if (reason === 'Completed' && running) {
      reason = arr(status.conditions).some((c) => c.type === 'Ready' && c.status === 'True')
        ? 'Running'
        : 'NotReady';
    }
    if (pod.metadata.deletionTimestamp !== undefined) {
      if (str(status.reason) === 'NodeLost') reason = 'Unknown';
      else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
    }
    const gates = arr(spec.readinessGates);
    const trueConditions = new Set(
      arr(status.conditions)
        .filter((c) => c.status === 'True')
        .map((c) => c.type),
    );
    const row: TableRow = {
      cells: [
        pod.metadata.name,
        `${ready}/${arr(spec.containers).length}`,
        reason,
        restarts !== 0 && lastRestart > 0
          ? `${restarts} (${humanDuration(now - lastRestart)} ago)`
          : String(restarts),
        since(pod.metadata.creationTimestamp, now),
        str(arr(status.podIPs)[0]?.ip) || '<none>',
        str(spec.nodeName) || '<none>',
        str(status.nominatedNodeName) || '<none>',
        gates.length === 0
          ? '<none>'
          : `${gates.filter((g) => trueConditions.has(g.conditionType)).length}/${gates.length}`,
      ],
    };
    if (phase === 'Succeeded' || phase === 'Failed') {
      const message = phase === 'Succeeded' ? 'The pod has completed successfully.' : 'The pod failed.';
      row.conditions = [{ type: 'Completed', status: 'True', reason: phase, message }];
    }
    return row;
  },
};

const eventPrinter: TablePrinter = {
  columns: [
    column('Last Seen', 'When the event was last observed.'),
    column('Type', 'Normal or Warning.'),
    column('Reason', 'Why the event happened, in CamelCase.'),
    column('Object', 'The object the event is about.'),
    column('Subobject', 'The part of the object the event is about.', 1),
    column('Source', 'The component (and host) that reported the event.', 1),
    column('Message', 'What happened, for humans.'),
    column('First Seen', 'When the event was first observed.', 1),
    column('Count', 'How many times the event happened.', 1),
    column('Name', 'Name of the event object.', 1, 'name'),
  ],
  row: (event, now) => {
    const involved = obj(event.involvedObject);
    const source = obj(event.source);
    const series = event.series === undefined || event.series === null ? undefined : obj(event.series);
    const firstSeen = event.firstTimestamp ? since(event.firstTimestamp, now) : since(event.eventTime, now);
    let lastSeen = event.lastTimestamp ? since(event.lastTimestamp, now) : firstSeen;
    let count = num(event.count);
    if (series !== undefined) {
      lastSeen = since(series.lastObservedTime, now);
      count = num(series.count);
    } else if (count === 0) count = 1; // singleton events written through events.k8s.io carry no count
    const kind = str(involved.kind).toLowerCase();
    const component = str(source.component) || str(event.reportingComponent);
    const instance = str(source.host) || str(event.reportingInstance);
    return {
      cells: [
        lastSeen,
        str(event.type),
        str(event.reason),
        str(involved.name) === '' ? kind : `${kind}/${str(involved.name)}`,
        str(involved.fieldPath),
        instance === '' ? component : `${component}, ${instance}`,
        str(event.message).trim(),
        firstSeen,
        count,
        event.metadata.name,
      ],
    };
  },
};

export const TABLE_PRINTERS: Readonly<Record<'nodes' | 'namespaces' | 'pods' | 'events', TablePrinter>> = {
  nodes: nodePrinter,
  namespaces: namespacePrinter,
  pods: podPrinter,
  events: eventPrinter,
};
