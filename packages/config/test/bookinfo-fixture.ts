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
