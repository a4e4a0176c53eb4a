import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { DEFAULT_ROUTE_TIMEOUT_MS, pickWeightedCluster, rewritePath } from '@meshkit/router';
import type { RouteMatch } from '@meshkit/router';
import type { Cluster } from '@meshkit/upstream';
import type { CompiledHttpFilter, FilterStatus, HeaderMap, HttpFilter, HttpFilterContext, HttpFilterFactory } from '../http-filter.js';
import { ResponseFlag } from '../response-flags.js';
import { forwardableHeaders } from './hop-by-hop.js';
import { UpstreamStream } from './upstream-stream.js';

export const ROUTER_FILTER_TYPE = 'envoy.extensions.filters.http.router.v3.Router';

/** How the router finds clusters; the proxy's cluster manager satisfies it. */
export interface ClusterLookup {
  get(name: string): Cluster | undefined;
}

/** The request body as undici reads it, with back-pressure to the downstream socket. */
class RequestBodyStream extends Readable {
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
    const action = match.route.action;
    if (action.type === 'direct') {
      this.ctx.respond(action.status, action.body, { details: 'direct_response' });
      return 'stop';
    }
    const clusterName = action.type === 'cluster' ? action.cluster : pickWeightedCluster(action, randomUint32());
    info.upstreamCluster = clusterName;
    const cluster = this.clusters.get(clusterName);
    if (cluster === undefined) {
      this.ctx.respond(503, '', { flag: ResponseFlag.NoClusterFound, details: 'cluster_not_found' });
      return 'stop';
    }
    const endpoint = cluster.pick();
    if (endpoint === null) {
      this.ctx.respond(503, 'no healthy upstream', { flag: ResponseFlag.NoHealthyUpstream, details: 'no_healthy_upstream' });
      return 'stop';
    }
    info.upstreamHost = `${endpoint.address}:${endpoint.port}`;
    this.upgrade = upgradeToken(headers);
    if (!endOfStream && this.upgrade === undefined) this.requestBody = new RequestBodyStream(this.ctx);
    this.upstream = new UpstreamStream(this.ctx);
    this.timeoutMs = match.route.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
    cluster.poolFor(endpoint).dispatch(this.upstreamRequest(headers, match), this.upstream);
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

  onRequestTrailers(): FilterStatus {
    // The body ends here; forwarding request trailers comes with the HTTP/2 codec.
    this.requestBody?.pushChunk(Buffer.alloc(0), true);
    this.upstream?.armTimeout(this.timeoutMs);
    return 'continue';
  }

  onDestroy(): void {
    this.upstream?.cancel();
    this.requestBody?.destroy();
  }

  private upstreamRequest(headers: HeaderMap, match: RouteMatch): Dispatcher.DispatchOptions {
    const out = forwardableHeaders(headers);
    out['host'] = (headers[':authority'] as string | undefined) ?? '';
    return {
      method: (headers[':method'] as Dispatcher.HttpMethod | undefined) ?? 'GET',
      path: rewritePath(match.route, (headers[':path'] as string | undefined) ?? '/'),
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
    compile(): CompiledHttpFilter {
      return { name: 'envoy.filters.http.router', create: (ctx) => new RouterFilter(ctx, clusters) };
    },
  };
}
