import type { KubeConnection } from '../../shared/kube/connect.js';
import type { FetchOutcome } from '../../shared/runtime/http-get.js';

/**
 * A KubeConnection for unit tests whose API server answers every GET with `get(path)`; a request to a kubelet
 * or a watch fails the test, as nothing under test should make one.
 */
export function answeringConnection(
  get: (path: string) => FetchOutcome | Promise<FetchOutcome>,
): KubeConnection {
  return {
    server: new URL('https://127.0.0.1:6443'),
    get: async (path) => get(path),
    getUrl: () => Promise.reject(new Error('no kubelet in this test')),
    watch: () => {
      throw new Error('no watch in this test');
    },
    close: () => undefined,
  };
}
