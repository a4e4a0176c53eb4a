export const ROUTER_FILTER = {
  name: 'envoy.filters.http.router',
  typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' },
};
/** Envoy's health check filter, non-pass-through, answering on `/healthz` (200, or 503 after `/healthcheck/fail`). */
export const HEALTH_CHECK_FILTER = {
  name: 'envoy.filters.http.health_check',
  typed_config: {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck',
    pass_through_mode: false,
    headers: [{ name: ':path', string_match: { exact: '/healthz' } }],
  },
};
export const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export function staticCluster(name: string, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    lb_policy: 'ROUND_ROBIN',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }],
    },
    ...extra,
  };
}

/**
 * Routes: Host `alpha.test` → cluster alpha; any other host: `/beta…` → cluster beta (prefix
 * rewritten to `/`), everything else → a direct 404.
 */
export const ROUTE_CONFIG = {
  name: 'local',
  virtual_hosts: [
    { name: 'alpha', domains: ['alpha.test', 'alpha.test:*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'alpha' } }] },
    {
      name: 'any',
      domains: ['*'],
      routes: [
        { match: { prefix: '/beta/' }, route: { cluster: 'beta', prefix_rewrite: '/', timeout: '5s' } },
        { match: { prefix: '/' }, direct_response: { status: 404, body: { inline_string: 'no route here\n' } } },
      ],
    },
  ],
};

export function httpListener(name: string, port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: { '@type': HCM_TYPE, stat_prefix: 'ingress_http', route_config: ROUTE_CONFIG, http_filters: [ROUTER_FILTER] },
          },
        ],
        ...extra,
      },
    ],
  };
}

/** A listener on 127.0.0.1:`port` whose one filter chain is a connection manager configured by `hcm` (`@type` added). */
export function hcmListener(name: string, port: number, hcm: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM_TYPE, ...hcm } }] }],
    ...extra,
  };
}

/** A bootstrap for node `id` with the admin API on a loopback port the system picks. */
export function bootstrapWith(id: string, staticResources: { listeners?: unknown[]; clusters?: unknown[] }): Record<string, unknown> {
  return {
    node: { id, cluster: 'edge' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: staticResources,
  };
}

/** A static bootstrap: one plaintext listener routing to two STATIC clusters, admin on `adminPort`. */
export function staticBootstrap(options: { listenerPort: number; adminPort: number; alphaPort: number; betaPort: number }): Record<string, unknown> {
  return {
    node: { id: 'edge-1', cluster: 'edge' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: options.adminPort } } },
    static_resources: {
      listeners: [httpListener('http', options.listenerPort)],
      clusters: [staticCluster('alpha', options.alphaPort), staticCluster('beta', options.betaPort)],
    },
  };
}

/** A cluster's `typed_extension_protocol_options` carrying Envoy's upstream `HttpProtocolOptions` with `config` (say, `explicit_http_config`). */
export function httpProtocolOptions(config: Record<string, unknown>): Record<string, unknown> {
  return {
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', ...config },
    },
  };
}
