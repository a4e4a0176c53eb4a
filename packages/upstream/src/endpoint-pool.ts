import { Pool } from 'undici';
import { countRequests } from './counting-handler.js';
import type { Dispatcher } from 'undici';
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

  constructor(origin: string, options: Pool.Options, stats: ClusterStats, pinned: PinnedDispatchOptions | null, load: MutableRequestLoad, http2 = false) {
    super(origin, options);
    this.#stats = stats;
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

  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const effective = this.#pinned === null ? options : ({ ...options, ...this.#pinned } as Dispatcher.DispatchOptions);
    return super.dispatch(effective, countRequests(handler, this.#stats, this.#load));
  }
}

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
