import { promises as dnsPromises } from 'node:dns';
import { ClusterClosedError, InvalidClusterOptionError, InvalidEndpointError } from './errors.js';
import { circuitBreakerGauges, circuitBreakerLimits, ConnectionBudget, RetryBudget } from './circuit-breakers.js';
import { buildPoolSettings, DEFAULT_CONNECT_TIMEOUT_MS, findOptionProblem } from './cluster-options.js';
import { createClusterStats } from './cluster-stats.js';
import { connectToAddress } from './dns/connect-to-address.js';
import { LogicalDnsDiscovery } from './dns/logical-dns-discovery.js';
import { StrictDnsDiscovery } from './dns/strict-dns-discovery.js';
import { EndpointPool } from './endpoint-pool.js';
import { endpointKey, formatHost, isHealthy } from './endpoint.js';
import { HealthChecker } from './health/health-checker.js';
import { clusterBalancer } from './lb-policy.js';
import { PriorityBalancer } from './priority-balancer.js';
import { TcpConnector } from './tcp/tcp-connector.js';
import { findEndpointProblem } from './validate-endpoints.js';
import type { PoolSettings } from './cluster-options.js';
import type { Balancer, BalancerContext, BalancerFactory } from './balancer.js';
import type { CircuitBreakerLimits } from './circuit-breakers.js';
import type { ClusterOptions } from './cluster-options.js';
import type { ClusterStats, RetryCounters } from './cluster-stats.js';
import type { MutableRequestLoad } from './counting-handler.js';
import type { Disposable } from './disposable.js';
import type { Endpoint } from './endpoint.js';
import type { TcpConnectOptions, TcpConnectResult } from './tcp/tcp-connector.js';

export type { ClusterOptions } from './cluster-options.js';

/** A host set and the balancer built for it, replaced together so a pick never mixes two sets. */
interface HostSet {
  readonly endpoints: readonly Endpoint[];
  readonly balancer: Balancer;
}

const EMPTY_HOST_SET: HostSet = { endpoints: Object.freeze([]), balancer: { pick: () => null } };

/**
 * A named group of interchangeable endpoints: its host set, priority/locality-aware balancing
 * over it, one keep-alive pool per endpoint (HTTP/1.1, or HTTP/2 by `protocol`), optional active
 * health checks, and Envoy-named counters. Host-set updates are atomic, and pools of endpoints
 * that leave the set drain (in-flight requests finish) rather than being cut. The members are
 * the configured endpoints (`STATIC`, also what EDS feeds) or what their hostnames resolve to
 * (`STRICT_DNS`, `LOGICAL_DNS`).
 */
export class Cluster {
  readonly name: string;
  /** The name its stats are published under (Envoy's `alt_stat_name`; else `name`). */
  readonly statName: string;
  /** Live counters; read them, don't write them. */
  readonly stats: Readonly<ClusterStats>;

  readonly #stats: ClusterStats;
  readonly #makeBalancer: BalancerFactory;
  readonly #balancerContext: BalancerContext;
  readonly #scheme: 'http' | 'https';
  /** Pool settings by protocol: a LOGICAL_DNS connector offers ALPN for the protocol it dials. */
  readonly #poolSettings: { readonly http1: PoolSettings; readonly http2: PoolSettings };
  readonly #discovery: StrictDnsDiscovery | LogicalDnsDiscovery | null;
  readonly #limits: CircuitBreakerLimits;
  readonly #connectionBudget: ConnectionBudget;
  /** Envoy's `max_retries` breaker, which the router's retries take slots of. */
  readonly retryBudget: RetryBudget;
  /** The counters a router's retries and per-try timeouts write: the same object as `stats`. */
  readonly retryStats: RetryCounters;
  readonly #tcp: TcpConnector;
  readonly #listeners = new Set<(endpoints: readonly Endpoint[]) => void>();
  readonly #protocol: 'http1' | 'http2' | 'downstream';
  readonly #pools = new Map<string, EndpointPool>();
  /** A 'downstream' protocol cluster's HTTP/2 pools (its HTTP/1.1 ones are in `#pools`). */
  readonly #h2Pools = new Map<string, EndpointPool>();
  readonly #loads = new Map<string, MutableRequestLoad>();
  readonly #draining = new Map<EndpointPool, Promise<void>>();
  readonly #healthChecker: HealthChecker | null;
  /** What the last `setEndpoints` was given. */
  #configured: readonly Endpoint[] = Object.freeze([]);
  /** The members (the configured endpoints, or what they resolved to), before active health checking. */
  #members: readonly Endpoint[] = Object.freeze([]);
  #hostSet: HostSet = EMPTY_HOST_SET;
  #closing: Promise<void> | null = null;

