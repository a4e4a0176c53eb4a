// Config files for the proxies under test: all forward to the same upstream with keep-alive.

export function upstreamNginxConf({ dir, port, body }) {
  return `worker_processes 1;
daemon off;
pid ${dir}/upstream.pid;
error_log ${dir}/upstream-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:${port} reuseport;
    listen 127.0.0.1:${port + 1} http2;
    location / { default_type text/plain; return 200 '${body}'; }
  }
}
`;
}

export function proxyNginxConf({ dir, port, upstreamPort }) {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    listen 127.0.0.1:${port + 1} http2;
    location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
}

export function haproxyConf({ port, upstreamPort }) {
  return `global
  nbthread 1
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  http-reuse always
frontend fe
  bind 127.0.0.1:${port}
  bind 127.0.0.1:${port + 1} proto h2
  default_backend be
backend be
  server s1 127.0.0.1:${upstreamPort}
`;
}

export function meshkitBootstrap({ port, upstreamPort, adminPort }) {
  const hcm = (statPrefix) => ({
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: statPrefix,
      route_config: {
        name: 'local',
        virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'upstream' } }] }],
      },
      http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
    },
  });
  const listener = (name, listenPort) => ({
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: listenPort } },
    filter_chains: [{ filters: [hcm(name)] }],
  });
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
    static_resources: {
      listeners: [listener('http', port), listener('h2c', port + 1)],
      clusters: [
        {
          name: 'upstream',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'upstream',
            endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } } } }] }],
          },
        },
      ],
    },
  };
}
