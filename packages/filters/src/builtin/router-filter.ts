import { copyHeaderFields } from '@meshkit/core';
import type { RetryVerdict, UpstreamResetReason } from '@meshkit/resilience';
import type { Dispatcher } from 'undici';
import { DEFAULT_ROUTE_TIMEOUT_MS, applyHeaderMutations, pickWeightedClusterEntry, rewritePath } from '@meshkit/router';
import type { CompiledRoute, HeaderMutationSet, RetryPolicy } from '@meshkit/router';
import type { Cluster, Endpoint } from '@meshkit/upstream';
import type { CompiledHttpFilter, FilterStatus, HeaderMap, HttpFilter, HttpFilterContext, HttpFilterFactory, LocalReplyOptions } from '../http-filter.js';
import { isGrpcRequest } from '../grpc-local-reply.js';
import { ResponseFlag } from '../response-flags.js';
import { grpcRouteTimeoutMs } from '../stream-duration.js';
import { CONSUMED_ENVOY_HEADERS, readRouterOverrides, retryPolicyWith } from './envoy-request-headers.js';
import { forwardableHeaders } from './hop-by-hop.js';
import { hashKeyFor, headerValue, localReplyHeaders, upstreamHost } from './route-actions.js';
import { RequestBody } from './request-body.js';
import { RouteRetries } from './route-retries.js';
import type { RetryGate } from './route-retries.js';
import { readRouterSettings } from './router-settings.js';
import type { RouterSettings } from './router-settings.js';
import { UpstreamStream } from './upstream-stream.js';

export const ROUTER_FILTER_TYPE = 'envoy.extensions.filters.http.router.v3.Router';

/** How the router finds clusters; the proxy's cluster manager satisfies it. */
export interface ClusterLookup {
  get(name: string): Cluster | undefined;
}

/**
 * The policy for this request: Envoy's `retriable_request_headers`, when given, leave a request
 * matching none of them without retries (its per-try timeouts still apply).
 */
