import http from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { curl } from './clients.js';
import { spawnProxy } from './proxy-process.js';
import type { ProxyProcess } from './proxy-process.js';
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

/**
 * For a test file: one header echo (started before its tests) and a `start` that runs the built
 * proxy in front of it with `hcmExtra` on the connection manager; everything stops after the file.
 */
export function proxiesInFrontOfEcho(): { start(hcmExtra: Record<string, unknown>): Promise<{ listener: string; admin: string }> } {
  let echo: Awaited<ReturnType<typeof startHeaderEcho>> | undefined;
  const proxies: ProxyProcess[] = [];
  beforeAll(async () => {
    echo = await startHeaderEcho();
  });
  afterAll(async () => {
    for (const proxy of proxies) proxy.kill();
    await Promise.all(proxies.map((proxy) => proxy.exited));
    await echo?.close();
  });
  return {
    async start(hcmExtra) {
      const proxy = await spawnProxy(['--config-yaml', JSON.stringify(edgeBootstrap(echo?.port ?? 0, hcmExtra)), '--log-level', 'warn']);
      proxies.push(proxy);
      const port = /:(\d+)\s*$/.exec((await curl(`http://${proxy.admin}/listeners`)).body.trim())?.[1] ?? '';
      return { listener: `http://127.0.0.1:${port}`, admin: `http://${proxy.admin}` };
    },
  };
}

