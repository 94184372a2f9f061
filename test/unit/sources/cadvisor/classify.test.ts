import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { classify } from '../../../../shared/sources/cadvisor/classify.js';
import type { CadvisorContainer } from '../../../../shared/sources/cadvisor/container.js';

function container(
  name: string,
  labels: Record<string, string> = {},
  aliases: string[] = [],
): CadvisorContainer {
  return {
    name,
    aliases,
    labels,
    image: undefined,
    creationTime: NaN,
    has: { cpu: true, memory: true, network: false, filesystem: false, diskio: false },
    samples: [],
  };
}

const pod = { namespace: 'shop', name: 'api-7f9-x2', uid: 'u-1' };
const labels = (container: string, extra: Record<string, string> = {}) => ({
  'io.kubernetes.container.name': container,
  'io.kubernetes.pod.name': pod.name,
  'io.kubernetes.pod.namespace': pod.namespace,
  'io.kubernetes.pod.uid': pod.uid,
  ...extra,
});

describe('classify: cAdvisor containers in Heapster terms', () => {
  test('the root cgroup is the node', () => {
    assert.deepEqual(classify(container('/')), { kind: 'node' });
  });
  test('raw cgroups and hand-started containers are system containers, named without the leading "/"', () => {
    assert.deepEqual(classify(container('/system.slice/kubelet.service')), {
      kind: 'sys_container',
      name: 'system.slice/kubelet.service',
    });
    assert.deepEqual(classify(container('/docker/abc', { maintainer: 'x' }, ['cadvisor', 'abc'])), {
      kind: 'sys_container',
      name: 'docker/abc',
    });
  });
  test("Kubernetes labels: the sandbox is the pod, others are the pod's containers", () => {
    assert.deepEqual(classify(container('/docker/1', labels('POD'))), { kind: 'pod', pod });
    assert.deepEqual(classify(container('/docker/2', labels('api'))), {
      kind: 'pod_container',
      pod,
      container: 'api',
    });
    // containerd-era sandboxes are marked by type, whatever their container label
    assert.deepEqual(
      classify(container('/docker/3', labels('pause', { 'io.kubernetes.docker.type': 'podsandbox' }))),
      { kind: 'pod', pod },
    );
  });
  test('Kubernetes 1.0: "namespace/name" in the pod label, or the docker name alone', () => {
    assert.deepEqual(
      classify(
        container('/docker/4', {
          'io.kubernetes.container.name': 'api',
          'io.kubernetes.pod.name': 'shop/api-7f9-x2',
        }),
      ),
      { kind: 'pod_container', pod: { ...pod, uid: '' }, container: 'api' },
    );
    assert.deepEqual(
      classify(
        container('/docker/5', {}, [
          'k8s_kube-ui.7f9b83f6_kube-ui-v1-bxj1w_kube-system_9abfb0bd-811f-11e5-b548-42010af00002_e6841e8d',
          '5',
        ]),
      ),
      {
        kind: 'pod_container',
        pod: {
          namespace: 'kube-system',
          name: 'kube-ui-v1-bxj1w',
          uid: '9abfb0bd-811f-11e5-b548-42010af00002',
        },
        container: 'kube-ui',
      },
    );
    assert.deepEqual(
      classify(container('/docker/6', {}, ['/k8s_POD_kube-ui-v1-bxj1w_kube-system_9abf-811f_1', '6'])),
      {
        kind: 'pod',
        pod: { namespace: 'kube-system', name: 'kube-ui-v1-bxj1w', uid: '9abf-811f' },
      },
    );
    assert.deepEqual(classify(container('/docker/8', {}, ['k8s_api_not-a-docker-name', '8'])), {
      kind: 'sys_container',
      name: 'docker/8',
    });
  });
  test('half the labels is not a pod', () => {
    assert.deepEqual(classify(container('/docker/7', { 'io.kubernetes.pod.name': 'x' })), {
      kind: 'sys_container',
      name: 'docker/7',
    });
  });
});
