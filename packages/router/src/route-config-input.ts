// The configuration a RouteTable is compiled from. Field names are the camelCase
// equivalents of Envoy's config.route.v3 fields, so a translator from xDS is a rename.

/** A RE2-compatible regular expression; it must match the whole input (Envoy's FullMatch). */
export interface SafeRegexInput {
  regex: string;
}

/** Envoy's type.matcher.v3.StringMatcher: exactly one of exact/prefix/suffix/contains/safeRegex. */
export interface StringMatchInput {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safeRegex?: SafeRegexInput;
  /** ASCII case-insensitive comparison; has no effect on safeRegex (as in Envoy). */
  ignoreCase?: boolean;
}

/**
 * Envoy's config.route.v3.HeaderMatcher. With neither stringMatch nor presentMatch the matcher
 * accepts any value of a header that is present. `:method`, `:authority` and `:path` read the
 * request's own fields.
 */
export interface HeaderMatcherInput {
  name: string;
  stringMatch?: StringMatchInput;
  presentMatch?: boolean;
  invertMatch?: boolean;
}

/** Exactly one of prefix/path/safeRegex. */
export interface RouteMatchInput {
  prefix?: string;
  path?: string;
  safeRegex?: SafeRegexInput;
  /** Applies to prefix and path only, as in Envoy. Default true. */
  caseSensitive?: boolean;
  headers?: HeaderMatcherInput[];
}

export interface WeightedClusterInput {
  name: string;
  /** A non-negative integer; a cluster of weight 0 is never picked. */
  weight: number;
}

/** Exactly one of cluster/weightedClusters. */
export interface RouteActionInput {
  cluster?: string;
  weightedClusters?: { clusters: WeightedClusterInput[] };
  /** Replaces the matched prefix (or the whole matched path) when forwarding. */
  prefixRewrite?: string;
  /** Upstream timeout; 0 disables it. Defaults to Envoy's 15 s. */
  timeoutMs?: number;
}

export interface DirectResponseInput {
  /** 200-599, as Envoy accepts. */
  status: number;
  body?: string;
}

/** Exactly one of route/directResponse. */
export interface RouteInput {
  name?: string;
  match: RouteMatchInput;
  route?: RouteActionInput;
  directResponse?: DirectResponseInput;
}

export interface VirtualHostInput {
  name: string;
  /**
   * Host names, case-insensitive: `example.com`, `example.com:8080`, suffix wildcards
   * `*.example.com` / `*-api.example.com`, prefix wildcards `example.*`, or `*` (once per table).
   */
  domains: string[];
  routes: RouteInput[];
}

export interface RouteConfigInput {
  name: string;
  virtualHosts: VirtualHostInput[];
  /** Strip `:port` from the authority before selecting a virtual host. Default false. */
  ignorePortInHostMatching?: boolean;
}
