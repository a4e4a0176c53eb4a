import type { EnvoyResource } from '../src/index.js';

// Resources shaped like the ones the meshkit compiler emits (docs/design/local-mesh.md),
// written the way an Envoy user writes them in YAML.

const SDS_CONFIG = {
  api_config_source: {
    api_type: 'GRPC',
    transport_api_version: 'V3',
    grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }],
    set_node_on_first_message_only: true,
  },
  initial_fetch_timeout: '0s',
  resource_api_version: 'V3',
};

const ISTIO_HTTP_FILTERS = (reporter: string): EnvoyResource[] => [
  {
    name: 'istio.metadata_exchange',
    typed_config: {
      '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
      type_url: 'type.googleapis.com/io.istio.http.peer_metadata.Config',
      value: { upstream_discovery: [{ istio_headers: {} }, { workload_discovery: {} }] },
    },
  },
  {
    name: 'istio.stats',
    typed_config: {
      '@type': 'type.googleapis.com/udpa.type.v1.TypedStruct',
      type_url: 'type.googleapis.com/stats.PluginConfig',
      value: { reporter, disable_host_header_fallback: true, tcp_reporting_duration: 5, rotate: null },
    },
  },
  {
    name: 'envoy.filters.http.router',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router', suppress_envoy_headers: true },
  },
];

export const inboundListener: EnvoyResource = {
  name: '127.10.1.3_9080',
  address: { socket_address: { address: '127.10.1.3', port_value: 9080 } },
  traffic_direction: 'INBOUND',
  per_connection_buffer_limit_bytes: 32768,
  listener_filters: [
    {
      name: 'envoy.filters.listener.tls_inspector',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector' },
    },
  ],
  listener_filters_timeout: '0.1s',
  continue_on_listener_filters_timeout: true,
  filter_chains: [
    {
      filter_chain_match: { transport_protocol: 'tls', application_protocols: ['istio-http/1.1', 'h2'] },
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
          require_client_certificate: true,
          common_tls_context: {
            tls_params: { tls_minimum_protocol_version: 'TLSv1_2', cipher_suites: ['ECDHE-ECDSA-AES256-GCM-SHA384'] },
            alpn_protocols: ['h2', 'http/1.1'],
            tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: SDS_CONFIG }],
            combined_validation_context: {
              default_validation_context: {
                match_typed_subject_alt_names: [
                  { san_type: 'URI', matcher: { prefix: 'spiffe://cluster.local/' } },
                ],
              },
              validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: SDS_CONFIG },
            },
          },
        },
      },
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type':
              'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            stat_prefix: 'inbound_0.0.0.0_9080',
            codec_type: 'AUTO',
            use_remote_address: false,
            normalize_path: true,
            stream_idle_timeout: '300s',
            request_headers_timeout: '1.5s',
            forward_client_cert_details: 'APPEND_FORWARD',
            set_current_client_cert_details: { subject: true, dns: true, uri: true },
            route_config: {
              name: 'inbound|9080||',
              validate_clusters: false,
              virtual_hosts: [
                {
                  name: 'inbound|http|9080',
                  domains: ['*'],
                  routes: [
                    {
                      name: 'default',
                      match: { prefix: '/' },
                      route: { cluster: 'inbound|9080||', timeout: '0s', max_stream_duration: { max_stream_duration: '0s', grpc_timeout_header_max: '0s' } },
                      decorator: { operation: 'reviews.default.svc.cluster.local:9080/*' },
                    },
                  ],
                },
              ],
            },
            http_filters: ISTIO_HTTP_FILTERS('destination'),
            tracing: { client_sampling: { value: 100 }, random_sampling: { value: 1 }, overall_sampling: { value: 100 } },
            access_log: [
              {
                name: 'envoy.access_loggers.file',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
                  path: '/dev/stdout',
                  log_format: { json_format: { start_time: '%START_TIME%', code: '%RESPONSE_CODE%', duration: 12.5, tags: ['a', true, null] } },
                },
              },
            ],
            upgrade_configs: [{ upgrade_type: 'websocket' }],
          },
        },
      ],
    },
  ],
  metadata: { filter_metadata: { istio: { workload: 'reviews-v1', labels: { app: 'reviews', version: 'v1' } } } },
};

export const outboundListener: EnvoyResource = {
  name: 'virtualOutbound',
  address: { socket_address: { address: '127.10.2.3', port_value: 15001 } },
  traffic_direction: 'OUTBOUND',
  filter_chains: [
    {
      filters: [
        {
          name: 'envoy.filters.network.http_connection_manager',
          typed_config: {
            '@type':
              'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
            stat_prefix: 'outbound_0.0.0.0_15001',
            rds: {
              route_config_name: 'outbound',
              config_source: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
            },
            http_filters: ISTIO_HTTP_FILTERS('source'),
          },
        },
      ],
    },
  ],
};

