import { compare } from '../compare.js';
import type { MeshModel } from '../model/mesh-model.js';
import type { ProxyNode } from '../proxy/proxy-node.js';
import type { WorkloadInstance } from '../proxy/workload-instance.js';
import type { EnvoyResource } from './envoy-shapes.js';
import { gatewayResources } from './gateway-resources.js';
import { outboundClusters } from './outbound-clusters.js';
import { inboundResources, outboundListener, outboundRouteConfiguration } from './sidecar-resources.js';

/** The Envoy v3 resources one proxy needs, each list sorted by resource name. */
export interface ProxyResources {
  listeners: EnvoyResource[];
  routes: EnvoyResource[];
  clusters: EnvoyResource[];
  endpoints: EnvoyResource[];
}

/**
 * Compiles the mesh for one proxy. Pure and deterministic: the same model, workloads and proxy
 * always give equal output, whatever order the workloads registered in.
 */
export function compileProxyConfig(model: MeshModel, workloads: readonly WorkloadInstance[], proxy: ProxyNode): ProxyResources {
  const outbound = outboundClusters(model, workloads, proxy.namespace);
  const listeners: EnvoyResource[] = [];
  const routes: EnvoyResource[] = [];
  const clusters = [...outbound.clusters];
  if (proxy.type === 'sidecar') {
    const inbound = inboundResources(model, proxy);
    listeners.push(...inbound.listeners, outboundListener(proxy));
    clusters.push(...inbound.clusters);
    routes.push(outboundRouteConfiguration(model, proxy));
  } else {
    const gateway = gatewayResources(model, proxy);
    listeners.push(...gateway.listeners);
    routes.push(...gateway.routes);
  }
  return {
    listeners: byName(listeners, 'name'),
    routes: byName(routes, 'name'),
    clusters: byName(clusters, 'name'),
    endpoints: byName(outbound.endpoints, 'cluster_name'),
  };
}

function byName(resources: EnvoyResource[], key: string): EnvoyResource[] {
  return resources.sort((a, b) => compare(String(a[key]), String(b[key])));
}
