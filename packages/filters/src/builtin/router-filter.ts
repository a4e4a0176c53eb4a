import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { DEFAULT_ROUTE_TIMEOUT_MS, applyHeaderMutations, pickWeightedClusterEntry, rewritePath } from '@meshkit/router';
import type { CompiledRoute, HeaderMutationSet } from '@meshkit/router';
import type { Cluster, Endpoint } from '@meshkit/upstream';
import type { CompiledHttpFilter, FilterStatus, HeaderMap, HttpFilter, HttpFilterContext, HttpFilterFactory, LocalReplyOptions } from '../http-filter.js';
import { ResponseFlag } from '../response-flags.js';
import { forwardableHeaders } from './hop-by-hop.js';
import { hashKeyFor, headerValue, localReplyHeaders, upstreamHost } from './route-actions.js';
import { readRouterSettings } from './router-settings.js';
import type { RouterSettings } from './router-settings.js';
import { UpstreamStream } from './upstream-stream.js';

export const ROUTER_FILTER_TYPE = 'envoy.extensions.filters.http.router.v3.Router';

/** How the router finds clusters; the proxy's cluster manager satisfies it. */
export interface ClusterLookup {
  get(name: string): Cluster | undefined;
}

/** The request body as undici reads it, with back-pressure to the downstream socket. */
class RequestBodyStream extends Readable {
  /** The request's trailers, which the HTTP/1.1 pool sends in the chunked body's trailer section. */
  trailers: HeaderMap | null = null;

  constructor(private readonly ctx: HttpFilterContext) {
    super();
  }

  pushChunk(data: Buffer, endOfStream: boolean): void {
    if (data.length > 0 && !this.push(data)) this.ctx.setDownstreamReadPaused(true);
    if (endOfStream) this.push(null);
  }

  override _read(): void {
    this.ctx.setDownstreamReadPaused(false);
  }
}

/** The protocol an HTTP/1.1 request asks to switch to (Envoy's `isUpgrade`), or undefined. */
function upgradeToken(headers: HeaderMap): string | undefined {
  const upgrade = headers['upgrade'];
  if (typeof upgrade !== 'string') return undefined;
  const connection = headers['connection'];
  const joined = typeof connection === 'string' ? connection : (connection ?? []).join(',');
  return joined.split(',').some((token) => token.trim().toLowerCase() === 'upgrade') ? upgrade : undefined;
}

function randomUint32(): number {
  return (Math.random() * 0x1_0000_0000) >>> 0;
}

/**
 * The terminal filter: picks the cluster and endpoint for the route and sends the request
 * upstream on that endpoint's pool; the response comes back through `UpstreamStream`.
 */
class RouterFilter implements HttpFilter {
  private upstream: UpstreamStream | undefined;
  private requestBody: RequestBodyStream | undefined;
  private timeoutMs = 0;
  /** The `upgrade` token of an HTTP/1.1 Upgrade request (WebSocket), tunnelled once upstream agrees. */
  private upgrade: string | undefined;

  constructor(
    private readonly ctx: HttpFilterContext,
    private readonly clusters: ClusterLookup,
    private readonly settings: RouterSettings,
  ) {}

