import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, firstListenerUrl } from './support/clients.js';
import { runProxyToFailure, spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, hcmListener, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { closeServer, listenOnLoopback } from './support/upstreams.js';

/** `/admin` is answered by the proxy itself; everything else reaches an upstream that answers with the path it got. */
function bootstrap(upstreamPort: number, hcmExtra: Record<string, unknown>): Record<string, unknown> {
  const routes = {
    name: 'local',
    virtual_hosts: [
      {
        name: 'all',
        domains: ['*'],
        routes: [
          { match: { path: '/admin' }, direct_response: { status: 403, body: { inline_string: 'admin is closed' } } },
          { match: { prefix: '/' }, route: { cluster: 'paths' } },
        ],
      },
    ],
  };
  const listener = hcmListener('edge', 0, { stat_prefix: 'edge', route_config: routes, http_filters: [ROUTER_FILTER], ...hcmExtra });
  return bootstrapWith('paths', { listeners: [listener], clusters: [staticCluster('paths', upstreamPort)] });
}

describe('path normalization: normalize_path, merge_slashes, path_with_escaped_slashes_action (built proxy, curl --path-as-is)', () => {
  const upstream = http.createServer((req, res) => res.end(req.url));
  let proxy: ProxyProcess;
  let listener: string;

  beforeAll(async () => {
    const port = await listenOnLoopback(upstream);
    const hcm = { normalize_path: true, merge_slashes: true, path_with_escaped_slashes_action: 'UNESCAPE_AND_REDIRECT' };
    proxy = await spawnProxy(['--config-yaml', JSON.stringify(bootstrap(port, hcm)), '--log-level', 'warn']);
    listener = await firstListenerUrl(`http://${proxy.admin}`);
  });
  afterAll(async () => {
    proxy?.kill();
    await proxy?.exited;
    await closeServer(upstream);
  });

  const get = (path: string, ...args: string[]) => curl(`${listener}${path}`, '--path-as-is', ...args);

  it('routes and forwards the normalized path; the query is left as sent', async () => {
    expect(await get('/public//docs/./a/../b?next=/x/../y//z')).toEqual({ status: 200, body: '/public/docs/b?next=/x/../y//z' });
    expect(await get('/public/%2e%2E/%61dmin')).toEqual({ status: 403, body: 'admin is closed' });
    expect(await get('/public/..\\admin')).toEqual({ status: 403, body: 'admin is closed' });
  });

  it('redirects a path with escaped slashes to its unescaped form, and refuses one it cannot normalize', async () => {
    const redirected = await get('/public%2F..%2Fadmin', '--include');
    expect(redirected.status).toBe(307);
    expect(redirected.body).toMatch(/^location: \/admin\r$/im);
    expect((await get('/public/%00')).status).toBe(400);
    const stats = (await curl(`http://${proxy.admin}/stats`)).body;
    expect(stats).toContain('http.edge.downstream_rq_redirected_with_normalized_path: 1');
    expect(stats).toContain('http.edge.downstream_rq_failed_path_normalization: 1');
  });
});

describe('without path normalization (Envoy’s default)', () => {
  it('forwards the path as the client sent it, and refuses an unknown escaped-slashes action by name', async () => {
    const upstream = http.createServer((req, res) => res.end(req.url));
    const port = await listenOnLoopback(upstream);
    const proxy = await spawnProxy(['--config-yaml', JSON.stringify(bootstrap(port, {})), '--log-level', 'warn']);
    try {
      const listener = await firstListenerUrl(`http://${proxy.admin}`);
      expect(await curl(`${listener}/public/../x//y%2Fz`, '--path-as-is')).toEqual({ status: 200, body: '/public/../x//y%2Fz' });
    } finally {
      proxy.kill();
      await proxy.exited;
      await closeServer(upstream);
    }
    const { code, stderr } = await runProxyToFailure(['--config-yaml', JSON.stringify(bootstrap(1, { path_with_escaped_slashes_action: 'DECODE' }))]);
    expect(code).toBe(1);
    expect(stderr).toContain('path_with_escaped_slashes_action: DECODE is not supported (IMPLEMENTATION_SPECIFIC_DEFAULT, KEEP_UNCHANGED, REJECT_REQUEST, UNESCAPE_AND_REDIRECT, UNESCAPE_AND_FORWARD are)');
  });
});
