// What the router filter does with a matched route beyond picking a cluster: the Location of a
// redirect, the upstream Host, the consistent-hashing key, the headers of its local replies.
import { applyHeaderMutations, computeHashKey, redirectLocation } from '@meshkit/router';
import type { CompiledRoute, HeaderMutationSet, RouteRequest } from '@meshkit/router';
import type { Endpoint } from '@meshkit/upstream';
import type { HeaderMap } from '../http-filter.js';
import type { StreamInfo } from '../stream-info.js';

/** The first value of a request header, or undefined when it is missing or empty (a cluster_header then names no cluster). */
export function headerValue(headers: HeaderMap, name: string): string | undefined {
  const value = headers[name];
  const first = typeof value === 'string' ? value : value?.[0];
  return first === undefined || first.length === 0 ? undefined : first;
}

/** `ip` from StreamInfo's `ip:port` (IPv6 literals carry colons of their own, so cut at the last). */
function peerIp(address: string): string {
  const colon = address.lastIndexOf(':');
  return colon === -1 ? address : address.slice(0, colon);
}

function routeRequest(headers: HeaderMap, info?: StreamInfo): RouteRequest {
  return {
    authority: (headers[':authority'] as string | undefined) ?? '',
    path: (headers[':path'] as string | undefined) ?? '/',
    method: (headers[':method'] as string | undefined) ?? 'GET',
    headers,
    // Redirects take the scheme from x-forwarded-proto, which the connection manager always sets, as Envoy's do.
    ...(info === undefined ? {} : { sourceIp: peerIp(info.downstreamRemoteAddress) }),
  };
}

/**
 * The key RING_HASH and MAGLEV place the request with, from the route's hash policies and the
 * request as it arrived (before header mutations, as in Envoy); undefined lets the balancer pick
 * at random. Only called for routes that have hash policies.
 */
export function hashKeyFor(route: CompiledRoute, headers: HeaderMap, info: StreamInfo): bigint | undefined {
  return computeHashKey(route.hashPolicy, routeRequest(headers, info)) ?? undefined;
}

/**
 * The Host sent upstream: `host_rewrite_literal`, the endpoint's DNS name for
 * `auto_host_rewrite` (Envoy: no effect for endpoints without one), else the request's authority.
 */
export function upstreamHost(route: CompiledRoute, headers: HeaderMap, endpoint: Endpoint): string {
  const rewrite = route.hostRewrite;
  if (rewrite?.type === 'literal') return rewrite.host;
  if (rewrite?.type === 'auto' && endpoint.hostname !== undefined) return endpoint.hostname;
  return (headers[':authority'] as string | undefined) ?? '';
}

/**
 * Extra headers for a local reply the router sends for `route`: a redirect's Location, then the
 * route's response header mutations (Envoy finalizes its local replies' headers too), or
 * undefined when there is neither.
 */
export function localReplyHeaders(route: CompiledRoute, headers: HeaderMap, responseMutations: readonly HeaderMutationSet[]): HeaderMap | undefined {
  const location = route.redirect === undefined ? null : redirectLocation(route, routeRequest(headers));
  if (responseMutations.length === 0) return location === null ? undefined : { location };
  return applyHeaderMutations(location === null ? {} : { location }, responseMutations);
}
