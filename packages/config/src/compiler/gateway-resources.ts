import { compare } from '../compare.js';
import { hostMatches, labelsMatch } from '../model/host-names.js';
import type { Gateway, GatewayServer, MeshModel, VirtualService } from '../model/mesh-model.js';
import type { ProxyNode } from '../proxy/proxy-node.js';
import { httpConnectionManager, listener, socketAddress } from './envoy-shapes.js';
import type { EnvoyResource } from './envoy-shapes.js';
import { virtualServiceRoutes } from './http-routes.js';

const HTTP_SERVER_PROTOCOLS = new Set(['HTTP', 'HTTP2', 'GRPC', 'GRPC-WEB']);

interface BoundServer {
  gateway: Gateway;
  server: GatewayServer;
}

/**
 * A gateway proxy's listeners and RouteConfigurations: one listener per port it serves plain
 * HTTP on, with virtual hosts from the VirtualServices bound to the Gateways selecting it.
 */
export function gatewayResources(model: MeshModel, proxy: ProxyNode): { listeners: EnvoyResource[]; routes: EnvoyResource[] } {
  const byTargetPort = new Map<number, BoundServer[]>();
  for (const gateway of model.gateways) {
    if (!labelsMatch(gateway.selector, proxy.labels)) continue;
    for (const server of gateway.servers) {
      if (!HTTP_SERVER_PROTOCOLS.has(server.port.protocol)) continue;
      const targetPort = listenerPort(model, proxy, server.port.number);
      const bound = byTargetPort.get(targetPort) ?? [];
      bound.push({ gateway, server });
      byTargetPort.set(targetPort, bound);
    }
  }
  const listeners: EnvoyResource[] = [];
  const routes: EnvoyResource[] = [];
  for (const [targetPort, servers] of byTargetPort) {
    const routeName = `http.${targetPort}`;
    const hcm = httpConnectionManager(`outbound_0.0.0.0_${targetPort}`, 'OUTBOUND', { rdsName: routeName });
    listeners.push(listener(`0.0.0.0_${targetPort}`, socketAddress(proxy.ip, targetPort), 'OUTBOUND', { filters: [hcm] }));
    routes.push({ name: routeName, virtual_hosts: virtualHosts(model, servers), validate_clusters: false });
  }
  return { listeners, routes };
}

/**
 * The port the gateway pod listens on for a server port: Istio maps a port of the gateway's own
 * Service to its targetPort; any other number is taken as the pod's port already.
 */
function listenerPort(model: MeshModel, proxy: ProxyNode, serverPort: number): number {
  for (const service of model.services) {
    if (service.namespace !== proxy.namespace || service.selector === undefined || !labelsMatch(service.selector, proxy.labels)) continue;
    const port = service.ports.find((candidate) => candidate.port === serverPort);
    if (port) return port.targetPort;
  }
  return serverPort;
}

function virtualHosts(model: MeshModel, servers: readonly BoundServer[]): EnvoyResource[] {
  const byName = new Map<string, { domains: string[]; routes: EnvoyResource[] }>();
  for (const { gateway, server } of servers) {
    const gatewayRef = `${gateway.namespace}/${gateway.name}`;
    for (const virtualService of model.virtualServices) {
      if (!virtualService.gateways.includes(gatewayRef)) continue;
      for (const host of exposedHosts(virtualService, gateway, server)) {
        const name = `${host}:${server.port.number}`;
        const entry = byName.get(name) ?? { domains: host === '*' ? ['*'] : [host, name], routes: [] };
        entry.routes.push(...virtualServiceRoutes(virtualService, { model, gateway: gatewayRef, port: server.port.number, portIsServicePort: false }));
        byName.set(name, entry);
      }
    }
  }
  return [...byName.entries()].sort(([a], [b]) => compare(a, b)).map(([name, entry]) => ({ name, ...entry }));
}

/**
 * The VirtualService hosts a server lets through: its `hosts` entries are `host` or
 * `namespace/host` (`*` any namespace, `.` the Gateway's), and the narrower of two matching
 * host patterns is what the virtual host serves.
 */
function exposedHosts(virtualService: VirtualService, gateway: Gateway, server: GatewayServer): string[] {
  const out = new Set<string>();
  for (const entry of server.hosts) {
    const slash = entry.indexOf('/');
    const namespace = slash === -1 ? '*' : entry.slice(0, slash);
    const pattern = slash === -1 ? entry : entry.slice(slash + 1);
    const allowed = namespace === '*' || namespace === virtualService.namespace || (namespace === '.' && virtualService.namespace === gateway.namespace);
    if (!allowed) continue;
    for (const host of virtualService.hosts) {
      if (hostMatches(pattern, host)) out.add(host);
      else if (hostMatches(host, pattern)) out.add(pattern);
    }
  }
  return [...out];
}
