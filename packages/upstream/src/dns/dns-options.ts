import type { RecordWithTtl } from 'node:dns';

/**
 * How a DNS cluster turns a hostname into addresses (Envoy's `dns_lookup_family`):
 * - `AUTO`: IPv6 records, or IPv4 when the name has no IPv6 record.
 * - `V4_PREFERRED`: IPv4 records, or IPv6 when the name has no IPv4 record.
 * - `V4_ONLY`, `V6_ONLY`: that family only.
 * - `ALL`: both families, IPv4 first.
 */
export type DnsLookupFamily = 'AUTO' | 'V4_ONLY' | 'V6_ONLY' | 'V4_PREFERRED' | 'ALL';

/**
 * The DNS queries a cluster makes. `new dns.promises.Resolver()` from `node:dns` is one (point it
 * at a server with `setServers`); a test or an embedding may supply any object of this shape.
 */
export interface DnsResolver {
  resolve4(hostname: string, options: { ttl: true }): Promise<RecordWithTtl[]>;
  resolve6(hostname: string, options: { ttl: true }): Promise<RecordWithTtl[]>;
}

/** Exponential back-off for re-resolving after a failure (Envoy's `dns_failure_refresh_rate`). */
export interface DnsFailureRefreshRate {
  readonly baseIntervalMs: number;
  /** Default 10 × `baseIntervalMs`, as Envoy's. */
  readonly maxIntervalMs?: number;
}

export interface DnsOptions {
  /** Time between resolutions of each hostname (Envoy's `dns_refresh_rate`). Default 5000. */
  readonly refreshRateMs?: number;
  /** Up to this much random extra delay per refresh, so many proxies don't query in step (Envoy's `dns_jitter`). Default 0. */
  readonly jitterMs?: number;
  /** Re-resolve when the answer's smallest TTL runs out instead of at `refreshRateMs` (a TTL of 0 keeps the rate). */
  readonly respectDnsTtl?: boolean;
  /** After a failed resolution retry on this back-off instead of at `refreshRateMs`. */
  readonly failureRefreshRate?: DnsFailureRefreshRate;
  /** Default `AUTO`. */
  readonly lookupFamily?: DnsLookupFamily;
  /** Default: a `node:dns` `Resolver` using the system's DNS servers (it does not read /etc/hosts). */
  readonly resolver?: DnsResolver;
}

export const DEFAULT_DNS_REFRESH_RATE_MS = 5_000;

const FAMILIES: readonly DnsLookupFamily[] = ['AUTO', 'V4_ONLY', 'V6_ONLY', 'V4_PREFERRED', 'ALL'];

export function findDnsOptionProblem(dns: DnsOptions): string | null {
  const positive = {
    'dns.refreshRateMs': dns.refreshRateMs,
    'dns.failureRefreshRate.baseIntervalMs': dns.failureRefreshRate?.baseIntervalMs,
    'dns.failureRefreshRate.maxIntervalMs': dns.failureRefreshRate?.maxIntervalMs,
  };
  for (const [field, value] of Object.entries(positive)) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) return `${field} must be a positive number, got ${String(value)}`;
  }
  const failure = dns.failureRefreshRate;
  if (failure?.maxIntervalMs !== undefined && failure.maxIntervalMs < failure.baseIntervalMs) {
    return 'dns.failureRefreshRate.maxIntervalMs must be >= baseIntervalMs';
  }
  if (dns.jitterMs !== undefined && !(Number.isFinite(dns.jitterMs) && dns.jitterMs >= 0)) return `dns.jitterMs must be >= 0, got ${String(dns.jitterMs)}`;
  if (dns.lookupFamily !== undefined && !FAMILIES.includes(dns.lookupFamily)) {
    return `dns.lookupFamily must be one of ${FAMILIES.join(', ')}, got ${String(dns.lookupFamily)}`;
  }
  return null;
}
