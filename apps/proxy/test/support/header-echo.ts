import http from 'node:http';
import { HCM_TYPE, ROUTER_FILTER, staticCluster } from './static-bootstrap.js';
import { closeServer, listenOnLoopback } from './upstreams.js';

/** An upstream that answers every request with the headers it received, as JSON. */
export async function startHeaderEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers)));
  });
  return { port: await listenOnLoopback(server), close: () => closeServer(server) };
}

/** One edge listener routing everything to cluster `echo`, with `hcmExtra` on its connection manager. */
export function edgeBootstrap(echoPort: number, hcmExtra: Record<string, unknown>): Record<string, unknown> {
  const hcm = {
    '@type': HCM_TYPE,
    stat_prefix: 'edge',
    route_config: { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'echo' } }] }] },
    http_filters: [ROUTER_FILTER],
    ...hcmExtra,
  };
  return {
    node: { id: 'xff-edge', cluster: 'edge' },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
    static_resources: {
      listeners: [
        {
          name: 'edge',
          address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }],
        },
      ],
      clusters: [staticCluster('echo', echoPort)],
    },
  };
}
