// Inputs for what a route does once matched. Field names are camelCase equivalents of Envoy's
// config.route.v3 fields; durations are milliseconds (`timeoutMs` for Envoy's `timeout`).
import type { RuntimeFractionInput, SafeRegexInput, StringMatchInput } from './matcher-input.js';
import type { HeaderMatcherInput } from './route-config-input.js';

/** Envoy's HeaderValueOption.HeaderAppendAction. */
export type HeaderAppendAction = 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';

/** Envoy's HeaderValueOption. Values are literal: `%…%` formatters are not expanded. */
export interface HeaderValueOptionInput {
  header: { key: string; value: string };
  /** Default APPEND_IF_EXISTS_OR_ADD. */
  appendAction?: HeaderAppendAction;
  /** Add the header even when its value is empty. Default false. */
  keepEmptyValue?: boolean;
}

/** Header mutation, allowed on a route config, a virtual host, a route and a weighted cluster. */
export interface HeaderMutationInput {
  requestHeadersToAdd?: HeaderValueOptionInput[];
  requestHeadersToRemove?: string[];
  responseHeadersToAdd?: HeaderValueOptionInput[];
  responseHeadersToRemove?: string[];
}

export interface WeightedClusterInput extends HeaderMutationInput {
  /** Exactly one of name and clusterHeader. */
  name?: string;
  clusterHeader?: string;
  /** A non-negative integer; a cluster of weight 0 is never picked. */
  weight: number;
}

/** Envoy's RouteAction.MaxStreamDuration; every field a duration in milliseconds. */
export interface MaxStreamDurationInput {
  /** The longest a stream may last; 0 or unset: no limit from the route. */
  maxStreamDurationMs?: number;
  /** When set, a gRPC request's `grpc-timeout` header is its limit instead, capped at this (0: uncapped). */
  grpcTimeoutHeaderMaxMs?: number;
  /** Taken off the `grpc-timeout` value, leaving room for the network. */
  grpcTimeoutHeaderOffsetMs?: number;
}

/** Envoy's RetryPolicy. */
export interface RetryPolicyInput {
  /** Comma-separated conditions: `5xx`, `gateway-error`, `reset`, `connect-failure`, `retriable-4xx`, … */
  retryOn: string;
  /** Default 1. */
  numRetries?: number;
  perTryTimeoutMs?: number;
  perTryIdleTimeoutMs?: number;
  retryBackOff?: { baseIntervalMs: number; maxIntervalMs?: number };
  retriableStatusCodes?: number[];
  retriableHeaders?: HeaderMatcherInput[];
  retriableRequestHeaders?: HeaderMatcherInput[];
  /** Envoy's `rate_limited_retry_back_off`: wait what the response's reset headers say. `maxIntervalMs` default 300 000. */
  rateLimitedRetryBackOff?: { resetHeaders: { name: string; format?: 'SECONDS' | 'UNIX_TIMESTAMP' }[]; maxIntervalMs?: number };
  /** Envoy's `previous_hosts` retry host predicate: a retry picks a host not tried yet when it can. */
  avoidPreviousHosts?: boolean;
  /** How many times a retry picks again when it drew a host already tried. Default 1. */
  hostSelectionRetryMaxAttempts?: number;
}

/** Envoy's RouteAction.HashPolicy: exactly one of the four sources. */
export interface HashPolicyInput {
  header?: { headerName: string };
  cookie?: { name: string; ttlMs?: number; path?: string };
  connectionProperties?: { sourceIp: boolean };
  queryParameter?: { name: string };
  /** Stop at this policy when it produced a hash. */
  terminal?: boolean;
}

/** Envoy's RouteAction.RequestMirrorPolicy. */
export interface RequestMirrorPolicyInput {
  cluster: string;
  /** Share of requests mirrored; default all. */
  runtimeFraction?: RuntimeFractionInput;
  traceSampled?: boolean;
}

/** Envoy's CorsPolicy (the part a route may carry; the CORS filter enforces it). */
export interface CorsPolicyInput {
  allowOriginStringMatch?: StringMatchInput[];
  allowMethods?: string;
  allowHeaders?: string;
  exposeHeaders?: string;
  /** Seconds, as a decimal string, as in Envoy. */
  maxAge?: string;
  allowCredentials?: boolean;
  /** Share of requests the policy is enforced for; default all. */
  filterEnabled?: RuntimeFractionInput;
  /** Share of requests evaluated but not enforced; default none. */
  shadowEnabled?: RuntimeFractionInput;
}

/** Policies a virtual host may set for all its routes; a route's own policy replaces it whole. */
export interface PolicyInputs {
  retryPolicy?: RetryPolicyInput;
  cors?: CorsPolicyInput;
}

/** Exactly one of cluster/clusterHeader/weightedClusters; at most one of prefixRewrite/regexRewrite. */
export interface RouteActionInput extends PolicyInputs {
  cluster?: string;
  /** The cluster is named by this request header; a request without it finds no cluster. */
  clusterHeader?: string;
  weightedClusters?: { clusters: WeightedClusterInput[] };
  /** Replaces the matched prefix (or the whole matched path) when forwarding. */
  prefixRewrite?: string;
  /** Replaces every match of `pattern` in the query-free path; `\1`…`\9` insert groups. */
  regexRewrite?: { pattern: SafeRegexInput; substitution: string };
  /** At most one of hostRewriteLiteral and autoHostRewrite. */
  hostRewriteLiteral?: string;
  autoHostRewrite?: boolean;
  /** Upstream timeout; 0 disables it. Defaults to Envoy's 15 s. */
  timeoutMs?: number;
  /** Stream idle timeout for this route; 0 disables it. */
  idleTimeoutMs?: number;
  /**
   * Envoy's (deprecated) `max_grpc_timeout`: for a gRPC request the route timeout becomes its
   * `grpc-timeout` (none: no timeout), capped at this unless it is 0.
   */
  maxGrpcTimeoutMs?: number;
  /** Envoy's `grpc_timeout_offset`: taken off `grpc-timeout` when that leaves time. */
  grpcTimeoutOffsetMs?: number;
  /** Envoy's `max_stream_duration`: how long a stream on this route may last. */
  maxStreamDuration?: MaxStreamDurationInput;
  hashPolicy?: HashPolicyInput[];
  requestMirrorPolicies?: RequestMirrorPolicyInput[];
}
