import { k8sTime } from './clock.js';
import type { Cluster, SimNode, SimPod } from './cluster.js';

import type { KubeObject } from './apiserver/types.js';

/** The Kubernetes API objects (core/v1) that describe the simulated cluster, as an API server holds them. */
export type { KubeObject };

export const KUBELET_VERSION = 'v1.31.4';

export function namespaceObject(name: string, uid: string, createdMs: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      uid,
      creationTimestamp: k8sTime(createdMs),
      labels: { 'kubernetes.io/metadata.name': name },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

function quantityKi(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

export function nodeObject(node: SimNode, kubeletPort: number): KubeObject {
  const capacity = {
    cpu: String(node.cores),
    memory: quantityKi(node.memoryBytes),
    'ephemeral-storage': quantityKi(node.fsCapacity),
    pods: '110',
    'hugepages-2Mi': '0',
  };
  // The kubelet reserves some of each for itself and the system, as kube-reserved/system-reserved do.
  const allocatable = {
    cpu: `${node.cores * 1000 - 60 - node.cores * 10}m`,
    memory: quantityKi(node.memoryBytes - 768 * 1024 ** 2),
    'ephemeral-storage': String(Math.floor(node.fsCapacity * 0.9)),
    pods: '110',
    'hugepages-2Mi': '0',
  };
  const heartbeat = k8sTime(Date.now());
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      uid: node.uid,
      creationTimestamp: k8sTime(node.createdMs),
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'node.kubernetes.io/instance-type': `e2-standard-${node.cores}`,
        'topology.kubernetes.io/zone': 'us-central1-a',
        'cloud.google.com/gke-nodepool': 'default-pool',
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { podCIDR: `10.${(node.index >> 8) & 255}.${node.index & 255}.0/24`, providerID: node.providerID },
    status: {
      capacity,
      allocatable,
      conditions: [
        {
          type: 'MemoryPressure',
          status: 'False',
          lastHeartbeatTime: heartbeat,
          lastTransitionTime: k8sTime(node.startMs),
          reason: 'KubeletHasSufficientMemory',
          message: 'kubelet has sufficient memory available',
        },
        {
          type: 'DiskPressure',
          status: 'False',
          lastHeartbeatTime: heartbeat,
          lastTransitionTime: k8sTime(node.startMs),
          reason: 'KubeletHasNoDiskPressure',
          message: 'kubelet has no disk pressure',
        },
        {
          type: 'PIDPressure',
          status: 'False',
          lastHeartbeatTime: heartbeat,
          lastTransitionTime: k8sTime(node.startMs),
          reason: 'KubeletHasSufficientPID',
          message: 'kubelet has sufficient PID available',
        },
        {
          type: 'Ready',
          status: 'True',
          lastHeartbeatTime: heartbeat,
          lastTransitionTime: k8sTime(node.startMs + 20_000),
          reason: 'KubeletReady',
          message: 'kubelet is posting ready status',
        },
      ],
      addresses: [
        { type: 'InternalIP', address: node.address },
        { type: 'Hostname', address: node.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: kubeletPort } },
      nodeInfo: {
        machineID: node.machineID,
        systemUUID: node.systemUUID,
        bootID: node.bootID,
        kernelVersion: '6.1.0-28-cloud-amd64',
        osImage: 'Container-Optimized OS from Google',
        containerRuntimeVersion: 'containerd://1.7.24',
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

export function podObject(pod: SimPod, cluster: Cluster): KubeObject {
  const node = cluster.nodes.get(pod.nodeName);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      uid: pod.uid,
      creationTimestamp: k8sTime(pod.startMs - 2000),
      labels: { ...pod.labels },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: pod.owner.kind,
          name: pod.owner.name,
          uid: pod.owner.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      nodeName: pod.nodeName,
      containers: pod.containers.map((c) => ({
        name: c.name,
        image: c.image,
        resources: {
          ...(Object.keys(c.requests).length > 0 ? { requests: { ...c.requests } } : {}),
          ...(Object.keys(c.limits).length > 0 ? { limits: { ...c.limits } } : {}),
        },
        terminationMessagePath: '/dev/termination-log',
        imagePullPolicy: 'IfNotPresent',
      })),
      volumes: pod.volumes.map((v) =>
        v.kind === 'persistentVolumeClaim'
          ? { name: v.name, persistentVolumeClaim: { claimName: v.claimName } }
          : v.kind === 'projected'
            ? {
                name: v.name,
                projected: {
                  defaultMode: 420,
                  sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }],
                },
              }
            : { name: v.name, [v.kind]: {} },
      ),
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      serviceAccountName: 'default',
    },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: k8sTime(pod.startMs) },
        { type: 'Ready', status: 'True', lastTransitionTime: k8sTime(pod.startMs + 5000) },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: k8sTime(pod.startMs + 5000) },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: k8sTime(pod.startMs - 1000) },
      ],
      hostIP: node?.address,
      podIP: pod.ip,
      podIPs: [{ ip: pod.ip }],
      startTime: k8sTime(pod.startMs),
      qosClass: pod.containers.every((c) => Object.keys(c.requests).length === 0)
        ? 'BestEffort'
        : 'Burstable',
      containerStatuses: pod.containers.map((c) => ({
        name: c.name,
        ready: true,
        started: true,
        restartCount: c.restartCount,
        image: c.image,
        imageID: c.imageID,
        containerID: c.containerID,
        state: { running: { startedAt: k8sTime(c.startMs) } },
        ...(c.restartCount > 0
          ? {
              lastState: {
                terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: k8sTime(c.startMs - 1000) },
              },
            }
          : {}),
      })),
    },
  };
}
