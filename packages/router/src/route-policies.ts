// Compiled, validated, frozen descriptions of what a route asks of the proxy. The router does
// not execute them; the proxy's filters do, with the pure helpers this package provides.
import type { HeaderAppendAction } from './route-action-input.js';
import type { StringMatcher } from './string-matcher.js';

export interface HeaderToAdd {
  /** Lower case. */
  readonly key: string;
  readonly value: string;
  readonly appendAction: HeaderAppendAction;
  readonly keepEmptyValue: boolean;
}

/** One level's mutation (weighted cluster, route, virtual host or route config). */
export interface HeaderMutationSet {
  /** Which level declared it, for config dumps and debugging. */
  readonly level: 'weightedCluster' | 'route' | 'virtualHost' | 'routeConfig';
  /** Lower case; removed before this level's additions, as in Envoy. */
  readonly headersToRemove: readonly string[];
  readonly headersToAdd: readonly HeaderToAdd[];
}

/** A share of requests: selected when `random % denominator < numerator`. */
export interface RuntimeFraction {
  readonly numerator: number;
  readonly denominator: 100 | 10_000 | 1_000_000;
  readonly runtimeKey: string | undefined;
}

/** Envoy's RouteAction.MaxStreamDuration, in milliseconds (see `MaxStreamDurationInput`). */
export interface MaxStreamDuration {
  readonly maxStreamDurationMs?: number;
  readonly grpcTimeoutHeaderMaxMs?: number;
  readonly grpcTimeoutHeaderOffsetMs?: number;
}

/** A compiled Envoy HeaderMatcher applied to headers read by name (see `RetryPolicy`). */
export interface HeaderTest {
  matchesHeaders(read: (name: string) => string | undefined): boolean;
}

export interface RetryPolicy {
  readonly retryOn: readonly string[];
  readonly numRetries: number;
  readonly perTryTimeoutMs: number | undefined;
  readonly perTryIdleTimeoutMs: number | undefined;
  /** Envoy's defaults when unset: base 25 ms, max 10 × base. */
  readonly baseIntervalMs: number;
  readonly maxIntervalMs: number;
  readonly retriableStatusCodes: readonly number[];
  /** Envoy's `retriable_headers`: under `retriable-headers`, a response matching any is retried. */
  readonly retriableHeaders: readonly HeaderTest[];
  /** Envoy's `retriable_request_headers`: when given, only a request matching one may be retried. */
  readonly retriableRequestHeaders: readonly HeaderTest[];
  /** Envoy's `rate_limited_retry_back_off`: reset headers tried in order, and the longest wait honoured. */
  readonly rateLimitedBackOff:
    | { readonly resetHeaders: readonly { readonly name: string; readonly format: 'SECONDS' | 'UNIX_TIMESTAMP' }[]; readonly maxIntervalMs: number }
    | undefined;
  readonly avoidPreviousHosts: boolean;
  readonly hostSelectionRetryMaxAttempts: number;
}

export type HashPolicy =
  | { readonly type: 'header'; readonly headerName: string; readonly terminal: boolean }
  | {
      readonly type: 'cookie';
      readonly name: string;
      readonly ttlMs: number | undefined;
      readonly path: string | undefined;
      readonly terminal: boolean;
    }
  | { readonly type: 'sourceIp'; readonly terminal: boolean }
  | { readonly type: 'queryParameter'; readonly name: string; readonly terminal: boolean };

export interface RequestMirrorPolicy {
  readonly cluster: string;
  /** `undefined` mirrors every request. */
  readonly fraction: RuntimeFraction | undefined;
  readonly traceSampled: boolean | undefined;
}

export interface CorsPolicy {
  /** Compiled origin matchers; `corsOriginAllowed` runs them. */
  readonly allowOrigin: readonly StringMatcher[];
  readonly allowMethods: string | undefined;
  readonly allowHeaders: string | undefined;
  readonly exposeHeaders: string | undefined;
  readonly maxAge: string | undefined;
  readonly allowCredentials: boolean | undefined;
  readonly filterEnabled: RuntimeFraction | undefined;
  readonly shadowEnabled: RuntimeFraction | undefined;
}

export interface CompiledRedirect {
  /** `https` for httpsRedirect; `undefined` keeps the request's scheme. */
  readonly scheme: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly pathRedirect: string | undefined;
  readonly prefixRewrite: string | undefined;
  readonly regexRewrite: CompiledRegexRewrite | undefined;
  readonly responseCode: 301 | 302 | 303 | 307 | 308;
  readonly stripQuery: boolean;
}

export interface CompiledRegexRewrite {
  readonly regex: string;
  readonly substitution: string;
  /** Replaces every match in `path`; compiled once, linear time. */
  replaceAll(path: string): string;
}

export type HostRewrite = { readonly type: 'literal'; readonly host: string } | { readonly type: 'auto' };