export const edsCluster: EnvoyResource = {
  name: 'outbound|9080|v2|reviews.default.svc.cluster.local',
  type: 'EDS',
  eds_cluster_config: {
    service_name: 'outbound|9080|v2|reviews.default.svc.cluster.local',
    eds_config: { ads: {}, initial_fetch_timeout: '0s', resource_api_version: 'V3' },
  },
  connect_timeout: '10s',
  lb_policy: 'ROUND_ROBIN',
  circuit_breakers: {
    thresholds: [{ priority: 'DEFAULT', max_connections: 4294967295, max_pending_requests: 1024, max_retries: 3, track_remaining: true }],
  },
  common_lb_config: { healthy_panic_threshold: { value: 50 }, locality_weighted_lb_config: {} },
  outlier_detection: { consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 100 },
  typed_extension_protocol_options: {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
      '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
      common_http_protocol_options: { idle_timeout: '3600s', max_requests_per_connection: 100 },
      use_downstream_protocol_config: { http_protocol_options: {}, http2_protocol_options: { max_concurrent_streams: 1073741824 } },
    },
  },
  transport_socket: {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      sni: 'outbound_.9080_.v2_.reviews.default.svc.cluster.local',
      common_tls_context: {
        alpn_protocols: ['istio-peer-exchange', 'istio'],
        tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: SDS_CONFIG }],
        combined_validation_context: {
          default_validation_context: {
            match_subject_alt_names: [{ exact: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews' }],
          },
          validation_context_sds_secret_config: { name: 'ROOTCA', sds_config: SDS_CONFIG },
        },
      },
    },
  },
  metadata: { filter_metadata: { istio: { services: [{ host: 'reviews.default.svc.cluster.local', name: 'reviews', namespace: 'default' }], subset: 'v2' } } },
};

export const loadAssignment: EnvoyResource = {
  cluster_name: 'outbound|9080|v2|reviews.default.svc.cluster.local',
  endpoints: [
    {
      locality: { region: 'local', zone: 'a' },
      lb_endpoints: [
        {
          endpoint: { address: { socket_address: { address: '127.10.1.4', port_value: 9080 } }, hostname: 'reviews-v2-0' },
          health_status: 'HEALTHY',
          load_balancing_weight: 1,
          metadata: { filter_metadata: { istio: { workload: 'reviews-v2;default;reviews;v2;Kubernetes' } } },
        },
        {
          endpoint: { address: { socket_address: { address: '127.10.1.5', port_value: 9080 } } },
          health_status: 'DRAINING',
          load_balancing_weight: 3,
        },
      ],
      load_balancing_weight: 4,
      priority: 1,
    },
  ],
  policy: { overprovisioning_factor: 140 },
};

export const routeConfiguration: EnvoyResource = {
  name: 'outbound',
  validate_clusters: false,
  max_direct_response_body_size_bytes: 1048576,
  virtual_hosts: [
    {
      name: 'reviews.default.svc.cluster.local:9080',
      domains: ['reviews.default.svc.cluster.local', 'reviews', 'reviews:9080', 'reviews.default', 'reviews.default.svc'],
      routes: [
        {
          name: 'jason',
          match: {
            prefix: '/',
            case_sensitive: false,
            headers: [
              { name: 'end-user', string_match: { exact: 'jason' } },
              { name: 'x-canary', present_match: true, invert_match: true },
              { name: 'x-version', safe_regex_match: { regex: 'v[0-9]+' } },
            ],
            query_parameters: [{ name: 'debug', string_match: { prefix: 'on' } }],
          },
          route: {
            cluster: 'outbound|9080|v2|reviews.default.svc.cluster.local',
            timeout: '2.5s',
            retry_policy: {
              retry_on: 'connect-failure,refused-stream,503',
              num_retries: 2,
              per_try_timeout: '0.75s',
              retry_back_off: { base_interval: '0.025s', max_interval: '0.25s' },
              retriable_status_codes: [503],
            },
          },
          request_headers_to_add: [{ header: { key: 'x-route', value: 'jason' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
        },
        {
          name: 'split',
          match: { safe_regex: { regex: '^/reviews/[0-9]+$' } },
          route: {
            weighted_clusters: {
              clusters: [
                { name: 'outbound|9080|v1|reviews.default.svc.cluster.local', weight: 75 },
                { name: 'outbound|9080|v3|reviews.default.svc.cluster.local', weight: 25, request_headers_to_remove: ['x-debug'] },
              ],
            },
            prefix_rewrite: '/',
            hash_policy: [{ header: { header_name: 'x-user' }, terminal: true }],
          },
          typed_per_filter_config: {
            'envoy.filters.http.fault': {
              '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
              delay: { fixed_delay: '5s', percentage: { numerator: 10, denominator: 'HUNDRED' } },
              abort: { http_status: 503, percentage: { numerator: 1, denominator: 'TEN_THOUSAND' } },
            },
          },
        },
        { name: 'moved', match: { path: '/old' }, redirect: { path_redirect: '/new', response_code: 'PERMANENT_REDIRECT' } },
        { name: 'teapot', match: { prefix: '/teapot' }, direct_response: { status: 418, body: { inline_string: 'short and stout' } } },
      ],
      retry_policy: { retry_on: 'gateway-error', num_retries: 1 },
    },
  ],
};

export const secret: EnvoyResource = {
  name: 'default',
  tls_certificate: {
    certificate_chain: { inline_bytes: Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64') },
    private_key: { inline_string: '-----BEGIN PRIVATE KEY-----\n' },
  },
};
