// The configuration a RouteTable is compiled from. Field names are the camelCase
// equivalents of Envoy's config.route.v3 fields, so a translator from xDS is a rename.
import type { HeaderMutationInput, PolicyInputs, RouteActionInput } from './route-action-input.js';
import type { RuntimeFractionInput, SafeRegexInput, StringMatchInput } from './matcher-input.js';

export type { FractionalPercentInput, RuntimeFractionInput, SafeRegexInput, StringMatchInput } from './matcher-input.js';
export type { RouteActionInput, WeightedClusterInput } from './route-action-input.js';


/** Envoy's type.v3.Int64Range: `start` inclusive, `end` exclusive. */
export interface RangeInput {
  start: number;
  end: number;
}

/**
 * Envoy's config.route.v3.HeaderMatcher. With none of stringMatch/presentMatch/rangeMatch the
 * matcher accepts any value of a header that is present. `:method`, `:authority`, `:path` and
 * `:scheme` read the request's own fields.
 */
export interface HeaderMatcherInput {
  name: string;
  stringMatch?: StringMatchInput;
  presentMatch?: boolean;
  rangeMatch?: RangeInput;
  invertMatch?: boolean;
  /** A missing header is matched as if it were present with the value `''`. */
  treatMissingHeaderAsEmpty?: boolean;
}

/** Envoy's QueryParameterMatcher: `stringMatch` on the first value, or `presentMatch`, one of them. */
export interface QueryParameterMatcherInput {
  name: string;
  stringMatch?: StringMatchInput;
  presentMatch?: boolean;
}

/** Exactly one of prefix/path/safeRegex/pathSeparatedPrefix. */
export interface RouteMatchInput {
  prefix?: string;
  path?: string;
  safeRegex?: SafeRegexInput;
  /** Matches the path equal to it or followed by `/` (also `?`/`#`); no trailing `/` allowed. */
  pathSeparatedPrefix?: string;
  /** Applies to prefix, path and pathSeparatedPrefix, as in Envoy. Default true. */
  caseSensitive?: boolean;
  headers?: HeaderMatcherInput[];
  queryParameters?: QueryParameterMatcherInput[];
  /** Present: only gRPC requests (content-type `application/grpc` or `application/grpc+…`). */
  grpc?: Record<string, never>;
  /** Matches this share of requests, decided by the request's random value. */
  runtimeFraction?: RuntimeFractionInput;
}

export interface DirectResponseInput {
  /** 200-599, as Envoy accepts. */
  status: number;
  body?: string;
}

/** Envoy's RedirectAction. */
export interface RedirectInput {
  httpsRedirect?: boolean;
  schemeRedirect?: string;
  hostRedirect?: string;
  portRedirect?: number;
  pathRedirect?: string;
  prefixRewrite?: string;
  regexRewrite?: { pattern: SafeRegexInput; substitution: string };
  /** Default MOVED_PERMANENTLY (301). */
  responseCode?: 'MOVED_PERMANENTLY' | 'FOUND' | 'SEE_OTHER' | 'TEMPORARY_REDIRECT' | 'PERMANENT_REDIRECT';
  stripQuery?: boolean;
}

/** Exactly one of route/redirect/directResponse. */
export interface RouteInput extends HeaderMutationInput {
  name?: string;
  match: RouteMatchInput;
  route?: RouteActionInput;
  redirect?: RedirectInput;
  directResponse?: DirectResponseInput;
}

export interface VirtualHostInput extends HeaderMutationInput, PolicyInputs {
  name: string;
  /**
   * Host names, case-insensitive: `example.com`, `example.com:8080`, suffix wildcards
   * `*.example.com` / `*-api.example.com`, prefix wildcards `example.*`, or `*` (once per table).
   */
  domains: string[];
  routes: RouteInput[];
  /** Envoy's `include_request_attempt_count`: upstream requests carry `x-envoy-attempt-count`. */
  includeRequestAttemptCount?: boolean;
  /** Envoy's `include_attempt_count_in_response`: responses carry `x-envoy-attempt-count`. */
  includeAttemptCountInResponse?: boolean;
}

export interface RouteConfigInput extends HeaderMutationInput {
  name: string;
  virtualHosts: VirtualHostInput[];
  /** Strip `:port` from the authority before selecting a virtual host. Default false. */
  ignorePortInHostMatching?: boolean;
  /**
   * The connection manager's `strip_any_host_port`: the port is removed from the authority
   * before matching. (Envoy also forwards the stripped host; that is the proxy's job.)
   */
  stripAnyHostPort?: boolean;
  /**
   * The connection manager's `strip_matching_host_port`: the port is removed when it equals the
   * request's `localPort` (the listener port it arrived on).
   */
  stripMatchingHostPort?: boolean;
  /** Apply header mutations least specific first (config, vhost, route) so the route's win. Default false. */
  mostSpecificHeaderMutationsWins?: boolean;
}
