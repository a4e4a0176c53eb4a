import type { ConnectionOptions } from 'node:tls';
import type { Pool } from 'undici';
import { findCircuitBreakerProblem } from './circuit-breakers.js';
import { findDnsOptionProblem } from './dns/dns-options.js';
import type { CircuitBreakerOptions } from './circuit-breakers.js';
import type { DnsOptions } from './dns/dns-options.js';
import type { PinnedDispatchOptions } from './endpoint-pool.js';
import type { HealthCheckOptions } from './health/health-checker.js';
import type { LoadBalancingOptions } from './lb-policy.js';

export interface Http2Options {
  /** Streams the endpoint's connection may carry at once; more requests wait in the pool's queue. Default 100. */
  readonly maxConcurrentStreams?: number;
}

/**
 * Where a cluster's members come from (Envoy's cluster `type`). `STATIC`: the endpoints given to
 * `setEndpoints` (EDS feeds a STATIC cluster this way too). `STRICT_DNS`: every address their
 * hostnames resolve to. `LOGICAL_DNS`: one member for one hostname, dialled at its latest address.
 */
export type DiscoveryType = 'STATIC' | 'STRICT_DNS' | 'LOGICAL_DNS';

export interface ClusterOptions extends LoadBalancingOptions {
  readonly name: string;
  /** The name its stats are published under (Envoy's `alt_stat_name`). Default `name`. */
  readonly statName?: string;
  /** Default `STATIC`. */
  readonly type?: DiscoveryType;
  /** Resolution settings for `STRICT_DNS` and `LOGICAL_DNS`. */
  readonly dns?: DnsOptions;
  /** Time allowed for TCP connect plus TLS handshake. Default 10000. */
  readonly connectTimeoutMs?: number;
  /**
   * TLS towards every endpoint (CA, client certificate, `servername`, ALPN, `checkServerIdentity`).
   * Undefined means plaintext.
   */
  readonly tls?: ConnectionOptions;
  /** Upstream protocol (Envoy's `http2_protocol_options`): h2c without `tls`, h2 by ALPN with it. Default 'http1'. */
  readonly protocol?: 'http1' | 'http2';
  readonly http2?: Http2Options;
  /** Close a connection after this many requests. Default: unlimited. */
  readonly maxRequestsPerConnection?: number;
  /** Close a connection that has had no request for this long. Default: undici's 4 s, capped by the server's keep-alive hint. */
  readonly idleTimeoutMs?: number;
  /** Active health checking of every member; verdicts take effect on the next pick. */
  readonly healthCheck?: HealthCheckOptions;
  /** Envoy's default-priority thresholds; each defaults to 1024. */
  readonly circuitBreakers?: CircuitBreakerOptions;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_CONCURRENT_STREAMS = 100;

export function buildPoolOptions(options: ClusterOptions): Pool.Options {
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
  if (options.protocol === 'http2') {
    const streams = options.http2?.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS;
    // One multiplexed connection per endpoint (undici's pool would otherwise open a connection per
    // request that arrives while the first is still connecting). undici's h2 client caps the
    // streams in flight on it at `pipelining` and queues the rest; `maxConcurrentStreams` is what it
    // assumes before the server's SETTINGS arrive, and a lower server limit is enforced by nghttp2.
    const connect = { ...poolOptions.connect, useH2c: options.tls === undefined };
    Object.assign(poolOptions, { connect, connections: 1, allowH2: true, maxConcurrentStreams: streams, pipelining: streams });
  }
  return poolOptions;
}

export function buildPinnedOptions(options: ClusterOptions): PinnedDispatchOptions | null {
  const servername = options.tls?.servername;
  const reset = options.maxRequestsPerConnection === 1;
  if (servername === undefined && !reset) return null;
  return { ...(servername === undefined ? {} : { servername }), ...(reset ? { reset } : {}) };
}

export function findOptionProblem(options: ClusterOptions): string | null {
  if (typeof options.name !== 'string' || options.name.length === 0) return 'name must be a non-empty string';
  const positive = { connectTimeoutMs: options.connectTimeoutMs, idleTimeoutMs: options.idleTimeoutMs };
  for (const [field, value] of Object.entries(positive)) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) return `${field} must be a positive number, got ${String(value)}`;
  }
  const integers = {
    maxRequestsPerConnection: options.maxRequestsPerConnection,
    'http2.maxConcurrentStreams': options.http2?.maxConcurrentStreams,
  };
  for (const [field, value] of Object.entries(integers)) {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1)) return `${field} must be an integer >= 1, got ${String(value)}`;
  }
  const factor = options.overprovisioningFactor;
  if (factor !== undefined && !(Number.isFinite(factor) && factor >= 1)) return `overprovisioningFactor must be >= 1, got ${String(factor)}`;
  const panic = options.panicThresholdPercent;
  if (panic !== undefined && !(panic >= 0 && panic <= 100)) return `panicThresholdPercent must be in 0..100, got ${String(panic)}`;
  if (options.circuitBreakers !== undefined) {
    const breakerProblem = findCircuitBreakerProblem(options.circuitBreakers);
    if (breakerProblem !== null) return breakerProblem;
  }
  const type = options.type;
  if (type !== undefined && type !== 'STATIC' && type !== 'STRICT_DNS' && type !== 'LOGICAL_DNS') {
    return `type must be STATIC, STRICT_DNS or LOGICAL_DNS, got ${String(type)}`;
  }
  if (options.dns !== undefined) {
    if (type !== 'STRICT_DNS' && type !== 'LOGICAL_DNS') return 'dns is only for STRICT_DNS and LOGICAL_DNS clusters';
    const dnsProblem = findDnsOptionProblem(options.dns);
    if (dnsProblem !== null) return dnsProblem;
  }
  const check = options.healthCheck;
  if (check !== undefined) {
    if (!(check.intervalMs > 0) || !(check.timeoutMs > 0)) return 'healthCheck.intervalMs and healthCheck.timeoutMs must be positive';
    const kinds = [check.http, check.tcp, check.grpc, check.probe].filter((kind) => kind !== undefined).length;
    if (kinds !== 1) return 'healthCheck needs exactly one of http, tcp, grpc, probe';
  }
  return null;
}
