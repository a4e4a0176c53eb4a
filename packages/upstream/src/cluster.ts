import { ClusterClosedError, InvalidClusterOptionError, InvalidEndpointError } from './errors.js';
import { createClusterStats } from './cluster-stats.js';
import { EndpointPool } from './endpoint-pool.js';
import { endpointKey, formatHost, isHealthy } from './endpoint.js';
import { RoundRobinBalancer } from './round-robin-balancer.js';
import { findEndpointProblem } from './validate-endpoints.js';
import type { ConnectionOptions } from 'node:tls';
import type { Pool } from 'undici';
import type { Balancer, BalancerFactory } from './balancer.js';
import type { ClusterStats } from './cluster-stats.js';
import type { PinnedDispatchOptions } from './endpoint-pool.js';
import type { Endpoint } from './endpoint.js';

export interface ClusterOptions {
  readonly name: string;
  /** Time allowed for TCP connect plus TLS handshake. Default 10000. */
  readonly connectTimeoutMs?: number;
  /**
   * TLS towards every endpoint (CA, client certificate, `servername`, ALPN, `checkServerIdentity`).
   * Undefined means plaintext HTTP.
   */
  readonly tls?: ConnectionOptions;
  /** Close a connection after this many requests. Default: unlimited. */
  readonly maxRequestsPerConnection?: number;
  /** Close a connection that has had no request for this long. Default: undici's 4 s, capped by the server's keep-alive hint. */
  readonly idleTimeoutMs?: number;
  /** Balancer for each host set. Default: `new RoundRobinBalancer(endpoints)`. */
  readonly makeBalancer?: BalancerFactory;
}

/** A host set and the balancer built for it, replaced together so a pick never mixes two sets. */
interface HostSet {
  readonly endpoints: readonly Endpoint[];
  readonly balancer: Balancer;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const EMPTY_HOST_SET: HostSet = { endpoints: Object.freeze([]), balancer: { pick: () => null } };
const defaultBalancer: BalancerFactory = (endpoints) => new RoundRobinBalancer(endpoints);

/**
 * A named group of interchangeable endpoints: its host set, a balancer over it, one keep-alive
 * HTTP/1.1 pool per endpoint, and Envoy-named counters. Host-set updates are atomic, and pools
 * of endpoints that leave the set drain (in-flight requests finish) rather than being cut.
 */
export class Cluster {
  readonly name: string;
  /** Live counters; read them, don't write them. */
  readonly stats: Readonly<ClusterStats>;

  readonly #stats: ClusterStats;
  readonly #makeBalancer: BalancerFactory;
  readonly #scheme: 'http' | 'https';
  readonly #poolOptions: Pool.Options;
  readonly #pinned: PinnedDispatchOptions | null;
  readonly #pools = new Map<string, EndpointPool>();
  readonly #draining = new Map<EndpointPool, Promise<void>>();
  #hostSet: HostSet = EMPTY_HOST_SET;
  #closing: Promise<void> | null = null;

  constructor(options: ClusterOptions) {
    this.name = options.name;
    this.#stats = createClusterStats();
    this.stats = this.#stats;
    this.#makeBalancer = options.makeBalancer ?? defaultBalancer;
    this.#scheme = options.tls === undefined ? 'http' : 'https';
    const problem = findOptionProblem(options);
    if (problem !== null) throw new InvalidClusterOptionError(options.name, problem);
    this.#poolOptions = buildPoolOptions(options);
    this.#pinned = buildPinnedOptions(options);
  }

  /** The current host set, as given to the last successful `setEndpoints`. */
  get endpoints(): readonly Endpoint[] {
    return this.#hostSet.endpoints;
  }

  /** True once `close()` or `destroy()` has been called. */
  get closed(): boolean {
    return this.#closing !== null;
  }

