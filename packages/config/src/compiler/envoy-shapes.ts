/** Building blocks of Envoy v3 resources in Envoy's JSON form (snake_case, `@type`, enums by name). */

/** An Envoy v3 resource in its JSON form. */
export type EnvoyResource = Record<string, unknown>;

/** The type URL of each resource list, for packing into `google.protobuf.Any`. */
export const ENVOY_TYPE_URLS = {
  listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TYPED_STRUCT_TYPE = 'type.googleapis.com/xds.type.v3.TypedStruct';
const ROUTER_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
const DOWNSTREAM_TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';
const UPSTREAM_TLS_TYPE = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

/** The cluster a proxy's identity agent answers SDS on, as Istio names it. */
export const SDS_CLUSTER = 'sds-grpc';
export const WORKLOAD_CERT_SECRET = 'default';
export const ROOT_CA_SECRET = 'ROOTCA';
export const TRUST_DOMAIN_PREFIX = 'spiffe://cluster.local/';

export type TrafficDirection = 'INBOUND' | 'OUTBOUND';

export function socketAddress(address: string, port: number): EnvoyResource {
  return { socket_address: { address, port_value: port } };
}

export function adsConfigSource(): EnvoyResource {
  return { ads: {}, resource_api_version: 'V3' };
}

function sdsSecret(name: string): EnvoyResource {
  return {
    name,
    sds_config: {
      api_config_source: {
        api_type: 'GRPC',
        grpc_services: [{ envoy_grpc: { cluster_name: SDS_CLUSTER } }],
        set_node_on_first_message_only: true,
        transport_api_version: 'V3',
      },
      resource_api_version: 'V3',
    },
  };
}

function commonTlsContext(subjectAltNames: EnvoyResource[]): EnvoyResource {
  return {
    tls_certificate_sds_secret_configs: [sdsSecret(WORKLOAD_CERT_SECRET)],
    combined_validation_context: {
      default_validation_context: { match_subject_alt_names: subjectAltNames },
      validation_context_sds_secret_config: sdsSecret(ROOT_CA_SECRET),
    },
  };
}

/** mTLS on an inbound listener: any workload of the mesh's trust domain may call. */
export function downstreamMtls(): EnvoyResource {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': DOWNSTREAM_TLS_TYPE,
      common_tls_context: commonTlsContext([{ prefix: TRUST_DOMAIN_PREFIX }]),
      require_client_certificate: true,
    },
  };
}

/** mTLS to a cluster: the peer must present one of exactly these SPIFFE IDs. */
export function upstreamMtls(spiffeIds: readonly string[], sni: string): EnvoyResource {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': UPSTREAM_TLS_TYPE,
      common_tls_context: commonTlsContext(spiffeIds.map((id) => ({ exact: id }))),
      sni,
    },
  };
}

/** The three HTTP filters every HCM runs, in order; stats reports as the side it sits on. */
function httpFilters(direction: TrafficDirection): EnvoyResource[] {
  const inbound = direction === 'INBOUND';
  const peerMetadata = inbound
    ? { downstream_discovery: [{ istio_headers: {} }], downstream_propagation: [{ istio_headers: {} }] }
    : { upstream_discovery: [{ istio_headers: {} }], upstream_propagation: [{ istio_headers: {} }] };
  return [
    {
      name: 'istio.metadata_exchange',
      typed_config: { '@type': TYPED_STRUCT_TYPE, type_url: 'type.googleapis.com/io.istio.http.peer_metadata.Config', value: peerMetadata },
    },
    {
      name: 'istio.stats',
      typed_config: { '@type': TYPED_STRUCT_TYPE, type_url: 'type.googleapis.com/stats.PluginConfig', value: { reporter: inbound ? 'destination' : 'source' } },
    },
    { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER_TYPE } },
  ];
}

/** An HTTP connection manager network filter, with either an inline route config or RDS over ADS. */
export function httpConnectionManager(
  statPrefix: string,
  direction: TrafficDirection,
  routes: { inline: EnvoyResource } | { rdsName: string },
): EnvoyResource {
  const routeSpecifier =
    'inline' in routes ? { route_config: routes.inline } : { rds: { config_source: adsConfigSource(), route_config_name: routes.rdsName } };
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM_TYPE,
      stat_prefix: statPrefix,
      codec_type: 'AUTO',
      // Istio's default meshConfig.pathNormalization (BASE): RFC 3986 normalization, slashes kept.
      normalize_path: true,
      // As istiod configures a sidecar's inbound side: the app learns its mTLS caller from XFCC.
      ...(direction === 'INBOUND' ? { forward_client_cert_details: 'APPEND_FORWARD', set_current_client_cert_details: { subject: true, dns: true, uri: true } } : {}),
      ...routeSpecifier,
      http_filters: httpFilters(direction),
    },
  };
}

export function listener(name: string, address: EnvoyResource, direction: TrafficDirection, filterChain: EnvoyResource): EnvoyResource {
  return { name, address, traffic_direction: direction, filter_chains: [filterChain] };
}