  onRequestHeaders(headers: HeaderMap, endOfStream: boolean): FilterStatus {
    const match = this.ctx.route();
    if (match === null) {
      this.ctx.respond(404, '', { flag: ResponseFlag.NoRouteFound, details: 'route_not_found' });
      return 'stop';
    }
    const info = this.ctx.streamInfo;
    info.virtualHostName = match.virtualHost.name;
    info.routeName = match.route.name;
    const route = match.route;
    const action = route.action;
    if (action.type === 'direct') {
      // Direct responses and redirects (whose Location comes from the route's RedirectAction).
      this.localReply(route, headers, route.responseHeaderMutations, action.status, action.body, { details: 'direct_response' });
      return 'stop';
    }
    // HOT PATH: a plain cluster route reads a few fields here and allocates nothing more.
    let clusterName: string | undefined;
    let requestMutations = route.requestHeaderMutations;
    let responseMutations = route.responseHeaderMutations;
    if (action.type === 'cluster') {
      clusterName = action.clusterHeader === undefined ? action.cluster : headerValue(headers, action.clusterHeader);
    } else {
      const picked = pickWeightedClusterEntry(action, randomUint32());
      if (picked !== undefined) {
        clusterName = picked.clusterHeader === undefined ? picked.name : headerValue(headers, picked.clusterHeader);
        requestMutations = picked.requestHeaderMutations;
        responseMutations = picked.responseHeaderMutations;
      }
    }
    info.upstreamCluster = clusterName ?? '';
    // A cluster_header the request lacks names no cluster: Envoy's 503 NC, as for an unknown one.
    const cluster = clusterName === undefined ? undefined : this.clusters.get(clusterName);
    if (cluster === undefined) {
      this.localReply(route, headers, responseMutations, 503, '', { flag: ResponseFlag.NoClusterFound, details: 'cluster_not_found' });
      return 'stop';
    }
    const endpoint = cluster.pick(route.hashPolicy.length === 0 ? undefined : hashKeyFor(route, headers, info));
    if (endpoint === null) {
      this.localReply(route, headers, responseMutations, 503, 'no healthy upstream', { flag: ResponseFlag.NoHealthyUpstream, details: 'no_healthy_upstream' });
      return 'stop';
    }
    info.upstreamHost = `${endpoint.address}:${endpoint.port}`;
    this.upgrade = upgradeToken(headers);
    if (!endOfStream && this.upgrade === undefined) this.requestBody = new RequestBodyStream(this.ctx);
    this.upstream = new UpstreamStream(this.ctx, this.settings, responseMutations);
    this.timeoutMs = route.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
    cluster.poolFor(endpoint).dispatch(this.upstreamRequest(headers, route, requestMutations, endpoint), this.upstream);
    if (endOfStream) this.upstream.armTimeout(this.timeoutMs);
    return 'continue';
  }

  onRequestData(data: Buffer, endOfStream: boolean): FilterStatus {
    if (this.upgrade !== undefined) {
      // An upgraded stream has no route timeout: it lasts as long as both ends keep it open.
      this.upstream?.sendUpgraded(data, endOfStream);
      return 'continue';
    }
    this.requestBody?.pushChunk(data, endOfStream);
    if (endOfStream) this.upstream?.armTimeout(this.timeoutMs);
    return 'continue';
  }

  onRequestTrailers(trailers: HeaderMap): FilterStatus {
    // Forwarded by HTTP/1.1 upstreams (a chunked body's trailer section); HTTP/2 upstreams drop them.
    const body = this.requestBody;
    if (body !== undefined) {
      body.trailers = forwardableHeaders(trailers);
      body.pushChunk(Buffer.alloc(0), true);
    }
    this.upstream?.armTimeout(this.timeoutMs);
    return 'continue';
  }

  onDestroy(): void {
    this.upstream?.cancel();
    this.requestBody?.destroy();
  }

  /** A local reply of the router's, with a redirect's Location and the route's response header mutations. */
  private localReply(
    route: CompiledRoute,
    headers: HeaderMap,
    responseMutations: readonly HeaderMutationSet[],
    status: number,
    body: string | undefined,
    options: LocalReplyOptions,
  ): void {
    const extra = route.redirect === undefined && responseMutations.length === 0 ? undefined : localReplyHeaders(route, headers, responseMutations);
    this.ctx.respond(status, body, extra === undefined ? options : { ...options, headers: extra });
  }

  private upstreamRequest(
    headers: HeaderMap,
    route: CompiledRoute,
    requestMutations: readonly HeaderMutationSet[],
    endpoint: Endpoint,
  ): Dispatcher.DispatchOptions {
    const forwarded = forwardableHeaders(headers);
    // Route config, virtual host, route and weighted cluster mutations, in the order the router compiled.
    const out = requestMutations.length === 0 ? forwarded : applyHeaderMutations(forwarded, requestMutations);
    out['host'] = upstreamHost(route, headers, endpoint);
    const path = (headers[':path'] as string | undefined) ?? '/';
    // Envoy keeps the path it rewrote in x-envoy-original-path.
    if ((route.prefixRewrite !== undefined || route.regexRewrite !== undefined) && !this.settings.suppressEnvoyHeaders) out['x-envoy-original-path'] = path;
    return {
      method: (headers[':method'] as Dispatcher.HttpMethod | undefined) ?? 'GET',
      path: rewritePath(route, path),
      headers: out,
      body: this.requestBody ?? null,
      ...(this.upgrade === undefined ? {} : { upgrade: this.upgrade }),
    };
  }
}

/** The router filter factory, bound to the proxy's clusters. */
export function routerFilterFactory(clusters: ClusterLookup): HttpFilterFactory {
  return {
    typeName: ROUTER_FILTER_TYPE,
    compile(config): CompiledHttpFilter {
      const settings = readRouterSettings(config);
      return { name: 'envoy.filters.http.router', create: (ctx) => new RouterFilter(ctx, clusters, settings) };
    },
  };
}
