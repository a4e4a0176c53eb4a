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
  /** The upstream protocol, as `ClusterOptions` takes it: `{}` for HTTP/1.1. */
  readonly upstreamProtocol: UpstreamProtocol;
  /** The resource as received, for /config_dump and to tell whether an update changed it. */
  readonly source: unknown;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 5_000; // Envoy's default connect_timeout

export type UpstreamProtocol = { readonly protocol?: 'http2'; readonly http2?: { readonly maxConcurrentStreams?: number } };

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** HTTP/2 settings the upstream pool honours (Envoy's `Http2ProtocolOptions`). */
function readHttp2Options(options: FieldReader): UpstreamProtocol {
  options.allowOnly('max_concurrent_streams');
  const streams = options.optionalNumber('max_concurrent_streams');
  if (streams === undefined) return { protocol: 'http2' };
  if (!Number.isInteger(streams) || streams < 1) options.fail('max_concurrent_streams', 'must be an integer >= 1');
  return { protocol: 'http2', http2: { maxConcurrentStreams: streams } };
}

/**
 * The upstream protocol: `typed_extension_protocol_options` with Envoy's `HttpProtocolOptions`
 * (`explicit_http_config`), or the deprecated cluster-level `http2_protocol_options`.
 */
function readUpstreamProtocol(cluster: FieldReader): UpstreamProtocol {
  const legacy = cluster.optionalChild('http2_protocol_options');
  const extensions = cluster.optionalChild('typed_extension_protocol_options');
  if (legacy !== undefined && extensions !== undefined) cluster.fail('http2_protocol_options', 'give either this or typed_extension_protocol_options, not both');
  if (legacy !== undefined) return readHttp2Options(legacy);
  if (extensions === undefined) return {};
  extensions.allowOnly(HTTP_PROTOCOL_OPTIONS);
  const options = extensions.child(HTTP_PROTOCOL_OPTIONS).allowOnly('@type', 'explicit_http_config');
  if (!options.string('@type').endsWith(`/${HTTP_PROTOCOL_OPTIONS}`)) options.fail('@type', `expected type.googleapis.com/${HTTP_PROTOCOL_OPTIONS}`);
  const explicit = options.child('explicit_http_config').allowOnly('http_protocol_options', 'http2_protocol_options');
  const http2 = explicit.optionalChild('http2_protocol_options');
  if (http2 !== undefined) return readHttp2Options(http2);
  explicit.child('http_protocol_options').allowOnly();
  return {};
}

/**
 * Envoy `Cluster` → ClusterSpec. Throws (NACK) on anything the proxy does not implement; `origin`
 * places a static cluster in its bootstrap file for the error message.
 */
export function translateCluster(resource: unknown, secrets: SecretSource, origin?: FieldOrigin): ClusterSpec {
  const cluster = FieldReader.resource('Cluster', resource, origin);
  const name = cluster.string('name');
  cluster.allowOnly('name', 'type', 'connect_timeout', 'lb_policy', 'load_assignment', 'eds_cluster_config', 'transport_socket', 'alt_stat_name', 'typed_extension_protocol_options', 'http2_protocol_options');
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
    upstreamProtocol: readUpstreamProtocol(cluster),
    source: resource,
  };
}