  constructor(options: ClusterOptions) {
    this.name = options.name;
    this.statName = options.statName ?? options.name;
    this.#stats = createClusterStats();
    this.stats = this.#stats;
    const problem = findOptionProblem(options);
    if (problem !== null) throw new InvalidClusterOptionError(options.name, problem);
    this.#makeBalancer = clusterBalancer(options);
    this.#balancerContext = { loadOf: (endpoint) => this.#loadOf(endpointKey(endpoint)) };
    this.#scheme = options.tls === undefined ? 'http' : 'https';
    this.#protocol = options.protocol ?? 'http1';
    const poolSettings = buildPoolSettings(options);
    const apply = (members: readonly Endpoint[]): void => this.#applyMembers(members);
    if (options.type === 'STRICT_DNS' || options.type === 'LOGICAL_DNS') {
      const dns = options.dns ?? {};
      const resolver = dns.resolver ?? new dnsPromises.Resolver();
      this.#discovery = options.type === 'STRICT_DNS' ? new StrictDnsDiscovery(dns, resolver, this.#stats, apply) : new LogicalDnsDiscovery(dns, resolver, this.#stats, apply);
    } else {
      this.#discovery = null;
    }
    const logical = this.#discovery instanceof LogicalDnsDiscovery ? this.#discovery : null;
    const settingsFor = (http2: boolean): PoolSettings =>
      logical === null ? poolSettings : connectToAddress(poolSettings, options.name, http2, () => logical.connectAddress());
    this.#poolSettings = { http1: settingsFor(false), http2: settingsFor(true) };
    this.#limits = circuitBreakerLimits(options.circuitBreakers);
    this.#connectionBudget = new ConnectionBudget(this.#limits.maxConnections, this.#stats);
    this.retryBudget = new RetryBudget(this.#limits.maxRetries);
    this.retryStats = this.#stats;
    this.#tcp = new TcpConnector({
      stats: this.#stats,
      connections: this.#connectionBudget,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      tls: options.tls,
      pick: (hashKey) => this.pick(hashKey),
      loadOf: (key) => this.#loadOf(key),
      dialAddress: (endpoint) => (logical === null ? endpoint.address : logical.connectAddress()),
    });
    this.#healthChecker =
      options.healthCheck === undefined
        ? null
        : new HealthChecker(options.healthCheck, { tls: options.tls }, this.#stats, () => this.#rebuildHostSet(), () => this.#stats.upstream_cx_total > 0);
  }

