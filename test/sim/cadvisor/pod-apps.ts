/** A workload a simulated pod runs: its main container, image and an optional sidecar. */
export interface AppKind {
  app: string;
  image: string;
  namespace: string;
  sidecar?: { name: string; image: string };
  imageLabels?: Record<string, string>;
}

export const APPS: readonly AppKind[] = [
  {
    app: 'nginx',
    image: 'nginx:1.17.8',
    namespace: 'default',
    imageLabels: { maintainer: 'NGINX Docker Maintainers' },
  },
  { app: 'redis', image: 'redis:5.0.7', namespace: 'default' },
  { app: 'frontend', image: 'gcr.io/google-samples/gb-frontend:v4', namespace: 'default' },
  { app: 'fluentd', image: 'fluent/fluentd:v1.9', namespace: 'kube-system' },
  {
    app: 'api',
    image: 'gcr.io/example/api:2.3.1',
    namespace: 'shop',
    sidecar: { name: 'log-shipper', image: 'busybox:1.31' },
  },
  { app: 'kube-dns', image: 'k8s.gcr.io/k8s-dns-kube-dns-amd64:1.14.13', namespace: 'kube-system' },
];

/** The sandbox ("POD") container every pod has. */
export const PAUSE_IMAGE = 'k8s.gcr.io/pause:3.1';
