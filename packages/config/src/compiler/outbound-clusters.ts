import { compare } from '../compare.js';
import { hostMatches } from '../model/host-names.js';
import type { DestinationRule, MeshModel, MeshService, ServicePort } from '../model/mesh-model.js';
import { spiffeIdOf } from '../proxy/workload-instance.js';
import type { WorkloadInstance } from '../proxy/workload-instance.js';
import { adsConfigSource, socketAddress, upstreamMtls } from './envoy-shapes.js';
import type { EnvoyResource } from './envoy-shapes.js';
import { serviceEndpoints } from './service-endpoints.js';

/** `outbound|<port>|<subset>|<fqdn>`, the subset empty for the whole service. */
export function outboundClusterName(port: number, subset: string, fqdn: string): string {
  return `outbound|${port}|${subset}|${fqdn}`;
}

/**
 * An EDS cluster and its ClusterLoadAssignment for every port of every Service, plus one per
 * subset of the DestinationRule that applies to it.
 */
export function outboundClusters(
  model: MeshModel,
  workloads: readonly WorkloadInstance[],
  proxyNamespace: string,
): { clusters: EnvoyResource[]; endpoints: EnvoyResource[] } {
  const clusters: EnvoyResource[] = [];
  const endpoints: EnvoyResource[] = [];
  for (const service of model.services) {
    const all = serviceEndpoints(service, workloads);
    // Istio checks the server against every account the service runs as, subsets included.
    const spiffeIds = [...new Set(all.map(spiffeIdOf))].sort(compare);
    const rule = destinationRuleFor(model.destinationRules, service, proxyNamespace);
    const subsets = [{ name: '', labels: {} }, ...(rule?.subsets ?? [])];
    for (const port of service.ports) {
      for (const subset of subsets) {
        const name = outboundClusterName(port.port, subset.name, service.fqdn);
        // Istio's SNI form; the whole service (empty subset) reads `outbound_.9080_._.<fqdn>`.
        const sni = `outbound_.${port.port}_.${subset.name}_.${service.fqdn}`;
        clusters.push(edsCluster(name, spiffeIds, sni));
        endpoints.push(loadAssignment(name, serviceEndpoints(service, workloads, subset.labels), port));
      }
    }
  }
  return { clusters, endpoints };
}

/**
 * The DestinationRule for a service as Istio picks it: an exact host beats a wildcard, then a
 * rule in the proxy's namespace beats one in the service's namespace beats any other.
 */
export function destinationRuleFor(rules: readonly DestinationRule[], service: MeshService, proxyNamespace: string): DestinationRule | undefined {
  const rank = (rule: DestinationRule): number => {
    const exact = rule.host === service.fqdn ? 0 : 3;
    const scope = rule.namespace === proxyNamespace ? 0 : rule.namespace === service.namespace ? 1 : 2;
    return exact + scope;
  };
  return rules
    .filter((rule) => hostMatches(rule.host, service.fqdn))
    .sort((a, b) => rank(a) - rank(b))
    .at(0);
}

function edsCluster(name: string, spiffeIds: readonly string[], sni: string): EnvoyResource {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: adsConfigSource(), service_name: name },
    connect_timeout: '10s',
    lb_policy: 'ROUND_ROBIN',
    transport_socket: upstreamMtls(spiffeIds, sni),
  };
}

function loadAssignment(clusterName: string, instances: readonly WorkloadInstance[], port: ServicePort): EnvoyResource {
  if (instances.length === 0) return { cluster_name: clusterName, endpoints: [] };
  return {
    cluster_name: clusterName,
    endpoints: [
      {
        lb_endpoints: instances.map((instance) => ({
          endpoint: { address: socketAddress(instance.ip, port.targetPort) },
          health_status: 'HEALTHY',
          load_balancing_weight: 1,
        })),
      },
    ],
  };
}
