import { formatEnvoyDuration } from '../duration.js';
import type { HttpMatchRequest, HttpRoute, MeshModel, RouteDestination, StringMatch, VirtualService } from '../model/mesh-model.js';
import type { EnvoyResource } from './envoy-shapes.js';
import { outboundClusterName } from './outbound-clusters.js';

/** What the routes are being built for: which gateway (`mesh` for sidecars) and which port. */
export interface RouteContext {
  readonly model: MeshModel;
  /** `mesh`, or the Gateway as `namespace/name`. */
  readonly gateway: string;
  /** The port traffic arrives on: the service port (sidecars) or the server port (gateways). */
  readonly port: number;
  /** Whether a destination without a port may take `port`: true for sidecars, where it is the service's. */
  readonly portIsServicePort: boolean;
}

// Istio turns off Envoy's default 15s route timeout unless the VirtualService sets one.
const NO_TIMEOUT = '0s';

/** Envoy routes for a VirtualService's HTTP rules: one route per `match` entry, in order. */
export function virtualServiceRoutes(virtualService: VirtualService, context: RouteContext): EnvoyResource[] {
  const routes: EnvoyResource[] = [];
  for (const rule of virtualService.http) {
    const action = routeAction(rule, context);
    if (rule.match.length === 0) {
      routes.push(envoyRoute(rule.name, { prefix: '/' }, action));
      continue;
    }
    for (const match of rule.match) {
      if (!matchApplies(match, context)) continue;
      routes.push(envoyRoute(rule.name, routeMatch(match), action));
    }
  }
  return routes;
}

/** The route a host without a VirtualService gets: everything to the whole service. */
export function defaultRoute(port: number, fqdn: string): EnvoyResource {
  return envoyRoute('default', { prefix: '/' }, { cluster: outboundClusterName(port, '', fqdn), timeout: NO_TIMEOUT });
}

function envoyRoute(name: string | undefined, match: EnvoyResource, action: EnvoyResource): EnvoyResource {
  return name === undefined ? { match, route: action } : { name, match, route: action };
}

/** A match entry bound to other gateways or another port does not apply here. */
function matchApplies(match: HttpMatchRequest, context: RouteContext): boolean {
  if (match.gateways.length > 0 && !match.gateways.includes(context.gateway)) return false;
  if (match.port !== undefined && match.port !== context.port) return false;
  return true;
}

function routeMatch(match: HttpMatchRequest): EnvoyResource {
  const out: EnvoyResource = match.uri ? pathMatch(match.uri) : { prefix: '/' };
  if (match.ignoreUriCase) out['case_sensitive'] = false;
  const headers: EnvoyResource[] = [];
  if (match.method) headers.push({ name: ':method', string_match: stringMatcher(match.method) });
  if (match.authority) headers.push({ name: ':authority', string_match: stringMatcher(match.authority) });
  for (const [name, value] of Object.entries(match.headers)) headers.push({ name, string_match: stringMatcher(value) });
  if (headers.length > 0) out['headers'] = headers;
  const query = Object.entries(match.queryParams).map(([name, value]) => ({ name, string_match: stringMatcher(value) }));
  if (query.length > 0) out['query_parameters'] = query;
  return out;
}

function pathMatch(uri: StringMatch): EnvoyResource {
  if ('exact' in uri) return { path: uri.exact };
  if ('prefix' in uri) return { prefix: uri.prefix };
  return { safe_regex: { regex: uri.regex } };
}

function stringMatcher(match: StringMatch): EnvoyResource {
  if ('exact' in match) return { exact: match.exact };
  if ('prefix' in match) return { prefix: match.prefix };
  return { safe_regex: { regex: match.regex } };
}

function routeAction(rule: HttpRoute, context: RouteContext): EnvoyResource {
  // Istio drops zero-weight destinations when others remain; a lone destination takes everything.
  const destinations = rule.route.length > 1 ? rule.route.filter((d) => (d.weight ?? 0) > 0) : rule.route;
  const action: EnvoyResource = {};
  const [only] = destinations;
  if (destinations.length === 1 && only) {
    action['cluster'] = destinationCluster(only, context);
  } else {
    action['weighted_clusters'] = {
      clusters: destinations.map((d) => ({ name: destinationCluster(d, context), weight: d.weight ?? 0 })),
    };
  }
  if (rule.rewriteUri !== undefined) action['prefix_rewrite'] = rule.rewriteUri;
  action['timeout'] = rule.timeoutNanos === undefined ? NO_TIMEOUT : formatEnvoyDuration(rule.timeoutNanos);
  return action;
}

/**
 * The port of a destination, as Istio resolves it: the one written, else the service's only
 * port, else (sidecars) the service port the traffic came in on, else the service's first port.
 */
function destinationCluster(destination: RouteDestination, context: RouteContext): string {
  const service = context.model.services.find((candidate) => candidate.fqdn === destination.host);
  const onlyPort = service?.ports.length === 1 ? service.ports[0]?.port : undefined;
  const incoming = context.portIsServicePort ? context.port : undefined;
  const port = destination.port ?? onlyPort ?? incoming ?? service?.ports[0]?.port ?? context.port;
  return outboundClusterName(port, destination.subset ?? '', destination.host);
}
