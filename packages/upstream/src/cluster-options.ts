import type { ConnectionOptions } from 'node:tls';
import type { buildConnector } from 'undici';
import { findCircuitBreakerProblem } from './circuit-breakers.js';
import { findDnsOptionProblem } from './dns/dns-options.js';
import type { CircuitBreakerOptions } from './circuit-breakers.js';
import type { DnsOptions } from './dns/dns-options.js';
import type { DialOptions } from './dial.js';
import type { HealthCheckOptions } from './health/health-checker.js';
import type { LoadBalancingOptions } from './lb-policy.js';

/** Envoy's `connection_keepalive`: PING a quiet connection every `intervalMs`; no ACK within `timeoutMs` closes it. */
export interface Http2Keepalive {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

export interface Http2Options {
  /**
   * Streams a connection carries at once (fewer if the server's SETTINGS say so); with every
   * connection full another is opened, up to the `maxConnections` breaker. Default 2147483647
   * (Envoy's): the server's limit decides.
   */
  readonly maxConcurrentStreams?: number;
  readonly keepalive?: Http2Keepalive;
  /**
   * Flow-control windows offered to the server (Envoy's `initial_stream_window_size`,
   * `initial_connection_window_size`). Default node's 65535: a paused stream buffers up to its window.
   */
  readonly initialStreamWindowSize?: number;
  readonly initialConnectionWindowSize?: number;
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
  /**
   * Upstream protocol (Envoy's `http2_protocol_options`): h2c without `tls`, h2 by ALPN with it.
   * 'downstream' (Envoy's `use_downstream_protocol_config`) speaks whichever the caller asks
   * `poolFor` for: HTTP/2 for a request that came over HTTP/2, else HTTP/1.1. Default 'http1'.
   */
  readonly protocol?: 'http1' | 'http2' | 'downstream';
  readonly http2?: Http2Options;
  readonly http1?: Http1Options;
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
const DEFAULT_MAX_CONCURRENT_STREAMS = 2_147_483_647;
const OPTIONAL_CHECK_INTERVALS = ['unhealthyIntervalMs', 'unhealthyEdgeIntervalMs', 'healthyEdgeIntervalMs', 'noTrafficIntervalMs', 'noTrafficHealthyIntervalMs'] as const;

/** HTTP/1.1 settings (Envoy's `http_protocol_options`). */
export interface Http1Options {
  /** `header_key_format.proper_case_words`: requests name their fields `Content-Type`. Default false: lower case. */
  readonly properCaseHeaderNames?: boolean;
  /**
   * `allow_chunked_length`: a response with both `Transfer-Encoding: chunked` and Content-Length is
   * read as chunked, where by default it is an upstream protocol error. Default false.
   */
  readonly allowChunkedLength?: boolean;
}

/** How a cluster's endpoint pools connect and reuse connections, whichever protocol they speak. */
export interface PoolSettings {
  /** TLS settings and the connect timeout, or (LOGICAL_DNS) a connector dialling the latest address. */
  readonly connect: DialOptions | buildConnector.connector;
  /** Close a connection after this many requests; 0 is unlimited. */
  readonly maxRequestsPerConnection: number;
  /** Close a connection idle this long; undefined leaves the pool's default (4 s). */
  readonly idleTimeoutMs: number | undefined;
  /** HTTP/2: streams a connection carries at once, unless the server allows fewer. */
  readonly maxConcurrentStreams: number;
  /** HTTP/2: PINGs that find a dead connection. */
  readonly keepalive: Http2Keepalive | undefined;
  /** HTTP/2: flow-control windows, undefined for node's 65535. */
  readonly windows: Http2Windows;
  /** HTTP/1.1 settings, handed to each endpoint's HTTP/1.1 pool as given. */
  readonly http1: Http1Options;
}

export interface Http2Windows {
  readonly stream?: number | undefined;
  readonly connection?: number | undefined;
}

export function buildPoolSettings(options: ClusterOptions): PoolSettings {
  return {
    connect: { ...options.tls, timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
    maxRequestsPerConnection: options.maxRequestsPerConnection ?? 0,
    idleTimeoutMs: options.idleTimeoutMs,
    maxConcurrentStreams: options.http2?.maxConcurrentStreams ?? DEFAULT_MAX_CONCURRENT_STREAMS,
    keepalive: options.http2?.keepalive,
    windows: { stream: options.http2?.initialStreamWindowSize, connection: options.http2?.initialConnectionWindowSize },
    http1: options.http1 ?? {},
  };
}

export function findOptionProblem(options: ClusterOptions): string | null {
  if (typeof options.name !== 'string' || options.name.length === 0) return 'name must be a non-empty string';
  const positive = {
    connectTimeoutMs: options.connectTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
    'http2.keepalive.intervalMs': options.http2?.keepalive?.intervalMs,
    'http2.keepalive.timeoutMs': options.http2?.keepalive?.timeoutMs,
  };
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
  // HTTP/2's own bounds on a flow-control window.
  const windows = { 'http2.initialStreamWindowSize': options.http2?.initialStreamWindowSize, 'http2.initialConnectionWindowSize': options.http2?.initialConnectionWindowSize };
  for (const [field, size] of Object.entries(windows)) {
    if (size !== undefined && !(Number.isInteger(size) && size >= 65_535 && size <= 2_147_483_647)) return `${field} must be an integer in 65535..2147483647, got ${String(size)}`;
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
  const protocol = options.protocol;
  if (protocol !== undefined && protocol !== 'http1' && protocol !== 'http2' && protocol !== 'downstream') {
    return `protocol must be http1, http2 or downstream, got ${String(protocol)}`;
  }
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
    for (const field of OPTIONAL_CHECK_INTERVALS) {
      const value = check[field];
      if (value !== undefined && !(value > 0)) return `healthCheck.${field} must be positive, got ${String(value)}`;
    }
    const kinds = [check.http, check.tcp, check.grpc, check.probe].filter((kind) => kind !== undefined).length;
    if (kinds !== 1) return 'healthCheck needs exactly one of http, tcp, grpc, probe';
  }
  return null;
}
