import type { ConnectionOptions } from 'node:tls';
import type { Endpoint } from '@meshkit/upstream';
import { readCircuitBreakers } from './cluster-circuit-breakers.js';
import type { CircuitBreakerSpec } from './cluster-circuit-breakers.js';
import { DNS_FIELDS, readDns } from './cluster-dns.js';
import type { DnsSpec } from './cluster-dns.js';
import { readHealthCheck } from './cluster-health-checks.js';
import type { HealthCheckOptions } from './cluster-health-checks.js';
import { readCommonLbConfig, readLbPolicy } from './cluster-lb-policy.js';
import type { LoadBalancing } from './cluster-lb-policy.js';
import { readProtocol } from './cluster-protocol.js';
import type { ConnectionPoolSpec, UpstreamProtocol } from './cluster-protocol.js';
import { enumValue, positiveDurationMs } from './cluster-values.js';
import { readEndpoints } from './endpoint-translator.js';
import { readAdsConfigSource } from './config-source.js';
import { FieldReader } from './fields.js';
import type { FieldOrigin } from './fields.js';
import { upstreamTlsOptions } from './transport-socket.js';
import type { SecretSource } from './transport-socket.js';

export type { UpstreamProtocol } from './cluster-protocol.js';

export type ClusterType = 'STATIC' | 'EDS' | 'STRICT_DNS' | 'LOGICAL_DNS';

/** What the runtime needs to build (or keep) an upstream cluster. */
export interface ClusterSpec {
  readonly name: string;
  readonly type: ClusterType;
  /** The EDS resource name to subscribe to (Envoy's `service_name`, else the cluster name). */
  readonly edsServiceName: string | undefined;
  /** `alt_stat_name`: the name the cluster's stats go under, when not its own. */
  readonly statName: string | undefined;
  /**
   * How long a new EDS cluster warms waiting for its first assignment before it serves without one
   * (`eds_config.initial_fetch_timeout`, Envoy's default 15 s; 0 waits for good).
   */
  readonly edsInitialFetchTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly tls: ConnectionOptions | undefined;
  /** Endpoints given inline (`load_assignment`): addresses for STATIC, hostnames for the DNS types. */
  readonly endpoints: readonly Endpoint[];
  /** The upstream protocol, as `ClusterOptions` takes it: `{}` for HTTP/1.1. */
  readonly upstreamProtocol: UpstreamProtocol;
  readonly connectionPool: ConnectionPoolSpec;
  /** `lb_policy` and its settings, with `common_lb_config.healthy_panic_threshold`. */
  readonly loadBalancing: LoadBalancing;
  readonly circuitBreakers: CircuitBreakerSpec;
  readonly healthCheck: HealthCheckOptions | undefined;
  /** Resolution settings, for STRICT_DNS and LOGICAL_DNS only. */
  readonly dns: DnsSpec | undefined;
  /** The resource as received, for /config_dump and to tell whether an update changed it. */
  readonly source: unknown;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000; // Envoy's default connect_timeout

const TYPES: readonly ClusterType[] = ['STATIC', 'EDS', 'STRICT_DNS', 'LOGICAL_DNS'];

const SUPPORTED_FIELDS = [
  'name',
  'type',
  'connect_timeout',
  'lb_policy',
  'least_request_lb_config',
  'ring_hash_lb_config',
  'maglev_lb_config',
  'common_lb_config',
  'circuit_breakers',
  'health_checks',
  'load_assignment',
  'eds_cluster_config',
  'transport_socket',
  'alt_stat_name',
  'typed_extension_protocol_options',
  'http2_protocol_options',
  'max_requests_per_connection',
  // Data for filters and tools (Istio puts its service names here); like Envoy, the cluster itself ignores it.
  'metadata',
  ...DNS_FIELDS,
];

function readEds(cluster: FieldReader, name: string): { edsServiceName: string; edsInitialFetchTimeoutMs: number } {
  const eds = cluster.child('eds_cluster_config').allowOnly('eds_config', 'service_name');
  const edsInitialFetchTimeoutMs = readAdsConfigSource(eds.child('eds_config'), 'EDS is supported over ADS only');
  return { edsServiceName: eds.optionalString('service_name') ?? name, edsInitialFetchTimeoutMs };
}

/** `load_assignment`: required shapes per type (Envoy: one host for LOGICAL_DNS, none inline for EDS). */
function readLoadAssignment(cluster: FieldReader, type: ClusterType): Endpoint[] {
  const loadAssignment = cluster.optionalChild('load_assignment');
  if (type === 'EDS') {
    if (loadAssignment !== undefined) cluster.fail('load_assignment', 'an EDS cluster gets its endpoints from EDS');
    return [];
  }
  const endpoints = loadAssignment === undefined ? [] : readEndpoints(loadAssignment);
  if (type === 'LOGICAL_DNS' && endpoints.length !== 1) cluster.fail('load_assignment', `a LOGICAL_DNS cluster needs exactly one endpoint, got ${endpoints.length}`);
  return endpoints;
}

/**
 * Envoy `Cluster` → ClusterSpec. Throws (NACK) on anything the proxy does not implement; `origin`
 * places a static cluster in its bootstrap file for the error message.
 */
export function translateCluster(resource: unknown, secrets: SecretSource, origin?: FieldOrigin): ClusterSpec {
  const cluster = FieldReader.resource('Cluster', resource, origin);
  const name = cluster.string('name');
  cluster.allowOnly(...SUPPORTED_FIELDS);
  const type = enumValue(cluster, 'type', TYPES, 'STATIC');
  const isDns = type === 'STRICT_DNS' || type === 'LOGICAL_DNS';
  const strayDnsField = DNS_FIELDS.find((field) => cluster.has(field));
  if (!isDns && strayDnsField !== undefined) cluster.fail(strayDnsField, 'applies only to STRICT_DNS and LOGICAL_DNS clusters');
  if (type !== 'EDS' && cluster.has('eds_cluster_config')) cluster.fail('eds_cluster_config', 'applies only to EDS clusters');
  const common = readCommonLbConfig(cluster);
  const healthCheck = readHealthCheck(cluster, name);
  const transportSocket = cluster.optionalChild('transport_socket');
  return {
    name,
    type,
    ...(type === 'EDS' ? readEds(cluster, name) : { edsServiceName: undefined, edsInitialFetchTimeoutMs: 0 }),
    statName: cluster.optionalString('alt_stat_name'),
    connectTimeoutMs: cluster.has('connect_timeout') ? positiveDurationMs(cluster, 'connect_timeout') : DEFAULT_CONNECT_TIMEOUT_MS,
    tls: transportSocket === undefined ? undefined : upstreamTlsOptions(transportSocket, secrets),
    endpoints: readLoadAssignment(cluster, type),
    ...readProtocol(cluster),
    loadBalancing: {
      ...readLbPolicy(cluster),
      ...(common.panicThresholdPercent === undefined ? {} : { panicThresholdPercent: common.panicThresholdPercent }),
      ...(common.localityWeighted === true ? { localityWeighted: true } : {}),
    },
    circuitBreakers: readCircuitBreakers(cluster),
    // Without health checks there is no first check to wait for: Envoy's no-op, and ours.
    healthCheck: healthCheck === undefined || common.ignoreNewHostsUntilFirstCheck !== true ? healthCheck : { ...healthCheck, ignoreNewHostsUntilFirstCheck: true },
    dns: isDns ? readDns(cluster) : undefined,
    source: resource,
  };
}
