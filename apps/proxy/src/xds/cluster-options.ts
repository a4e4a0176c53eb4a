import type { ClusterOptions } from '@meshkit/upstream';
import type { ClusterSpec } from './cluster-translator.js';
import { HostsFirstResolver } from './cluster-dns-resolver.js';

/** A translated cluster as `new Cluster(…)` takes it; EDS clusters are STATIC ones fed by EDS. */
export function clusterOptions(spec: ClusterSpec): ClusterOptions {
  return {
    name: spec.name,
    ...(spec.statName === undefined ? {} : { statName: spec.statName }),
    connectTimeoutMs: spec.connectTimeoutMs,
    ...(spec.tls === undefined ? {} : { tls: spec.tls }),
    ...spec.upstreamProtocol,
    ...spec.connectionPool,
    ...spec.loadBalancing,
    circuitBreakers: spec.circuitBreakers,
    ...(spec.healthCheck === undefined ? {} : { healthCheck: spec.healthCheck }),
    ...(spec.type === 'STRICT_DNS' || spec.type === 'LOGICAL_DNS'
      ? { type: spec.type, dns: { ...spec.dns, resolver: new HostsFirstResolver() } }
      : {}),
  };
}