  /** Envoy's `circuit_breakers.default.*` gauges, computed now (see `circuitBreakerGauges`). */
  circuitBreakerStats(): Record<string, number> {
    return circuitBreakerGauges(this.#limits, this.#stats, this.retryBudget.active);
  }

  /** Everything the cluster publishes, by Envoy's stat name: its counters and gauges and the breaker gauges. */
  publishedStats(): Record<string, number> {
    return { ...this.#stats, ...this.circuitBreakerStats() };
  }

  /** Whether `whenWarm` has anything to wait for: DNS resolution or active health checks. */
  get needsWarming(): boolean {
    return this.#discovery !== null || this.#healthChecker !== null;
  }

  /**
   * Envoy's cluster warming, which a proxy waits for before it starts listening: resolves once a
   * DNS cluster's hostnames have each had a first resolution (answered or failed) and every member
   * has had its first active health check. At once for a static cluster without health checks.
   */
  async whenWarm(): Promise<void> {
    await this.#discovery?.whenResolved();
    await this.#healthChecker?.whenChecked();
  }

  /** As given to the last successful `setEndpoints` (for a DNS cluster: the hostnames). */
  get endpoints(): readonly Endpoint[] {
    return this.#configured;
  }

  /** The members as configured or resolved, before active health checking. */
  get members(): readonly Endpoint[] {
    return this.#members;
  }

  /** The members with active health-check verdicts applied: what the balancer picks from. */
  get effectiveEndpoints(): readonly Endpoint[] {
    return this.#hostSet.endpoints;
  }

  /** True once `close()` or `destroy()` has been called. */
  get closed(): boolean {
    return this.#closing !== null;
  }

  /**
   * Replaces the host set in one step. An invalid list is rejected whole (InvalidEndpointError)
   * and the previous set stays. Pools of endpoints no longer present are closed gracefully;
   * requests already in flight on them finish. For a DNS cluster each `address` is a hostname
   * (or IP literal) to resolve, and the host set follows the answers; a LOGICAL_DNS cluster takes
   * exactly one endpoint.
   */
  setEndpoints(endpoints: readonly Endpoint[]): void {
    if (this.#closing !== null) throw new ClusterClosedError(this.name, 'set endpoints');
    const problem = findEndpointProblem(endpoints);
    if (problem !== null) throw new InvalidEndpointError(this.name, problem.field, problem.problem);
    if (this.#discovery instanceof LogicalDnsDiscovery && endpoints.length !== 1) {
      throw new InvalidEndpointError(this.name, 'endpoints', `must hold exactly one hostname for a LOGICAL_DNS cluster, got ${endpoints.length}`);
    }
    // Private frozen copies: the caller may reuse its objects, the balancer must not see that.
    this.#configured = freezeEndpoints(endpoints);
    if (this.#discovery === null) this.#applyMembers(this.#configured);
    else this.#discovery.setTargets(this.#configured);
  }

  /**
   * Calls `listener` with the effective host set (members with health verdicts applied) after
   * every rebuild: new members, DNS answers, health flips.
   */
  onHostSetChange(listener: (endpoints: readonly Endpoint[]) => void): Disposable {
    this.#listeners.add(listener);
    return { dispose: () => this.#listeners.delete(listener) };
  }

  /** HOT PATH: one balancer pick; null when no endpoint can take traffic (or the cluster is closed). */
  pick(hashKey?: bigint): Endpoint | null {
    return this.#hostSet.balancer.pick(hashKey);
  }

  /**
   * The pool for an endpoint, created on first use and reused after. Endpoints are matched by
   * address and port. A pool asked for an endpoint outside the host set (say, one picked just
   * before an update) works, and is drained by the next `setEndpoints` that doesn't list it.
   * The pool is an undici `Dispatcher`: hand-framed HTTP/1.1 keep-alive connections, or for an
   * HTTP/2 cluster node:http2 connections multiplexing requests as streams; the dispatch
   * interface is the same. `downstreamHttp2` says the request came over HTTP/2, which only a
   * cluster whose protocol is 'downstream' heeds.
   */
  poolFor(endpoint: Endpoint, downstreamHttp2 = false): EndpointPool {
    if (this.#closing !== null) throw new ClusterClosedError(this.name, 'open a pool');
    const byDownstream = this.#protocol === 'downstream';
    const http2 = byDownstream ? downstreamHttp2 : this.#protocol === 'http2';
    const pools = byDownstream && http2 ? this.#h2Pools : this.#pools;
    const key = endpointKey(endpoint);
    let pool = pools.get(key);
    if (pool === undefined) {
      const origin = `${this.#scheme}://${formatHost(endpoint.address)}:${endpoint.port}`;
      const settings = http2 ? this.#poolSettings.http2 : this.#poolSettings.http1;
      pool = new EndpointPool(origin, settings, this.#stats, this.#loadOf(key), this.#limits, http2, this.#connectionBudget);
      pools.set(key, pool);
    }
    return pool;
  }

  /**
   * A raw TCP (or TLS) connection to a member, for the TCP proxy: picks a member, dials it within
   * `connectTimeoutMs`, and counts it under `upstream_cx_*`. Failures are values with Envoy's
   * flag (`UH`, `UO`, `UF`). The socket belongs to the caller, who must handle its `error`
   * events and close it; `close()` does not wait for it, `destroy()` destroys it.
   */
  connectTcp(options?: TcpConnectOptions): Promise<TcpConnectResult> {
    if (this.#closing !== null) return Promise.reject(new ClusterClosedError(this.name, 'open a TCP connection'));
    return this.#tcp.connect(options);
  }

  /** Stops taking work and resolves once every in-flight request has finished. Idempotent. */
  close(): Promise<void> {
    if (this.#closing === null) {
      this.#healthChecker?.stop();
      this.#discovery?.stop();
      this.#hostSet = EMPTY_HOST_SET;
      for (const pools of [this.#pools, this.#h2Pools]) for (const [key, pool] of pools) this.#drain(pools, key, pool);
      this.#closing = Promise.all(this.#draining.values()).then(() => undefined);
    }
    return this.#closing;
  }

  /** Aborts in-flight requests and closes every connection now. */
  async destroy(): Promise<void> {
    const closing = this.close();
    this.#tcp.destroyAll();
    await Promise.all([...this.#draining.keys()].map((pool) => pool.destroy().catch(ignore)));
    await closing;
  }

  #applyMembers(members: readonly Endpoint[]): void {
    if (this.#closing !== null) return;
    this.#members = Object.isFrozen(members) ? members : freezeEndpoints(members);
    this.#stats.membership_change++;
    this.#healthChecker?.setEndpoints(this.#members);
    this.#rebuildHostSet();

    const keep = new Set(this.#members.map(endpointKey));
    for (const pools of [this.#pools, this.#h2Pools]) {
      for (const [key, pool] of pools) if (!keep.has(key)) this.#drain(pools, key, pool);
    }
    for (const key of this.#loads.keys()) if (!keep.has(key) && !this.#pools.has(key) && !this.#h2Pools.has(key)) this.#loads.delete(key);
  }

  /** Applies active health verdicts to the members and swaps in a new balancer. */
  #rebuildHostSet(): void {
    if (this.#closing !== null) return;
    const checker = this.#healthChecker;
    const effective =
      checker === null
        ? this.#members
        : Object.freeze(
            this.#members
              .filter((e) => !checker.isPending(e))
              .map((e) => (isHealthy(e) && !checker.isHealthy(e) ? Object.freeze({ ...e, healthy: false }) : e)),
          );
    const balancer = this.#makeBalancer(effective, this.#balancerContext);
    this.#hostSet = { endpoints: effective, balancer };
    this.#stats.membership_total = this.#members.length;
    this.#stats.membership_excluded = this.#members.length - effective.length;
    this.#stats.membership_healthy = effective.filter(isHealthy).length;
    if (balancer instanceof PriorityBalancer && balancer.load.panic.includes(true)) this.#stats.lb_healthy_panic++;
    for (const listener of this.#listeners) listener(effective);
  }

  #loadOf(key: string): MutableRequestLoad {
    let load = this.#loads.get(key);
    if (load === undefined) this.#loads.set(key, (load = { active: 0 }));
    return load;
  }

  #drain(pools: Map<string, EndpointPool>, key: string, pool: EndpointPool): void {
    pools.delete(key);
    // close() rejects only if the pool was destroyed meanwhile, which is also "done".
    const done = pool.close().catch(ignore).finally(() => this.#draining.delete(pool));
    this.#draining.set(pool, done);
  }
}

function freezeEndpoints(endpoints: readonly Endpoint[]): readonly Endpoint[] {
  return Object.freeze(endpoints.map((endpoint) => Object.freeze({ ...endpoint, ...freezeLocality(endpoint) })));
}

function freezeLocality(endpoint: Endpoint): Partial<Endpoint> {
  return endpoint.locality === undefined ? {} : { locality: Object.freeze({ ...endpoint.locality }) };
}

function ignore(): void {}
