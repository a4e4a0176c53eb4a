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
  /** Retries in flight at once across all requests (Envoy's default: 3); more are not sent (`upstream_rq_retry_overflow`). */
  readonly maxRetries?: number;
  /** Publish how much room each breaker has left (Envoy's `track_remaining`: the `remaining_*` gauges). */
  readonly trackRemaining?: boolean;
}

export interface CircuitBreakerLimits {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly maxRequests: number;
  readonly maxRetries: number;
  readonly trackRemaining: boolean;
}

export const DEFAULT_CIRCUIT_BREAKER_LIMIT = 1024;
export const DEFAULT_MAX_RETRIES = 3;

export function circuitBreakerLimits(options: CircuitBreakerOptions | undefined): CircuitBreakerLimits {
  return {
    maxConnections: options?.maxConnections ?? DEFAULT_CIRCUIT_BREAKER_LIMIT,
    maxPendingRequests: options?.maxPendingRequests ?? DEFAULT_CIRCUIT_BREAKER_LIMIT,
    maxRequests: options?.maxRequests ?? DEFAULT_CIRCUIT_BREAKER_LIMIT,
    maxRetries: options?.maxRetries ?? DEFAULT_MAX_RETRIES,
    trackRemaining: options?.trackRemaining ?? false,
  };
}

/**
 * Envoy's `circuit_breakers.default.*` gauges for a cluster: each `*_open` is 1 while its breaker
 * refuses new work, and with `trackRemaining` each `remaining_*` says how much room is left.
 */
export function circuitBreakerGauges(limits: CircuitBreakerLimits, stats: ClusterStats, retriesActive: number): Record<string, number> {
  const breakers: [name: string, remaining: string, limit: number, used: number][] = [
    ['cx_open', 'remaining_cx', limits.maxConnections, stats.upstream_cx_active],
    ['rq_pending_open', 'remaining_pending', limits.maxPendingRequests, stats.upstream_rq_pending_active],
    ['rq_open', 'remaining_rq', limits.maxRequests, stats.upstream_rq_active],
    ['rq_retry_open', 'remaining_retries', limits.maxRetries, retriesActive],
  ];
  const gauges: Record<string, number> = {};
  for (const [open, remaining, limit, used] of breakers) {
    gauges[`circuit_breakers.default.${open}`] = used >= limit ? 1 : 0;
    if (limits.trackRemaining) gauges[`circuit_breakers.default.${remaining}`] = Math.max(0, limit - used);
  }
  return gauges;
}

/**
 * Envoy's `max_retries` breaker for a cluster: retries in flight at once across all requests. A
 * retry holds a slot from when it is granted until its outcome is known.
 */
export class RetryBudget {
  #active = 0;

  constructor(private readonly limit: number) {}

  get active(): number {
    return this.#active;
  }

  tryAcquire(): boolean {
    if (this.#active >= this.limit) return false;
    this.#active++;
    return true;
  }

  release(): void {
    this.#active--;
  }
}

/**
 * Envoy's `max_connections` for a cluster: connections open or opening across all its members,
 * HTTP pools and TCP proxy connections alike. An HTTP pool with no connection at all may always
 * open one, as in Envoy, so members that others crowd out are not left with requests nothing can
 * serve.
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
  if (options.trackRemaining !== undefined && typeof options.trackRemaining !== 'boolean') {
    return `circuitBreakers.trackRemaining must be a boolean, got ${String(options.trackRemaining)}`;
  }
  for (const [field, value] of Object.entries(options)) {
    if (field !== 'trackRemaining' && value !== undefined && !(Number.isInteger(value) && (value as number) >= 0)) {
      return `circuitBreakers.${field} must be an integer >= 0, got ${String(value)}`;
    }
  }
  return null;
}
