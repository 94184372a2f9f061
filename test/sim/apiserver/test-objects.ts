import { k8sTime } from '../clock.js';
import type { KubeObject } from './types.js';

/** Small but realistic Kubernetes objects for the API server's tests. */

export interface NodeSpec {
  ready?: boolean;
  roles?: readonly string[];
  kubeletVersion?: string;
  internalIP?: string;
  unschedulable?: boolean;
  createdAt?: number;
}

export function makeNode(name: string, spec: NodeSpec = {}): KubeObject {
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
  };
  for (const role of spec.roles ?? []) labels[`node-role.kubernetes.io/${role}`] = '';
  return {
    metadata: {
      name,
      labels,
      ...(spec.createdAt === undefined ? {} : { creationTimestamp: k8sTime(spec.createdAt) }),
    },
    spec: { podCIDR: '10.244.0.0/24', ...(spec.unschedulable ? { unschedulable: true } : {}) },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        {
          type: 'Ready',
          status: spec.ready === false ? 'False' : 'True',
          reason: spec.ready === false ? 'KubeletNotReady' : 'KubeletReady',
        },
      ],
      addresses: [
        { type: 'InternalIP', address: spec.internalIP ?? '10.0.0.1' },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        kubeletVersion: spec.kubeletVersion ?? 'v1.31.0',
        osImage: 'Ubuntu 22.04.4 LTS',
        kernelVersion: '6.5.0-1020-gcp',
        containerRuntimeVersion: 'containerd://1.7.12',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

export interface PodSpec {
  nodeName: string;
  labels?: Record<string, string>;
  phase?: string;
  createdAt?: number;
  /** A container stuck in CrashLoopBackOff with this many restarts, the last one finished at `lastRestartAt`. */
  crashLooping?: { restarts: number; lastRestartAt: number };
  podIP?: string;
}

export function makePod(namespace: string, name: string, spec: PodSpec): KubeObject {
  const crash = spec.crashLooping;
  const containerStatus =
    crash === undefined
      ? {
          name: 'app',
          ready: true,
          restartCount: 0,
          state: { running: { startedAt: '2024-01-01T00:00:00Z' } },
        }
      : {
          name: 'app',
          ready: false,
          restartCount: crash.restarts,
          state: {
            waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' },
          },
          lastState: {
            terminated: { exitCode: 1, reason: 'Error', finishedAt: k8sTime(crash.lastRestartAt) },
          },
        };
  return {
    metadata: {
      name,
      namespace,
      labels: spec.labels ?? {},
      ...(spec.createdAt === undefined ? {} : { creationTimestamp: k8sTime(spec.createdAt) }),
    },
    spec: {
      nodeName: spec.nodeName,
      containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.9' }],
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
    },
    status: {
      phase: spec.phase ?? 'Running',
      podIP: spec.podIP ?? '10.244.0.10',
      podIPs: [{ ip: spec.podIP ?? '10.244.0.10' }],
      conditions: [{ type: 'Ready', status: crash === undefined ? 'True' : 'False' }],
      containerStatuses: [containerStatus],
    },
  };
}

export interface EventSpec {
  involved: { kind: string; name: string; namespace?: string; uid?: string; fieldPath?: string };
  reason: string;
  message: string;
  type?: 'Normal' | 'Warning';
  count?: number;
  firstAt: number;
  lastAt: number;
  source?: { component: string; host?: string };
}

/** A core/v1 Event as a kubelet or controller of the old events API writes it. */
export function makeCoreEvent(namespace: string, name: string, spec: EventSpec): KubeObject {
  return {
    metadata: { name, namespace },
    involvedObject: { apiVersion: 'v1', ...spec.involved },
    reason: spec.reason,
    message: spec.message,
    source: spec.source ?? { component: 'kubelet', host: 'node-1' },
    firstTimestamp: k8sTime(spec.firstAt),
    lastTimestamp: k8sTime(spec.lastAt),
    count: spec.count ?? 1,
    type: spec.type ?? 'Normal',
    eventTime: null,
    reportingComponent: spec.source?.component ?? 'kubelet',
    reportingInstance: spec.source?.host ?? 'node-1',
  };
}
