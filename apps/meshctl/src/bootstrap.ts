import { ADMIN_PORT } from './mesh-plan.js';
import type { MeshPlan, PodPlan } from './mesh-plan.js';

/** The Envoy v3 bootstrap for a pod's proxy, as Istio's injector would render it. */
export function bootstrapFor(pod: PodPlan, plan: MeshPlan): unknown {
  const [cpHost = '', cpPort = '15010'] = plan.grpcAddress.split(':');
  return {
    node: {
      id: `${pod.role}~${pod.podIp}~${pod.name}.${pod.namespace}~${pod.namespace}.svc.cluster.local`,
      cluster: `${pod.labels['app'] ?? pod.workloadName}.${pod.namespace}`,
      metadata: {
        NAMESPACE: pod.namespace,
        LABELS: pod.labels,
        SERVICE_ACCOUNT: pod.serviceAccount,
        WORKLOAD_NAME: pod.workloadName,
        INSTANCE_IPS: pod.podIp,
        CLUSTER_ID: 'Kubernetes',
        ...(pod.role === 'sidecar' ? { MESHKIT_LOCAL_ADDRESS: pod.localAddress } : {}),
      },
    },
    admin: { address: { socket_address: { address: pod.podIp, port_value: ADMIN_PORT } } },
    dynamic_resources: {
      ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    },
    static_resources: {
      clusters: [
        {
          name: 'xds-grpc',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'xds-grpc',
            endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: cpHost, port_value: Number(cpPort) } } } }] }],
          },
        },
      ],
    },
  };
}
