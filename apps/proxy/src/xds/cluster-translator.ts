import type { ConnectionOptions } from 'node:tls';
import type { Endpoint } from '@meshkit/upstream';
import { readEndpoints } from './endpoint-translator.js';
import { FieldReader } from './fields.js';
import type { FieldOrigin } from './fields.js';
import { upstreamTlsOptions } from './transport-socket.js';
import type { SecretSource } from './transport-socket.js';

/** What the runtime needs to build (or keep) an upstream cluster. */
export interface ClusterSpec {
  readonly name: string;
  readonly type: 'STATIC' | 'EDS';
  /** The EDS resource name to subscribe to (Envoy's `service_name`, else the cluster name). */
  readonly edsServiceName: string | undefined;
  readonly connectTimeoutMs: number;
  readonly tls: ConnectionOptions | undefined;
  /** Endpoints given inline (`load_assignment`), for STATIC clusters. */
  readonly endpoints: readonly Endpoint[];
  /** The resource as received, for /config_dump and to tell whether an update changed it. */
  readonly source: unknown;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000; // Envoy's default connect_timeout

/**
 * Envoy `Cluster` → ClusterSpec. Throws (NACK) on anything the proxy does not implement; `origin`
 * places a static cluster in its bootstrap file for the error message.
 */
export function translateCluster(resource: unknown, secrets: SecretSource, origin?: FieldOrigin): ClusterSpec {
  const cluster = FieldReader.resource('Cluster', resource, origin);
  const name = cluster.string('name');
  cluster.allowOnly('name', 'type', 'connect_timeout', 'lb_policy', 'load_assignment', 'eds_cluster_config', 'transport_socket', 'alt_stat_name');
  const declared = cluster.optionalString('type') ?? 'STATIC';
  if (declared !== 'STATIC' && declared !== 'EDS') return cluster.fail('type', `${declared} is not supported yet (STATIC and EDS are)`);
  const type: ClusterSpec['type'] = declared;
  const lbPolicy = cluster.optionalString('lb_policy') ?? 'ROUND_ROBIN';
  if (lbPolicy !== 'ROUND_ROBIN') cluster.fail('lb_policy', `${lbPolicy} is not supported yet (ROUND_ROBIN is)`);

  let edsServiceName: string | undefined;
  if (type === 'EDS') {
    const eds = cluster.child('eds_cluster_config').allowOnly('eds_config', 'service_name');
    const source = eds.child('eds_config').allowOnly('ads', 'resource_api_version', 'initial_fetch_timeout');
    if (!source.has('ads')) source.fail('ads', 'EDS is supported over ADS only');
    edsServiceName = eds.optionalString('service_name') ?? name;
  }
  const loadAssignment = cluster.optionalChild('load_assignment');
  if (type === 'EDS' && loadAssignment !== undefined) cluster.fail('load_assignment', 'an EDS cluster gets its endpoints from EDS');
  const transportSocket = cluster.optionalChild('transport_socket');
  return {
    name,
    type,
    edsServiceName,
    connectTimeoutMs: cluster.durationMs('connect_timeout') ?? DEFAULT_CONNECT_TIMEOUT_MS,
    tls: transportSocket === undefined ? undefined : upstreamTlsOptions(transportSocket, secrets),
    endpoints: loadAssignment === undefined ? [] : readEndpoints(loadAssignment),
    source: resource,
  };
}
