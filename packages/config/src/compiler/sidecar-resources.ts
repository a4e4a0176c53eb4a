import { compare } from '../compare.js';
import { hostMatches, labelsMatch } from '../model/host-names.js';
import type { MeshModel, MeshService, ServicePort, VirtualService } from '../model/mesh-model.js';
import { isHttpProtocol } from '../model/port-protocol.js';
import type { ProxyNode } from '../proxy/proxy-node.js';
import { downstreamMtls, httpConnectionManager, listener, socketAddress } from './envoy-shapes.js';
import type { EnvoyResource } from './envoy-shapes.js';
import { defaultRoute, virtualServiceRoutes } from './http-routes.js';

export const OUTBOUND_LISTENER = 'virtualOutbound';
export const OUTBOUND_ROUTE = 'outbound';
export const OUTBOUND_PORT = 15001;
// Where an app listens when its proxy did not say (a real pod's loopback).
const DEFAULT_LOCAL_ADDRESS = '127.0.0.1';

/** A sidecar's inbound listeners and their STATIC clusters, one per HTTP port of each Service selecting it. */
export function inboundResources(model: MeshModel, proxy: ProxyNode): { listeners: EnvoyResource[]; clusters: EnvoyResource[] } {
  const listeners: EnvoyResource[] = [];
  const clusters: EnvoyResource[] = [];
  const localAddress = proxy.localAddress ?? DEFAULT_LOCAL_ADDRESS;
  const claimed = new Set<number>();
  for (const service of model.services) {
    if (service.namespace !== proxy.namespace || service.selector === undefined || !labelsMatch(service.selector, proxy.labels)) continue;
    for (const port of service.ports) {
      // Two Services may expose the same port of one workload; the first (by namespace/name) owns it.
      if (!isHttpProtocol(port.protocol) || claimed.has(port.port)) continue;
      claimed.add(port.port);
      const clusterName = `inbound|${port.port}||`;
      const routeConfig = {
        name: clusterName,
        virtual_hosts: [
          {
            name: `inbound|http|${port.port}`,
            domains: ['*'],
            routes: [{ name: 'default', match: { prefix: '/' }, route: { cluster: clusterName, timeout: '0s' } }],
          },
        ],
        validate_clusters: false,
      };
      const hcm = httpConnectionManager(`inbound_${proxy.ip}_${port.port}`, 'INBOUND', { inline: routeConfig });
      listeners.push(
        listener(`${proxy.ip}_${port.port}`, socketAddress(proxy.ip, port.port), 'INBOUND', { transport_socket: downstreamMtls(), filters: [hcm] }),
      );
      clusters.push(inboundCluster(clusterName, localAddress, port));
    }
  }
  return { listeners, clusters };
}

function inboundCluster(name: string, localAddress: string, port: ServicePort): EnvoyResource {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '10s',
    lb_policy: 'ROUND_ROBIN',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(localAddress, port.targetPort) } }] }],
    },
  };
}

/** The listener the app sends all outbound HTTP to, routed by RDS `outbound`. */
export function outboundListener(proxy: ProxyNode): EnvoyResource {
  const address = proxy.localAddress ?? DEFAULT_LOCAL_ADDRESS;
  const hcm = httpConnectionManager(`outbound_${address}_${OUTBOUND_PORT}`, 'OUTBOUND', { rdsName: OUTBOUND_ROUTE });
  return listener(OUTBOUND_LISTENER, socketAddress(address, OUTBOUND_PORT), 'OUTBOUND', { filters: [hcm] });
}

/** RouteConfiguration `outbound`: a virtual host per HTTP port of every Service. */
export function outboundRouteConfiguration(model: MeshModel, proxy: ProxyNode): EnvoyResource {
  const meshVirtualServices = model.virtualServices.filter((vs) => vs.gateways.includes('mesh'));
  const virtualHosts: EnvoyResource[] = [];
  for (const service of model.services) {
    const virtualService = virtualServiceFor(meshVirtualServices, service.fqdn);
    for (const port of service.ports) {
      if (!isHttpProtocol(port.protocol)) continue;
      const routes = virtualService
        ? virtualServiceRoutes(virtualService, { model, gateway: 'mesh', port: port.port, portIsServicePort: true })
        : [defaultRoute(port.port, service.fqdn)];
      virtualHosts.push({ name: `${service.fqdn}:${port.port}`, domains: serviceDomains(service, port.port, proxy.namespace), routes });
    }
  }
  virtualHosts.sort((a, b) => compare(String(a['name']), String(b['name'])));
  return { name: OUTBOUND_ROUTE, virtual_hosts: virtualHosts, validate_clusters: false };
}

/** The VirtualService for a host: one naming it exactly beats a wildcard; then namespace/name order. */
function virtualServiceFor(virtualServices: readonly VirtualService[], fqdn: string): VirtualService | undefined {
  return (
    virtualServices.find((vs) => vs.hosts.includes(fqdn)) ?? virtualServices.find((vs) => vs.hosts.some((host) => hostMatches(host, fqdn)))
  );
}

/** Every name an app may use for the service; short ones only within its own namespace. */
function serviceDomains(service: MeshService, port: number, proxyNamespace: string): string[] {
  const names = [service.fqdn];
  if (service.namespace === proxyNamespace) names.push(service.name);
  names.push(`${service.name}.${service.namespace}`, `${service.name}.${service.namespace}.svc`);
  return names.flatMap((name) => [name, `${name}:${port}`]);
}