function retriableRequest(policy: RetryPolicy | undefined, headers: HeaderMap): RetryPolicy | undefined {
  if (policy === undefined || policy.retriableRequestHeaders.length === 0) return policy;
  const read = (name: string): string | undefined => headerValue(headers, name);
  return policy.retriableRequestHeaders.some((test) => test.matchesHeaders(read)) ? policy : { ...policy, retryOn: [] };
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

/** What a retry needs to send the request again. */
interface RetryPlan {
  readonly retries: RouteRetries;
  readonly route: CompiledRoute;
  readonly request: Dispatcher.DispatchOptions;
  /** The request's upstream headers (`request.headers`). */
  readonly headers: HeaderMap;
  readonly responseMutations: readonly HeaderMutationSet[];
}

/**
 * The terminal filter: picks the cluster and endpoint for the route and sends the request
 * upstream on that endpoint's pool; the response comes back through `UpstreamStream`. Under a
 * route's `retry_policy` it retries failed attempts (Envoy's router retries), within the route
 * timeout, which covers every attempt and the back-off between them.
 */
class RouterFilter implements HttpFilter, RetryGate {
  private upstream: UpstreamStream | undefined;
  private body: RequestBody | undefined;
  private timeoutMs = 0;
  private routeTimer: NodeJS.Timeout | undefined;
  private requestComplete = false;
  /** The `upgrade` token of an HTTP/1.1 Upgrade request (WebSocket), tunnelled once upstream agrees. */
  private upgrade: string | undefined;
  /** Only for routes with a retry policy. */
  private retry: RetryPlan | undefined;
  private backoffTimer: NodeJS.Timeout | undefined;
  /** The virtual host's `include_request_attempt_count` and `include_attempt_count_in_response`. */
  private countAttempts = false;
  private countAttemptsInResponse = false;

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
    const hashKey = route.hashPolicy.length === 0 ? undefined : hashKeyFor(route, headers, info);
    const endpoint = cluster.pick(hashKey);
    if (endpoint === null) {
      this.localReply(route, headers, responseMutations, 503, 'no healthy upstream', { flag: ResponseFlag.NoHealthyUpstream, details: 'no_healthy_upstream' });
      return 'stop';
    }
    this.upgrade = upgradeToken(headers);
    const overrides = readRouterOverrides(headers);
    const routePolicy = overrides === undefined ? route.retryPolicy : retryPolicyWith(route.retryPolicy, overrides);
    const retryPolicy = this.upgrade === undefined ? retriableRequest(routePolicy, headers) : undefined;
    if (!endOfStream && this.upgrade === undefined) this.body = new RequestBody(this.ctx, retryPolicy !== undefined);
    this.timeoutMs = overrides?.timeoutMs ?? this.routeTimeoutMs(route, headers);
    const request = this.upstreamRequest(headers, route, requestMutations, endpoint, overrides !== undefined, retryPolicy?.perTryTimeoutMs);
    if (retryPolicy !== undefined) {
      const upstreamHeaders = request.headers as HeaderMap;
      this.retry = { retries: new RouteRetries(retryPolicy, cluster, hashKey), route, request, headers: upstreamHeaders, responseMutations };
    }
    this.countAttempts = match.virtualHost.includeRequestAttemptCount;
    this.countAttemptsInResponse = match.virtualHost.includeAttemptCountInResponse;
    if (this.countAttempts) (request.headers as HeaderMap)['x-envoy-attempt-count'] = '1';
    this.upstream = new UpstreamStream(this.ctx, this.settings, responseMutations, this.retry === undefined ? undefined : this, this.countAttemptsInResponse ? '1' : undefined);
    this.send(this.upstream, cluster, endpoint, request);
    if (endOfStream) this.onRequestComplete();
    return 'continue';
  }

  onRequestData(data: Buffer, endOfStream: boolean): FilterStatus {
    if (this.upgrade !== undefined) {
      // An upgraded stream has no route timeout: it lasts as long as both ends keep it open.
      this.upstream?.sendUpgraded(data, endOfStream);
      return 'continue';
    }
    this.body?.push(data, endOfStream);
    if (endOfStream) this.onRequestComplete();
    return 'continue';
  }

  onRequestTrailers(trailers: HeaderMap): FilterStatus {
    // Sent after the body: a chunked body's trailer section on HTTP/1.1, a trailing HEADERS frame on HTTP/2.
    this.body?.setTrailers(forwardableHeaders(trailers));
    this.onRequestComplete();
    return 'continue';
  }

  onDestroy(): void {
    if (this.routeTimer !== undefined) clearTimeout(this.routeTimer);
    if (this.backoffTimer !== undefined) clearTimeout(this.backoffTimer);
    this.upstream?.cancel();
    this.body?.destroy();
    this.retry?.retries.state.finish();
  }

  retryResponse(status: number, headers: HeaderMap): boolean {
    const retry = this.retry as RetryPlan;
    const read = (name: string): string | undefined => (name === ':status' ? String(status) : headerValue(headers, name));
    if (this.retryable() && this.granted(retry.retries.state.onResponse(status, read))) return true;
    // This response goes downstream: no retry will need the body again.
    this.body?.stopKeeping();
    return false;
  }

  retryReset(reason: UpstreamResetReason): boolean {
    const retry = this.retry as RetryPlan;
    return this.retryable() && this.granted(retry.retries.state.onReset(reason));
  }

  /** The route timeout, or for a gRPC request under `max_grpc_timeout` the one its deadline gives. */
  private routeTimeoutMs(route: CompiledRoute, headers: HeaderMap): number {
    const maxGrpc = route.maxGrpcTimeoutMs;
    if (maxGrpc !== undefined && isGrpcRequest(headers)) return grpcRouteTimeoutMs(maxGrpc, route.grpcTimeoutOffsetMs, headers);
    return route.timeoutMs ?? DEFAULT_ROUTE_TIMEOUT_MS;
  }

  /** A request whose body outgrew the buffer limit cannot be sent again. */
  private retryable(): boolean {
    return this.body === undefined || this.body.replayable;
  }

  /** Acts on a retry verdict: schedules the retry, or flags why there is none. */
  private granted(verdict: RetryVerdict): boolean {
    if (verdict === 'limit-exceeded') this.ctx.streamInfo.setResponseFlag(ResponseFlag.UpstreamRetryLimitExceeded);
    if (verdict === 'overflow') this.ctx.streamInfo.setResponseFlag(ResponseFlag.UpstreamOverflow);
    if (verdict !== 'retry') return false;
    const retry = this.retry as RetryPlan;
    // The next attempt exists from now, so a route timeout during the back-off answers through it.
    const attempt = String(retry.retries.state.retries + 1);
    const next = new UpstreamStream(this.ctx, this.settings, retry.responseMutations, this, this.countAttemptsInResponse ? attempt : undefined);
    this.upstream = next;
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.sendRetry(next, retry);
    }, retry.retries.state.backoffMs());
    return true;
  }

  private sendRetry(attempt: UpstreamStream, retry: RetryPlan): void {
    if (attempt.finished) return;
    const endpoint = retry.retries.pickEndpoint();
    if (endpoint === null) {
      attempt.cancel();
      this.localReply(retry.route, this.ctx.requestHeaders, retry.responseMutations, 503, 'no healthy upstream', { flag: ResponseFlag.NoHealthyUpstream, details: 'no_healthy_upstream' });
      return;
    }
    // auto_host_rewrite takes the Host from the endpoint, which may differ from the last attempt's.
    const host = upstreamHost(retry.route, this.ctx.requestHeaders, endpoint);
    const headers: HeaderMap = copyHeaderFields(retry.headers);
    headers['host'] = host;
    if (this.countAttempts) headers['x-envoy-attempt-count'] = String(retry.retries.state.retries + 1);
    this.send(attempt, retry.retries.cluster, endpoint, { ...retry.request, headers, body: this.body?.restart() ?? null });
    if (this.requestComplete) attempt.armPerTryTimeouts(retry.retries);
  }

  private send(attempt: UpstreamStream, cluster: Cluster, endpoint: Endpoint, request: Dispatcher.DispatchOptions): void {
    const info = this.ctx.streamInfo;
    info.upstreamHost = `${endpoint.address}:${endpoint.port}`;
    this.retry?.retries.attempted(endpoint);
    // A cluster that uses the downstream's protocol speaks HTTP/2 upstream for a request that came over it.
    const pool = cluster.poolFor(endpoint, info.protocol === 'HTTP/2');
    info.upstreamProtocol = pool.protocol;
    pool.dispatch(request, attempt);
  }

  /** The downstream request is complete: the route timeout starts, and the attempt's per-try timeout. */
  private onRequestComplete(): void {
    if (this.requestComplete) return;
    this.requestComplete = true;
    if (this.timeoutMs > 0) this.routeTimer = setTimeout(() => this.upstream?.timeOut(), this.timeoutMs);
    if (this.retry !== undefined) this.upstream?.armPerTryTimeouts(this.retry.retries);
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
    hasOverrides: boolean,
    perTryTimeoutMs: number | undefined,
  ): Dispatcher.DispatchOptions {
    const forwarded = forwardableHeaders(headers);
    if (hasOverrides) for (const name of CONSUMED_ENVOY_HEADERS) delete forwarded[name];
    // Route config, virtual host, route and weighted cluster mutations, in the order the router compiled.
    const out = requestMutations.length === 0 ? forwarded : applyHeaderMutations(forwarded, requestMutations);
    out['host'] = upstreamHost(route, headers, endpoint);
    const path = (headers[':path'] as string | undefined) ?? '/';
    if (!this.settings.suppressEnvoyHeaders) {
      // Envoy keeps the path it rewrote in x-envoy-original-path.
      if (route.prefixRewrite !== undefined || route.regexRewrite !== undefined) out['x-envoy-original-path'] = path;
      // And tells the upstream how long this hop will wait: the per-try timeout when it is the shorter.
      const expected = perTryTimeoutMs !== undefined && perTryTimeoutMs > 0 && (this.timeoutMs === 0 || perTryTimeoutMs < this.timeoutMs) ? perTryTimeoutMs : this.timeoutMs;
      if (expected > 0) out['x-envoy-expected-rq-timeout-ms'] = String(expected);
    }
    return {
      method: (headers[':method'] as Dispatcher.HttpMethod | undefined) ?? 'GET',
      path: rewritePath(route, path),
      headers: out,
      body: this.body?.stream ?? null,
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
