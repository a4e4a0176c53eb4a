import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ConfigFile } from '../src/index.js';

/** Istio's corpus, read-only, beside the repository. */
export const CORPUS = path.resolve(import.meta.dirname, '../../../../shared/istio-corpus');

export function corpusFile(relative: string): ConfigFile {
  return { file: relative, text: readFileSync(path.join(CORPUS, relative), 'utf8') };
}

export const BOOKINFO_PLATFORM = 'samples/bookinfo/platform/kube/bookinfo.yaml';
export const BOOKINFO_NETWORKING = 'samples/bookinfo/networking';

/** The ingress gateway's Service and Deployment, as Istio's installation would provide them. */
export const INGRESS_GATEWAY: ConfigFile = {
  file: 'ingress-gateway.yaml',
  text: `apiVersion: v1
kind: Service
metadata:
  name: istio-ingressgateway
  namespace: istio-system
  labels:
    istio: ingressgateway
spec:
  selector:
    istio: ingressgateway
  ports:
  - name: http2
    port: 80
    targetPort: 8080
`,
};

export const MESH = 10;
/** Pod IP and pod-local address of workload k, as docs/design/local-mesh.md lays them out. */
export function podIp(k: number): string {
  return `127.${MESH}.1.${k}`;
}
export function localAddress(k: number): string {
  return `127.${MESH}.2.${k}`;
}
export const GATEWAY_IP = `127.${MESH}.0.2`;

/** A bookinfo workload: its deployment name, labels, service account and k in the address plan. */
interface BookinfoWorkload {
  readonly name: string;
  readonly app: string;
  readonly version: string;
  readonly k: number;
}

export const BOOKINFO_WORKLOADS: readonly BookinfoWorkload[] = [
  { name: 'productpage-v1', app: 'productpage', version: 'v1', k: 1 },
  { name: 'details-v1', app: 'details', version: 'v1', k: 2 },
  { name: 'ratings-v1', app: 'ratings', version: 'v1', k: 3 },
  { name: 'reviews-v1', app: 'reviews', version: 'v1', k: 4 },
  { name: 'reviews-v2', app: 'reviews', version: 'v2', k: 5 },
  { name: 'reviews-v3', app: 'reviews', version: 'v3', k: 6 },
];

/** The Envoy node a bookinfo sidecar would send, following docs/design/local-mesh.md. */
export function sidecarNode(workload: BookinfoWorkload): { id: string; cluster: string; metadata: Record<string, unknown> } {
  return {
    id: `sidecar~${podIp(workload.k)}~${workload.name}.default~default.svc.cluster.local`,
    cluster: `${workload.app}.default`,
    metadata: {
      NAMESPACE: 'default',
      LABELS: { app: workload.app, version: workload.version },
      SERVICE_ACCOUNT: `bookinfo-${workload.app}`,
      WORKLOAD_NAME: workload.name,
      INSTANCE_IPS: podIp(workload.k),
      CLUSTER_ID: 'Kubernetes',
      MESHKIT_LOCAL_ADDRESS: localAddress(workload.k),
    },
  };
}

export const GATEWAY_NODE = {
  id: `router~${GATEWAY_IP}~istio-ingressgateway.istio-system~istio-system.svc.cluster.local`,
  cluster: 'istio-ingressgateway.istio-system',
  metadata: {
    NAMESPACE: 'istio-system',
    LABELS: { istio: 'ingressgateway', app: 'istio-ingressgateway' },
    SERVICE_ACCOUNT: 'istio-ingressgateway-service-account',
    WORKLOAD_NAME: 'istio-ingressgateway',
    INSTANCE_IPS: GATEWAY_IP,
    CLUSTER_ID: 'Kubernetes',
  },
};
