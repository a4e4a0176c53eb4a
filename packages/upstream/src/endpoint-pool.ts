import { Dispatcher, Pool } from 'undici';
import { countRequests } from './counting-handler.js';
import { UpstreamOverflowError } from './errors.js';
import { Http1Pool } from './http1/http1-pool.js';
import type { CircuitBreakerLimits } from './circuit-breakers.js';
import type { ClusterStats } from './cluster-stats.js';
import type { MutableRequestLoad } from './counting-handler.js';
import type { ConnectionObserver, Http1PoolOptions, SharedConnectionLimit } from './http1/http1-pool.js';

/** What both pool kinds report about themselves (a subset of undici's `PoolStats`). */
export interface EndpointPoolStats {
  /** Connections open. */
  readonly connected: number;
  /** Open connections that can take a request now. */
  readonly free: number;
  /** Requests waiting for a connection. */
  readonly queued: number;
  /** Requests on a connection. */
  readonly running: number;
  readonly size: number;
}

/**
 * The keep-alive pool for one endpoint, reporting into its cluster's stats: connection counters
 * from the pool's connection events, request counters from a wrapper around each handler, and the
 * cluster's circuit breakers checked before a request is queued. HTTP/1.1 endpoints use the
 * hand-framed `Http1Pool`; HTTP/2 endpoints use undici's Pool. Either way it is an undici
 * `Dispatcher`, so `request()`, `stream()`, `pipeline()` and `fetch()` work on it.
 */
export class EndpointPool extends Dispatcher {
  readonly #inner: Http1Pool | Pool;
  readonly #stats: ClusterStats;
  /** Only for undici's Pool: the HTTP/1.1 pool takes these as pool options instead. */
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
    /** The cluster's `max_connections`, shared by its HTTP/1.1 pools. */
    sharedLimit?: SharedConnectionLimit,
  ) {
    super();
    this.#stats = stats;
    this.#limits = limits;
    this.#load = load;
    const observer = connectionCounters(stats, http2);
    if (http2) {
      const pool = new Pool(origin, options);
      pool.on('connect', () => observer.onConnect());
      pool.on('disconnect', () => observer.onDisconnect());
      pool.on('connectionError', (_origin, _targets, error) => observer.onConnectError(error));
      this.#inner = pool;
      this.#pinned = pinned;
    } else {
      this.#inner = new Http1Pool(origin, { ...http1PoolOptions(options, pinned, observer), sharedLimit });
      this.#pinned = null;
    }
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
    const effective = this.#pinned === null ? options : ({ ...options, ...this.#pinned } as Dispatcher.DispatchOptions);
    return this.#inner.dispatch(effective, countRequests(handler, this.#stats, this.#load));
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

/**
 * undici's Pool options as the HTTP/1.1 pool takes them. Two differ: undici lets a connection
 * carry `maxRequestsPerClient + 1` requests (cluster options ask it for one less), and a limit of
 * one is the pinned `reset`; the pool takes the exact `maxRequestsPerConnection` instead. The
 * pinned `servername` is already in `connect` (the cluster's TLS options), which is what the
 * HTTP/1.1 pool's SNI comes from, never a request's Host.
 */
function http1PoolOptions(options: Pool.Options, pinned: PinnedDispatchOptions | null, observer: ConnectionObserver): Http1PoolOptions {
  const perClient = options.maxRequestsPerClient;
  return {
    connections: options.connections,
    connect: options.connect,
    keepAliveTimeout: options.keepAliveTimeout,
    keepAliveMaxTimeout: options.keepAliveMaxTimeout,
    keepAliveTimeoutThreshold: options.keepAliveTimeoutThreshold,
    headersTimeout: options.headersTimeout,
    bodyTimeout: options.bodyTimeout,
    maxHeaderSize: options.maxHeaderSize,
    maxRequestsPerConnection: pinned?.reset === true ? 1 : perClient !== undefined && perClient > 0 ? perClient + 1 : 0,
    observer,
  };
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
 * Per-request options a cluster imposes on every request of an HTTP/2 pool (undici reads both at
 * runtime).
 * - `servername`: undici derives SNI from each request's Host header and reconnects when it
 *   changes; a cluster's SNI is part of its TLS config, so it is pinned.
 * - `reset`: closes the connection after the request, for `maxRequestsPerConnection: 1`.
 */
export interface PinnedDispatchOptions {
  readonly servername?: string;
  readonly reset?: boolean;
}