  /**
   * Replaces the host set in one step. An invalid list is rejected whole (InvalidEndpointError)
   * and the previous set stays. Pools of endpoints no longer present are closed gracefully.
   */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    if (this.#closing !== null) throw new ClusterClosedError(this.name, 'set endpoints');
    const problem = findEndpointProblem(endpoints);
    if (problem !== null) throw new InvalidEndpointError(this.name, problem.field, problem.problem);

    // Private frozen copies: the caller may reuse its objects, the balancer must not see that.
    const snapshot = Object.freeze(endpoints.map((endpoint) => Object.freeze({ ...endpoint })));
    const hostSet: HostSet = { endpoints: snapshot, balancer: this.#makeBalancer(snapshot) };
    this.#hostSet = hostSet;
    this.#stats.membership_total = snapshot.length;
    this.#stats.membership_healthy = snapshot.filter(isHealthy).length;

    const keep = new Set(snapshot.map(endpointKey));
    for (const [key, pool] of this.#pools) {
      if (!keep.has(key)) this.#drain(key, pool);
    }
  }

  /** HOT PATH: one balancer pick; null when no endpoint is healthy (or the cluster is closed). */
  pick(hashKey?: bigint): Endpoint | null {
    return this.#hostSet.balancer.pick(hashKey);
  }

  /**
   * The pool for an endpoint, created on first use and reused after. Endpoints are matched by
   * address and port. A pool asked for an endpoint outside the host set (say, one picked just
   * before an update) works, and is drained by the next `setEndpoints` that doesn't list it.
   */
  poolFor(endpoint: Endpoint): Pool {
    if (this.#closing !== null) throw new ClusterClosedError(this.name, 'open a pool');
    const key = endpointKey(endpoint);
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      const origin = `${this.#scheme}://${formatHost(endpoint.address)}:${endpoint.port}`;
      pool = new EndpointPool(origin, this.#poolOptions, this.#stats, this.#pinned);
      this.#pools.set(key, pool);
    }
    return pool;
  }

  /** Stops taking work and resolves once every in-flight request has finished. Idempotent. */
  close(): Promise<void> {
    if (this.#closing === null) {
      this.#hostSet = EMPTY_HOST_SET;
      for (const [key, pool] of this.#pools) this.#drain(key, pool);
      this.#closing = Promise.all(this.#draining.values()).then(() => undefined);
    }
    return this.#closing;
  }

  /** Aborts in-flight requests and closes every connection now. */
  async destroy(): Promise<void> {
    const closing = this.close();
    await Promise.all([...this.#draining.keys()].map((pool) => pool.destroy().catch(ignore)));
    await closing;
  }

  #drain(key: string, pool: EndpointPool): void {
    this.#pools.delete(key);
    // close() rejects only if the pool was destroyed meanwhile, which is also "done".
    const done = pool.close().catch(ignore).finally(() => this.#draining.delete(pool));
    this.#draining.set(pool, done);
  }
}

function buildPoolOptions(options: ClusterOptions): Pool.Options {
  // node:tls types its optional fields as `T | undefined`, undici's as `T`; the values are the same.
  const connect = { ...options.tls, timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS } as NonNullable<Pool.Options['connect']>;
  const poolOptions: Pool.Options = { connect };
  // undici lets a connection carry maxRequestsPerClient + 1 requests (and treats 0 as unlimited);
  // Envoy's limit is exact, so ask undici for one less and handle a limit of 1 per request.
  const maxRequests = options.maxRequestsPerConnection;
  if (maxRequests !== undefined && maxRequests > 1) poolOptions.maxRequestsPerClient = maxRequests - 1;
  if (options.idleTimeoutMs !== undefined) {
    // The server's Keep-Alive hint may only shorten the idle time, never extend it past ours.
    poolOptions.keepAliveTimeout = options.idleTimeoutMs;
    poolOptions.keepAliveMaxTimeout = options.idleTimeoutMs;
  }
  return poolOptions;
}

function buildPinnedOptions(options: ClusterOptions): PinnedDispatchOptions | null {
  const servername = options.tls?.servername;
  const reset = options.maxRequestsPerConnection === 1;
  if (servername === undefined && !reset) return null;
  return { ...(servername === undefined ? {} : { servername }), ...(reset ? { reset } : {}) };
}

function findOptionProblem(options: ClusterOptions): string | null {
  if (typeof options.name !== 'string' || options.name.length === 0) return 'name must be a non-empty string';
  const positive = { connectTimeoutMs: options.connectTimeoutMs, idleTimeoutMs: options.idleTimeoutMs };
  for (const [field, value] of Object.entries(positive)) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) return `${field} must be a positive number, got ${String(value)}`;
  }
  const maxRequests = options.maxRequestsPerConnection;
  if (maxRequests !== undefined && !(Number.isInteger(maxRequests) && maxRequests >= 1)) {
    return `maxRequestsPerConnection must be an integer >= 1, got ${String(maxRequests)}`;
  }
  return null;
}

function ignore(): void {}
