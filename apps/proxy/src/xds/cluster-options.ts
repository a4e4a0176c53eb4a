import type { ClusterOptions } from '@meshkit/upstream';
import type { ClusterSpec } from './cluster-translator.js';
import { HostsFirstResolver } from './cluster-dns-resolver.js';

/**
 * Envoy's upstream `idle_timeout` when `common_http_protocol_options` gives none: an hour. The
 * upstream library's own default is undici's 4 s, which would close and reopen connections to
 * every upstream that goes quiet for a few seconds. A server's `Keep-Alive: timeout=N` still
 * shortens it, so a pooled connection is not reused just as the server closes it.
 */
const ENVOY_IDLE_TIMEOUT_MS = 3_600_000;

/** A translated cluster as `new Cluster(…)` takes it; EDS clusters are STATIC ones fed by EDS. */
export function clusterOptions(spec: ClusterSpec): ClusterOptions {
  return {
    name: spec.name,
    ...(spec.statName === undefined ? {} : { statName: spec.statName }),
    connectTimeoutMs: spec.connectTimeoutMs,
    ...(spec.tls === undefined ? {} : { tls: spec.tls }),
    ...spec.upstreamProtocol,
    idleTimeoutMs: ENVOY_IDLE_TIMEOUT_MS,
    ...spec.connectionPool,
    ...spec.loadBalancing,
    circuitBreakers: spec.circuitBreakers,
    ...(spec.healthCheck === undefined ? {} : { healthCheck: spec.healthCheck }),
    ...(spec.type === 'STRICT_DNS' || spec.type === 'LOGICAL_DNS'
      ? { type: spec.type, dns: { ...spec.dns, resolver: new HostsFirstResolver() } }
      : {}),
  };
}
