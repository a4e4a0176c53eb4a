import { Pool } from 'undici';
import { countRequests } from './counting-handler.js';
import { UpstreamOverflowError } from './errors.js';
import type { Dispatcher } from 'undici';
import type { CircuitBreakerLimits } from './circuit-breakers.js';
import type { ClusterStats } from './cluster-stats.js';
import type { MutableRequestLoad } from './counting-handler.js';

/**
 * An undici keep-alive pool for one endpoint that reports into its cluster's stats: connection
 * counters from the pool's own events, request counters from a wrapper around each handler.
 */
export class EndpointPool extends Pool {
  readonly #stats: ClusterStats;
  readonly #pinned: PinnedDispatchOptions | null;
  readonly #load: MutableRequestLoad;
  readonly #limits: CircuitBreakerLimits;

  constructor(
    origin: string,
    options: Pool.Options,
    stats: ClusterStats,
    pinned: PinnedDispatchOptions | null,
    load: MutableRequestLoad,
    limits: CircuitBreakerLimits,
    http2 = false,
  ) {
    super(origin, options);
    this.#stats = stats;
    this.#limits = limits;
    this.#pinned = pinned;
    this.#load = load;
    this.on('connect', () => {
      if (http2) stats.upstream_cx_http2_total++;
      stats.upstream_cx_total++;
      stats.upstream_cx_active++;
    });
    this.on('disconnect', () => {
      stats.upstream_cx_active--;
    });
    this.on('connectionError', () => {
      stats.upstream_cx_connect_fail++;
    });
  }

  // HOT PATH: two gauge comparisons before the request is counted; the overflow branch is cold.
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const overflow = this.#overflow();
    if (overflow !== null) {
      this.#stats.upstream_rq_pending_overflow++;
      failHandler(handler, overflow);
      return false;
    }
    const effective = this.#pinned === null ? options : ({ ...options, ...this.#pinned } as Dispatcher.DispatchOptions);
    return super.dispatch(effective, countRequests(handler, this.#stats, this.#load));
  }

  /** The breaker a new request would trip, or null. */
  #overflow(): Error | null {
    const stats = this.#stats;
    const limits = this.#limits;
    if (stats.upstream_rq_active >= limits.maxRequests) return new UpstreamOverflowError('max_requests', limits.maxRequests);
    // Only a request that must wait for a connection is pending; one with a free connection is not.
    if (stats.upstream_rq_pending_active >= limits.maxPendingRequests && this.stats.free === 0) {
      return new UpstreamOverflowError('max_pending_requests', limits.maxPendingRequests);
    }
    return null;
  }
}

/** Fails a request before it starts, through whichever handler shape undici would have used. */
function failHandler(handler: Dispatcher.DispatchHandler, error: Error): void {
  if (typeof handler.onRequestStart === 'function') {
    handler.onResponseError?.(abortedController(error), error);
    return;
  }
  const legacy = handler as { onError?: (error: Error) => void };
  // undici rethrows when a handler has no onError; so does this.
  if (legacy.onError === undefined) throw error;
  legacy.onError(error);
}

function abortedController(reason: Error): Dispatcher.DispatchController {
  return { aborted: true, paused: false, reason, abort: ignore, pause: ignore, resume: ignore };
}

function ignore(): void {}

/**
 * Per-request options a cluster imposes on every request (undici reads both at runtime).
 * - `servername`: undici derives SNI from each request's Host header and reconnects when it
 *   changes; a cluster's SNI is part of its TLS config, so it is pinned.
 * - `reset`: closes the connection after the request, for `maxRequestsPerConnection: 1`.
 */
export interface PinnedDispatchOptions {
  readonly servername?: string;
  readonly reset?: boolean;
}
