import { isGrpcRetryCondition, isRetryCondition } from '@meshkit/resilience';
import { DEFAULT_RETRY_POLICY } from '@meshkit/router';
import type { RetryPolicy } from '@meshkit/router';
import type { HeaderMap } from '../http-filter.js';
import { headerValue } from './route-actions.js';

// The x-envoy-* request headers Envoy's router consumes: they steer this hop and are not sent
// upstream. Edge listeners strip them from external requests before any filter runs.
const TIMEOUT = 'x-envoy-upstream-rq-timeout-ms';
const PER_TRY_TIMEOUT = 'x-envoy-upstream-rq-per-try-timeout-ms';
const MAX_RETRIES = 'x-envoy-max-retries';
const RETRY_ON = 'x-envoy-retry-on';
const RETRY_GRPC_ON = 'x-envoy-retry-grpc-on';
const RETRIABLE_STATUS_CODES = 'x-envoy-retriable-status-codes';
export const CONSUMED_ENVOY_HEADERS: readonly string[] = [TIMEOUT, PER_TRY_TIMEOUT, MAX_RETRIES, RETRY_ON, RETRY_GRPC_ON, RETRIABLE_STATUS_CODES];

/** What a request's own x-envoy-* headers ask of the router. */
export interface RouterOverrides {
  /** Replaces the route timeout (0: none). */
  readonly timeoutMs: number | undefined;
  readonly perTryTimeoutMs: number | undefined;
  readonly maxRetries: number | undefined;
  /** Conditions added to the route's (HTTP ones from x-envoy-retry-on, gRPC ones from x-envoy-retry-grpc-on). */
  readonly retryOn: readonly string[];
  readonly retriableStatusCodes: readonly number[];
}

/** A whole number of milliseconds or retries; anything else leaves the header unread, as in Envoy. */
function count(headers: HeaderMap, name: string): number | undefined {
  const value = headerValue(headers, name);
  return value !== undefined && /^\d{1,10}$/.test(value) ? Number(value) : undefined;
}

function listed(headers: HeaderMap, name: string): string[] {
  return (headerValue(headers, name) ?? '').split(',').map((item) => item.trim());
}

/** HOT PATH: a lookup per header; undefined for the usual request that carries none of them. */
export function readRouterOverrides(headers: HeaderMap): RouterOverrides | undefined {
  let present = false;
  for (const name of CONSUMED_ENVOY_HEADERS) present ||= headers[name] !== undefined;
  if (!present) return undefined;
  const codes = listed(headers, RETRIABLE_STATUS_CODES).filter((code) => /^[1-5]\d\d$/.test(code)).map(Number);
  return {
    timeoutMs: count(headers, TIMEOUT),
    perTryTimeoutMs: count(headers, PER_TRY_TIMEOUT),
    maxRetries: count(headers, MAX_RETRIES),
    // Each header names its own family of conditions; anything else in it is ignored, as Envoy does.
    retryOn: [
      ...listed(headers, RETRY_ON).filter((c) => isRetryCondition(c) && !isGrpcRetryCondition(c)),
      ...listed(headers, RETRY_GRPC_ON).filter(isGrpcRetryCondition),
    ],
    retriableStatusCodes: codes,
  };
}

/**
 * The route's retry policy with the request's headers applied: their conditions and status codes
 * join the route's, x-envoy-max-retries replaces num_retries and the per-try header the per-try
 * timeout. Without a route policy the headers alone make one; undefined when nothing asks for
 * retries or a per-try timeout.
 */
export function retryPolicyWith(route: RetryPolicy | undefined, overrides: RouterOverrides): RetryPolicy | undefined {
  if (route === undefined && overrides.retryOn.length === 0 && overrides.perTryTimeoutMs === undefined) return undefined;
  // Envoy's defaults for what neither the route nor the headers say.
  const base = route ?? DEFAULT_RETRY_POLICY;
  return {
    ...base,
    retryOn: [...new Set([...base.retryOn, ...overrides.retryOn])],
    numRetries: overrides.maxRetries ?? base.numRetries,
    perTryTimeoutMs: overrides.perTryTimeoutMs ?? base.perTryTimeoutMs,
    retriableStatusCodes: [...new Set([...base.retriableStatusCodes, ...overrides.retriableStatusCodes])],
  };
}
