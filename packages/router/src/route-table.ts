import type { RouteRequest } from './route-request.js';

/** How a route's path is matched, as compiled (for inspection and config dumps). */
export type CompiledPathMatch =
  | { readonly type: 'prefix'; readonly prefix: string; readonly caseSensitive: boolean }
  | { readonly type: 'path'; readonly path: string; readonly caseSensitive: boolean }
  | { readonly type: 'regex'; readonly regex: string };

export interface WeightedCluster {
  readonly name: string;
  readonly weight: number;
}

/** What to do with a matched request. */
export type RouteAction =
  | { readonly type: 'cluster'; readonly cluster: string }
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
  readonly prefixRewrite: string | undefined;
  /**
   * Upstream timeout for cluster and weighted actions: the configured value, or Envoy's default
   * of 15 000 ms; 0 means no timeout. `undefined` for direct responses, which have no upstream.
   */
  readonly timeoutMs: number | undefined;
}

export interface CompiledVirtualHost {
  readonly name: string;
  /** As configured (not lower-cased). */
  readonly domains: readonly string[];
  readonly routes: readonly CompiledRoute[];
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
  findVirtualHost(authority: string): CompiledVirtualHost | null;
}
