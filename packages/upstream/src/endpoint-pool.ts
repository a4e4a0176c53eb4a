import { Dispatcher } from 'undici';
import { countRequests } from './counting-handler.js';
import { UpstreamOverflowError } from './errors.js';
import { rejectDispatch } from './failed-dispatch.js';
import { Http1Pool } from './http1/http1-pool.js';
import { Http2Pool } from './http2/http2-pool.js';
import type { CircuitBreakerLimits } from './circuit-breakers.js';
import type { PoolSettings } from './cluster-options.js';
import type { ClusterStats } from './cluster-stats.js';
import type { MutableRequestLoad } from './counting-handler.js';
import type { ConnectionObserver, PoolStats, SharedConnectionLimit } from './origin-pool.js';

/** What both pool kinds report about themselves. */
export type EndpointPoolStats = PoolStats;

/**
 * The keep-alive pool for one endpoint, reporting into its cluster's stats: connection counters
 * from the pool's connection events, request counters from a wrapper around each handler, and the
 * cluster's circuit breakers checked before a request is queued. HTTP/1.1 endpoints use the
 * hand-framed `Http1Pool`, HTTP/2 endpoints the node:http2 `Http2Pool`. Either way it is an undici
 * `Dispatcher`, so `request()`, `stream()`, `pipeline()` and `fetch()` work on it.
 */
export class EndpointPool extends Dispatcher {
  readonly #inner: Http1Pool | Http2Pool;
  readonly #stats: ClusterStats;
  readonly #load: MutableRequestLoad;
  readonly #limits: CircuitBreakerLimits;
  /** What requests go upstream as, in Envoy's `%UPSTREAM_PROTOCOL%` form. */
  readonly protocol: 'HTTP/1.1' | 'HTTP/2';

  constructor(
    origin: string,
    settings: PoolSettings,
    stats: ClusterStats,
    load: MutableRequestLoad,
    limits: CircuitBreakerLimits,
    http2 = false,
    /** The cluster's `max_connections`, shared by its pools. */
    sharedLimit?: SharedConnectionLimit,
  ) {
    super();
    this.#stats = stats;
    this.#limits = limits;
    this.#load = load;
    this.protocol = http2 ? 'HTTP/2' : 'HTTP/1.1';
    const observer = connectionCounters(stats, http2);
    const common = {
      connect: settings.connect,
      keepAliveTimeout: settings.idleTimeoutMs,
      maxRequestsPerConnection: settings.maxRequestsPerConnection,
      observer,
      sharedLimit,
    };
    this.#inner = http2
      ? new Http2Pool(origin, { ...common, maxConcurrentStreams: settings.maxConcurrentStreams, keepalive: settings.keepalive, windows: settings.windows })
      : // The server's Keep-Alive hint may only shorten the idle time, never extend it past ours.
        new Http1Pool(origin, { ...common, ...settings.http1, keepAliveMaxTimeout: settings.idleTimeoutMs });
    const inner: Dispatcher = this.#inner;
    inner.on('drain', (drained) => this.emit('drain', drained));
  }

  get closed(): boolean {
    return this.#inner.closed;
  }

  get destroyed(): boolean {
    return this.#inner.destroyed;
  }

  get stats(): EndpointPoolStats {
    return this.#inner.stats;
  }

  // HOT PATH: two gauge comparisons before the request is counted; the overflow branch is cold.
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const overflow = this.#overflow();
    if (overflow !== null) {
      this.#stats.upstream_rq_pending_overflow++;
      failHandler(handler, overflow);
      return false;
    }
    return this.#inner.dispatch(options, countRequests(handler, this.#stats, this.#load));
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const closing = this.#inner.close();
    if (callback === undefined) return closing;
    closing.then(callback, callback);
  }

  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | void {
    const callback = typeof first === 'function' ? first : second;
    const destroying = this.#inner.destroy(typeof first === 'function' ? null : (first ?? null));
    if (callback === undefined) return destroying;
    destroying.then(callback, callback);
  }

  /** The breaker a new request would trip, or null. */
  #overflow(): Error | null {
    const stats = this.#stats;
    const limits = this.#limits;
    if (stats.upstream_rq_active >= limits.maxRequests) return new UpstreamOverflowError('max_requests', limits.maxRequests);
    // Only a request that must wait for a connection is pending; one with a free connection is not.
    if (stats.upstream_rq_pending_active >= limits.maxPendingRequests && this.#inner.stats.free === 0) {
      return new UpstreamOverflowError('max_pending_requests', limits.maxPendingRequests);
    }
    return null;
  }
}

/** The cluster's `upstream_cx_*` counters, fed by either pool's connection events. */
function connectionCounters(stats: ClusterStats, http2: boolean): Required<ConnectionObserver> {
  return {
    onConnect() {
      if (http2) stats.upstream_cx_http2_total++;
      stats.upstream_cx_total++;
      stats.upstream_cx_active++;
    },
    onDisconnect() {
      stats.upstream_cx_active--;
    },
    onConnectError(error) {
      stats.upstream_cx_connect_fail++;
      if ((error as { code?: unknown } | null)?.code === 'UND_ERR_CONNECT_TIMEOUT') stats.upstream_cx_connect_timeout++;
    },
  };
}

/** Fails a request before it starts, through whichever handler shape undici would have used. */
function failHandler(handler: Dispatcher.DispatchHandler, error: Error): void {
  if (typeof handler.onRequestStart === 'function') {
    rejectDispatch(handler, error);
    return;
  }
  const legacy = handler as { onError?: (error: Error) => void };
  // undici rethrows when a handler has no onError; so does this.
  if (legacy.onError === undefined) throw error;
  legacy.onError(error);
}

