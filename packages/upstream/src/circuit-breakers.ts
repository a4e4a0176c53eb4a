/**
 * Envoy's default-priority circuit-breaker thresholds for one cluster. Work beyond a limit fails
 * at once (counted as overflow) instead of queueing, so a slow upstream cannot absorb unbounded
 * memory and latency. Envoy's defaults are 1024 for each.
 */
export interface CircuitBreakerOptions {
  /** Connections open at once to all members (HTTP pools and TCP), checked before opening a TCP connection. */
  readonly maxConnections?: number;
  /** HTTP requests waiting for a connection at once; more fail with `upstream_rq_pending_overflow`. */
  readonly maxPendingRequests?: number;
  /** HTTP requests in flight at once; more fail with `upstream_rq_pending_overflow`. */
  readonly maxRequests?: number;
}

export interface CircuitBreakerLimits {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
}

export const DEFAULT_CIRCUIT_BREAKER_LIMIT = 1024;

export function circuitBreakerLimits(options: CircuitBreakerOptions | undefined): CircuitBreakerLimits {
  return {
    maxConnections: options?.maxConnections ?? DEFAULT_CIRCUIT_BREAKER_LIMIT,
    maxPendingRequests: options?.maxPendingRequests ?? DEFAULT_CIRCUIT_BREAKER_LIMIT,
    maxRequests: options?.maxRequests ?? DEFAULT_CIRCUIT_BREAKER_LIMIT,
  };
}

export function findCircuitBreakerProblem(options: CircuitBreakerOptions): string | null {
  for (const [field, value] of Object.entries(options)) {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) {
      return `circuitBreakers.${field} must be an integer >= 0, got ${String(value)}`;
    }
  }
  return null;
}
