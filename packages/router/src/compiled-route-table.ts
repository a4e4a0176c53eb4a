import type { RequestMatcher } from './request-matcher.js';
import { RequestView } from './request-view.js';
import type { RouteRequest } from './route-request.js';
import type {
  CompiledPathMatch,
  CompiledRoute,
  CompiledVirtualHost,
  RouteAction,
  RouteMatch,
  RouteTable,
} from './route-table.js';
import type { VirtualHostIndex } from './virtual-host-index.js';

export class RouteEntry implements CompiledRoute {
  constructor(
    readonly name: string,
    readonly pathMatch: CompiledPathMatch,
    readonly action: RouteAction,
    readonly prefixRewrite: string | undefined,
    readonly timeoutMs: number | undefined,
    /** Every one must match; the path matcher first, as it is the cheapest to refuse. */
    readonly matchers: readonly RequestMatcher[],
  ) {
    // Shared by every request that matches it, so nobody may change it.
    Object.freeze(this);
  }
}

export class VirtualHostEntry implements CompiledVirtualHost {
  /** Built once so that a match hands back a shared object instead of allocating one. */
  private readonly results: readonly RouteMatch[];
  private readonly matchers: readonly (readonly RequestMatcher[])[];

  constructor(
    readonly name: string,
    readonly domains: readonly string[],
    readonly routes: readonly RouteEntry[],
  ) {
    this.results = Object.freeze(routes.map((route) => Object.freeze({ virtualHost: this, route })));
    this.matchers = routes.map((route) => route.matchers);
    Object.freeze(this);
  }

  /** HOT PATH: per request. First match wins; no allocation, no closures. */
  firstMatch(view: RequestView): RouteMatch | null {
    const all = this.matchers;
    for (let r = 0; r < all.length; r++) {
      const matchers = all[r];
      if (matchers !== undefined && matchesAll(matchers, view)) return this.results[r] ?? null;
    }
    return null;
  }
}

function matchesAll(matchers: readonly RequestMatcher[], view: RequestView): boolean {
  for (let m = 0; m < matchers.length; m++) {
    if (matchers[m]?.matches(view) !== true) return false;
  }
  return true;
}

export class CompiledRouteTable implements RouteTable {
  // One view reused by every match: matching is synchronous, so it is never shared by two.
  private readonly view = new RequestView();

  constructor(
    readonly name: string,
    readonly virtualHosts: readonly VirtualHostEntry[],
    private readonly index: VirtualHostIndex<VirtualHostEntry>,
  ) {}

  /** HOT PATH: per request; no config parsing, no regex compiling, no throwing, no awaiting. */
  match(request: RouteRequest): RouteMatch | null {
    const virtualHost = this.index.find(request.authority);
    if (virtualHost === undefined) return null;
    const view = this.view;
    view.reset(request);
    const found = virtualHost.firstMatch(view);
    view.release();
    return found;
  }

  findVirtualHost(authority: string): CompiledVirtualHost | null {
    return this.index.find(authority) ?? null;
  }
}
