import type { ProxyNode } from './proxy-node.js';

/** A running instance of a workload: what a Service's endpoints are made of. */
export interface WorkloadInstance {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  serviceAccount: string;
  ip: string;
}

/** The instance a connected proxy stands for, as Istio's workload auto-registration records it. */
export function workloadInstanceOf(proxy: ProxyNode): WorkloadInstance {
  return {
    name: proxy.workloadName,
    namespace: proxy.namespace,
    labels: { ...proxy.labels },
    serviceAccount: proxy.serviceAccount,
    ip: proxy.ip,
  };
}

/** `spiffe://cluster.local/ns/<namespace>/sa/<serviceAccount>` */
export function spiffeIdOf(workload: Pick<WorkloadInstance, 'namespace' | 'serviceAccount'>): string {
  return `spiffe://cluster.local/ns/${workload.namespace}/sa/${workload.serviceAccount}`;
}
