import http from 'node:http';
import { bootstrapWith, hcmListener, ROUTER_FILTER, staticCluster } from './static-bootstrap.js';
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
  const routes = { name: 'local', virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'echo' } }] }] };
  const listener = hcmListener('edge', 0, { stat_prefix: 'edge', route_config: routes, http_filters: [ROUTER_FILTER], ...hcmExtra });
  return bootstrapWith('xff-edge', { listeners: [listener], clusters: [staticCluster('echo', echoPort)] });
}
