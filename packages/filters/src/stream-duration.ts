import type { MaxStreamDuration } from '@meshkit/router';
import type { HeaderMap } from './http-filter.js';

const GRPC_TIMEOUT_UNIT_MS: Readonly<Record<string, number>> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/** gRPC's `grpc-timeout` (1–8 digits and a unit) in milliseconds, rounded up; undefined when absent or malformed. */
export function grpcTimeoutMs(headers: HeaderMap): number | undefined {
  const header = headers['grpc-timeout'];
  const value = typeof header === 'string' ? header : header?.[0];
  if (value === undefined || !/^\d{1,8}[HMSmun]$/.test(value)) return undefined;
  return Math.ceil(Number(value.slice(0, -1)) * (GRPC_TIMEOUT_UNIT_MS[value.slice(-1)] ?? 1));
}

/**
 * Envoy's (deprecated) `max_grpc_timeout` for a gRPC request: the route timeout becomes its
 * `grpc-timeout` less the offset (when that leaves time), capped at the max unless that is 0; a
 * request without the header has no timeout unless the max gives one.
 */
export function grpcRouteTimeoutMs(maxMs: number, offsetMs: number | undefined, headers: HeaderMap): number {
  let ms = grpcTimeoutMs(headers) ?? 0;
  if (offsetMs !== undefined && offsetMs < ms) ms -= offsetMs;
  return maxMs > 0 && (ms === 0 || ms > maxMs) ? maxMs : ms;
}

/**
 * How long a stream on a route with Envoy's `max_stream_duration` may last, in milliseconds; null
 * when the route lifts the limit (`max_stream_duration: 0s`), undefined when it leaves the
 * connection manager's in place. With `grpc_timeout_header_max` a request's `grpc-timeout` (less
 * the offset, capped at the max unless that is 0) decides. A gRPC deadline already spent gives 0:
 * the stream times out at once.
 */
export function streamDurationLimitMs(limits: MaxStreamDuration, headers: HeaderMap): number | null | undefined {
  const cap = limits.grpcTimeoutHeaderMaxMs;
  const grpc = cap === undefined ? undefined : grpcTimeoutMs(headers);
  if (cap !== undefined && grpc !== undefined) {
    const ms = Math.max(0, grpc - (limits.grpcTimeoutHeaderOffsetMs ?? 0));
    return cap > 0 ? Math.min(ms, cap) : ms;
  }
  const max = limits.maxStreamDurationMs;
  if (max === undefined) return undefined;
  return max > 0 ? max : null;
}
