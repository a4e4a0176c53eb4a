import type {
  CompiledRedirect,
  CompiledRegexRewrite,
  CorsPolicy,
  HashPolicy,
  HeaderMutationSet,
  HostRewrite,
  MaxStreamDuration,
  RequestMirrorPolicy,
  RetryPolicy,
} from './route-policies.js';
import type { RouteRequest } from './route-request.js';

/** How a route's path is matched, as compiled (for inspection and config dumps). */
export type CompiledPathMatch =
  | { readonly type: 'prefix'; readonly prefix: string; readonly caseSensitive: boolean }
  | { readonly type: 'path'; readonly path: string; readonly caseSensitive: boolean }
  | { readonly type: 'pathSeparatedPrefix'; readonly prefix: string; readonly caseSensitive: boolean }
  | { readonly type: 'regex'; readonly regex: string };

export interface WeightedCluster {
  /** `''` when the cluster is named by `clusterHeader`. */
  readonly name: string;
  readonly clusterHeader: string | undefined;
  readonly weight: number;
  /** In Envoy's order: this cluster's, then the route's chain. */
  readonly requestHeaderMutations: readonly HeaderMutationSet[];
  readonly responseHeaderMutations: readonly HeaderMutationSet[];
}

/**
 * What to do with a matched request. A redirect is a local reply, so it is a `direct` action
 * whose status is the redirect code; `route.redirect` and `redirectLocation` give the Location.
 * A cluster named by a request header is a `cluster` action with `cluster: ''` and
 * `clusterHeader` set; `selectCluster` resolves both forms (and weighted clusters).
 */
export type RouteAction =
  | { readonly type: 'cluster'; readonly cluster: string; readonly clusterHeader?: string }
  | {
      readonly type: 'weighted';
      /** In declared order; `pickWeightedCluster` walks them in this order. */
      readonly clusters: readonly WeightedCluster[];
      readonly totalWeight: number;
    }
  | { readonly type: 'direct'; readonly status: number; readonly body: string | undefined };

export interface CompiledRoute {
  /** The configured name, or `''` when none was given. */
  readonly name: string;
  readonly pathMatch: CompiledPathMatch;
  readonly action: RouteAction;
  /** Set for redirect routes (whose action is `direct` with the redirect's status). */
  readonly redirect: CompiledRedirect | undefined;
  readonly prefixRewrite: string | undefined;
  readonly regexRewrite: CompiledRegexRewrite | undefined;
  readonly hostRewrite: HostRewrite | undefined;
  /**
   * Upstream timeout for cluster and weighted actions: the configured value, or Envoy's default
   * of 15 000 ms; 0 means no timeout. `undefined` for direct responses, which have no upstream.
   */
  readonly timeoutMs: number | undefined;
  readonly idleTimeoutMs: number | undefined;
  /** Envoy's `max_stream_duration` for the route, as configured. */
  readonly maxStreamDuration: MaxStreamDuration | undefined;
  /** Envoy's `max_grpc_timeout` and `grpc_timeout_offset` (see `RouteActionInput`). */
  readonly maxGrpcTimeoutMs: number | undefined;
  readonly grpcTimeoutOffsetMs: number | undefined;
  /** The route's own, else its virtual host's. */
  readonly retryPolicy: RetryPolicy | undefined;
  readonly hashPolicy: readonly HashPolicy[];
  readonly requestMirrorPolicies: readonly RequestMirrorPolicy[];
  /** The route's own, else its virtual host's. */
  readonly cors: CorsPolicy | undefined;
  /** Route, virtual host, route config levels in the order Envoy applies them. */
  readonly requestHeaderMutations: readonly HeaderMutationSet[];
  readonly responseHeaderMutations: readonly HeaderMutationSet[];
}

export interface CompiledVirtualHost {
  readonly name: string;
  /** As configured (not lower-cased). */
  readonly domains: readonly string[];
  readonly routes: readonly CompiledRoute[];
  /** Upstream requests carry the attempt number in `x-envoy-attempt-count`. */
  readonly includeRequestAttemptCount: boolean;
  /** Responses carry it too. */
  readonly includeAttemptCountInResponse: boolean;
}

/** The answer to a match. The same object is returned for every request that selects this route. */
export interface RouteMatch {
  readonly virtualHost: CompiledVirtualHost;
  readonly route: CompiledRoute;
}

/** A route configuration compiled once; matching is synchronous, allocation-light and never throws. */
export interface RouteTable {
  readonly name: string;
  readonly virtualHosts: readonly CompiledVirtualHost[];
  /** The virtual host and first route that match, or `null` when none does. */
  match(request: RouteRequest): RouteMatch | null;
  /** The virtual host an authority selects, or `null` when none does. */
  findVirtualHost(authority: string, localPort?: number): CompiledVirtualHost | null;
}
