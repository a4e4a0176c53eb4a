import { parseDuration } from '../duration.js';
import type { ConfigResource } from '../parse/config-resource.js';
import { asArray, asNumber, asRecord, asString, isRecord, stringEntries } from '../plain-json.js';
import type { PlainRecord } from '../plain-json.js';
import { resolveGatewayRef, resolveHost } from './host-names.js';
import type { DestinationRule, Gateway, GatewayServer, HttpMatchRequest, HttpRoute, RouteDestination, StringMatch, VirtualService } from './mesh-model.js';

export function toVirtualService(resource: ConfigResource): VirtualService {
  const spec = asRecord(resource.spec);
  const { name, namespace } = resource.metadata;
  const gateways = strings(spec['gateways']).map((ref) => resolveGatewayRef(ref, namespace));
  return {
    name,
    namespace,
    hosts: strings(spec['hosts']).map((host) => resolveHost(host, namespace)),
    gateways: gateways.length === 0 ? ['mesh'] : gateways,
    http: asArray(spec['http'])
      .filter(isRecord)
      .map((rule) => toHttpRoute(rule, namespace)),
    source: resource.source,
  };
}

function toHttpRoute(rule: PlainRecord, namespace: string): HttpRoute {
  const route: HttpRoute = {
    match: asArray(rule['match'])
      .filter(isRecord)
      .map((match) => toMatchRequest(match, namespace)),
    route: asArray(rule['route'])
      .filter(isRecord)
      .map((destination) => toDestination(destination, namespace)),
  };
  const name = asString(rule['name']);
  if (name !== undefined) route.name = name;
  const rewriteUri = asString(asRecord(rule['rewrite'])['uri']);
  if (rewriteUri !== undefined) route.rewriteUri = rewriteUri;
  const timeout = asString(rule['timeout']);
  const timeoutNanos = timeout === undefined ? undefined : parseDuration(timeout);
  if (timeoutNanos !== undefined) route.timeoutNanos = timeoutNanos;
  return route;
}

function toMatchRequest(match: PlainRecord, namespace: string): HttpMatchRequest {
  const request: HttpMatchRequest = {
    headers: stringMatches(match['headers']),
    queryParams: stringMatches(match['queryParams']),
    ignoreUriCase: match['ignoreUriCase'] === true,
    gateways: strings(match['gateways']).map((ref) => resolveGatewayRef(ref, namespace)),
  };
  const name = asString(match['name']);
  if (name !== undefined) request.name = name;
  const uri = toStringMatch(match['uri']);
  if (uri) request.uri = uri;
  const method = toStringMatch(match['method']);
  if (method) request.method = method;
  const authority = toStringMatch(match['authority']);
  if (authority) request.authority = authority;
  const port = asNumber(match['port']);
  if (port !== undefined) request.port = port;
  return request;
}

function toDestination(entry: PlainRecord, namespace: string): RouteDestination {
  const destination = asRecord(entry['destination']);
  const out: RouteDestination = { host: resolveHost(asString(destination['host']) ?? '', namespace) };
  const subset = asString(destination['subset']);
  if (subset !== undefined) out.subset = subset;
  const port = asNumber(asRecord(destination['port'])['number']);
  if (port !== undefined) out.port = port;
  const weight = asNumber(entry['weight']);
  if (weight !== undefined) out.weight = weight;
  return out;
}

function toStringMatch(value: unknown): StringMatch | undefined {
  const match = asRecord(value);
  const exact = asString(match['exact']);
  if (exact !== undefined) return { exact };
  const prefix = asString(match['prefix']);
  if (prefix !== undefined) return { prefix };
  const regex = asString(match['regex']);
  if (regex !== undefined) return { regex };
  return undefined;
}

function stringMatches(value: unknown): Record<string, StringMatch> {
  const out: Record<string, StringMatch> = {};
  for (const [key, entry] of Object.entries(asRecord(value))) {
    const match = toStringMatch(entry);
    if (match) out[key] = match;
  }
  return out;
}

export function toDestinationRule(resource: ConfigResource): DestinationRule {
  const spec = asRecord(resource.spec);
  const { name, namespace } = resource.metadata;
  return {
    name,
    namespace,
    host: resolveHost(asString(spec['host']) ?? '', namespace),
    subsets: asArray(spec['subsets'])
      .filter(isRecord)
      .map((subset) => ({ name: asString(subset['name']) ?? '', labels: stringEntries(subset['labels']) })),
    source: resource.source,
  };
}

export function toGateway(resource: ConfigResource): Gateway {
  const spec = asRecord(resource.spec);
  return {
    name: resource.metadata.name,
    namespace: resource.metadata.namespace,
    selector: stringEntries(spec['selector']),
    servers: asArray(spec['servers'])
      .filter(isRecord)
      .map((server): GatewayServer => {
        const port = asRecord(server['port']);
        return {
          port: { number: asNumber(port['number']) ?? 0, name: asString(port['name']) ?? '', protocol: (asString(port['protocol']) ?? '').toUpperCase() },
          hosts: strings(server['hosts']),
        };
      }),
    source: resource.source,
  };
}

function strings(value: unknown): string[] {
  return asArray(value).filter((entry): entry is string => typeof entry === 'string');
}
