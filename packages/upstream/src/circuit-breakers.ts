import type { ClusterStats } from './cluster-stats.js';

/**
 * Envoy's default-priority circuit-breaker thresholds for one cluster. Work beyond a limit fails
 * at once (counted as overflow) instead of queueing, so a slow upstream cannot absorb unbounded
 * memory and latency. Envoy's defaults are 1024 for each.
 */
export interface CircuitBreakerOptions {
  /**
   * Connections open at once to all members, checked before a TCP connect and before an HTTP/1.1
   * pool opens a connection beyond its first (a request then waits for one of the pool's own).
   */
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

/**
 * Envoy's `max_connections` for a cluster's HTTP/1.1 pools: connections open or opening across all
 * members. A pool with no connection at all may always open one, as in Envoy, so members that
 * others crowd out are not left with requests nothing can serve.
 */
export class ConnectionBudget {
  #used = 0;

  constructor(
    private readonly limit: number,
    private readonly stats: ClusterStats,
  ) {}

  /** Takes a connection, or refuses one (counted as `upstream_cx_overflow`); `first` always succeeds. */
  take(first: boolean): boolean {
    if (!first && this.#used >= this.limit) {
      this.stats.upstream_cx_overflow++;
      return false;
    }
    this.#used++;
    return true;
  }

  /** A connection taken closed, or never opened. */
  give(): void {
    this.#used--;
  }
}

export function findCircuitBreakerProblem(options: CircuitBreakerOptions): string | null {
  for (const [field, value] of Object.entries(options)) {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) {
      return `circuitBreakers.${field} must be an integer >= 0, got ${String(value)}`;
    }
  }
  return null;
}
