import type { PathIndexKey } from './path-matcher.js';
import type { RequestMatcher } from './request-matcher.js';
import { RequestView } from './request-view.js';
import { matchesAll, RouteIndex } from './route-index.js';
import type { CompiledActionParts } from './route-action.js';
import type { HeaderMutationSet } from './route-policies.js';
import type { RouteRequest } from './route-request.js';
import type { CompiledPathMatch, CompiledRoute, CompiledVirtualHost, RouteMatch, RouteTable } from './route-table.js';
import type { VirtualHostIndex } from './virtual-host-index.js';

type RouteParts = Omit<CompiledActionParts, 'weightedClusters'>;

export class RouteEntry implements CompiledRoute {
  readonly action: CompiledRoute['action'];
  readonly redirect: CompiledRoute['redirect'];
  readonly prefixRewrite: CompiledRoute['prefixRewrite'];
  readonly regexRewrite: CompiledRoute['regexRewrite'];
  readonly hostRewrite: CompiledRoute['hostRewrite'];
  readonly timeoutMs: CompiledRoute['timeoutMs'];
  readonly idleTimeoutMs: CompiledRoute['idleTimeoutMs'];
  readonly maxStreamDuration: CompiledRoute['maxStreamDuration'];
  readonly maxGrpcTimeoutMs: CompiledRoute['maxGrpcTimeoutMs'];
  readonly grpcTimeoutOffsetMs: CompiledRoute['grpcTimeoutOffsetMs'];
  readonly retryPolicy: CompiledRoute['retryPolicy'];
  readonly hashPolicy: CompiledRoute['hashPolicy'];
  readonly requestMirrorPolicies: CompiledRoute['requestMirrorPolicies'];
  readonly cors: CompiledRoute['cors'];

  constructor(
    readonly name: string,
    readonly pathMatch: CompiledPathMatch,
    parts: RouteParts,
    readonly requestHeaderMutations: readonly HeaderMutationSet[],
    readonly responseHeaderMutations: readonly HeaderMutationSet[],
    /** Every one must match; the path matcher first, as it is the cheapest to refuse. */
    readonly matchers: readonly RequestMatcher[],
    /** Where the route index files this route. */
    readonly indexKey: PathIndexKey,
  ) {
    this.action = parts.action;
    this.redirect = parts.redirect;
    this.prefixRewrite = parts.prefixRewrite;
    this.regexRewrite = parts.regexRewrite;
    this.hostRewrite = parts.hostRewrite;
    this.timeoutMs = parts.timeoutMs;
    this.idleTimeoutMs = parts.idleTimeoutMs;
    this.maxStreamDuration = parts.maxStreamDuration;
    this.maxGrpcTimeoutMs = parts.maxGrpcTimeoutMs;
    this.grpcTimeoutOffsetMs = parts.grpcTimeoutOffsetMs;
    this.retryPolicy = parts.retryPolicy;
    this.hashPolicy = parts.hashPolicy;
    this.requestMirrorPolicies = parts.requestMirrorPolicies;
    this.cors = parts.cors;
    // Shared by every request that matches it, so nobody may change it.
    Object.freeze(this);
  }
}

export class VirtualHostEntry implements CompiledVirtualHost {
  /** Built once so that a match hands back a shared object instead of allocating one. */
  private readonly results: readonly RouteMatch[];
  private readonly matchers: readonly (readonly RequestMatcher[])[];
  private readonly index: RouteIndex | undefined;

  constructor(
    readonly name: string,
    readonly domains: readonly string[],
    readonly routes: readonly RouteEntry[],
    indexRoutes: boolean,
    readonly includeRequestAttemptCount = false,
    readonly includeAttemptCountInResponse = false,
  ) {
    this.results = Object.freeze(routes.map((route) => Object.freeze({ virtualHost: this, route })));
    this.matchers = routes.map((route) => route.matchers);
    this.index = indexRoutes ? new RouteIndex(routes.map((route) => route.indexKey), this.matchers) : undefined;
    Object.freeze(this);
  }

  /** HOT PATH: per request. First match wins; no allocation, no closures. */
  firstMatch(view: RequestView): RouteMatch | null {
    if (this.index !== undefined) {
      const found = this.index.firstMatch(view);
      return found === -1 ? null : (this.results[found] ?? null);
    }
    // The plain scan: kept as the baseline the index is measured and proven against.
    const all = this.matchers;
    for (let r = 0; r < all.length; r++) {
      const matchers = all[r];
      if (matchers !== undefined && matchesAll(matchers, view)) return this.results[r] ?? null;
    }
    return null;
  }
}

export class CompiledRouteTable implements RouteTable {
  // One view reused by every match: matching is synchronous, so it is never shared by two.
  private readonly view = new RequestView();

  constructor(
    readonly name: string,
    readonly virtualHosts: readonly VirtualHostEntry[],
    private readonly index: VirtualHostIndex<VirtualHostEntry>,
  ) {
    Object.freeze(this.virtualHosts);
  }

  /** HOT PATH: per request; no config parsing, no regex compiling, no throwing, no awaiting. */
  match(request: RouteRequest): RouteMatch | null {
    const virtualHost = this.index.find(request.authority, request.localPort);
    if (virtualHost === undefined) return null;
    const view = this.view;
    view.reset(request);
    try {
      return virtualHost.firstMatch(view);
    } catch {
      // Only a request that breaks its own type (a header that is neither string nor array)
      // can get here; a miss is the answer the contract allows.
      return null;
    } finally {
      view.release();
    }
  }

  findVirtualHost(authority: string, localPort?: number): CompiledVirtualHost | null {
    return this.index.find(authority, localPort) ?? null;
  }
}
