import http from 'node:http';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl } from './support/clients.js';
import { spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, hcmListener, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { closeServer, listenOnLoopback } from './support/upstreams.js';

interface EchoServer {
  readonly name: string;
  readonly port: number;
  close(): Promise<void>;
}

/** An upstream that answers with its name, the path and the headers it received, and two headers of its own. */
async function startEcho(name: string): Promise<EchoServer> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-app-tag': 'app', 'x-app-secret': 'internal' });
      res.end(JSON.stringify({ upstream: name, url: req.url, headers: req.headers }));
    });
  });
  return {
    name,
    port: await listenOnLoopback(server),
    close: () => closeServer(server),
  };
}

/** A bootstrap with one plaintext listener holding `routeConfig`, and `clusters`. */
function bootstrap(routeConfig: Record<string, unknown>, clusters: Record<string, unknown>[]): Record<string, unknown> {
  const listener = hcmListener('edge', 0, { stat_prefix: 'edge', route_config: routeConfig, http_filters: [ROUTER_FILTER] });
  return bootstrapWith('route-actions', { listeners: [listener], clusters });
}

/** Starts the built proxy on `config` and returns it with its listener's origin. */
async function startProxy(config: Record<string, unknown>): Promise<{ proxy: ProxyProcess; origin: string }> {
  const proxy = await spawnProxy(['--config-yaml', JSON.stringify(config), '--log-level', 'warn']);
  const line = (await curl(`http://${proxy.admin}/listeners`)).body.trim();
  return { proxy, origin: `http://${line.split('::')[1] ?? ''}` };
}

interface Echoed {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly upstream: string | undefined;
  readonly url: string | undefined;
  readonly seen: Record<string, string | undefined>;
}

const ROUTE_CONFIG = {
  name: 'actions',
  response_headers_to_add: [{ header: { key: 'x-level', value: 'config' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
  virtual_hosts: [
    {
      name: 'edge',
      domains: ['*'],
      request_headers_to_add: [{ header: { key: 'x-vhost', value: 'edge' } }],
      routes: [
        { match: { prefix: '/login' }, redirect: { https_redirect: true } },
        { match: { prefix: '/old/' }, redirect: { prefix_rewrite: '/new/', response_code: 'FOUND', strip_query: true } },
        {
          match: { prefix: '/headers' },
          route: { cluster: 'a' },
          request_headers_to_add: [
            { header: { key: 'x-added', value: 'route' } },
            { header: { key: 'x-client', value: 'route' }, append_action: 'OVERWRITE_IF_EXISTS' },
            { header: { key: 'x-absent', value: 'route' }, append_action: 'OVERWRITE_IF_EXISTS' },
            { header: { key: 'x-kept', value: 'route' }, append_action: 'ADD_IF_ABSENT' },
            { header: { key: 'x-deprecated', value: 'route' }, append: false },
            { header: { key: 'x-share', value: '100%%' } },
          ],
          request_headers_to_remove: ['x-secret'],
          response_headers_to_add: [
            { header: { key: 'x-app-tag', value: 'route' } },
            { header: { key: 'x-served-by', value: 'meshkit' }, append_action: 'ADD_IF_ABSENT' },
          ],
          response_headers_to_remove: ['x-app-secret'],
        },
        { match: { prefix: '/host' }, route: { cluster: 'a', host_rewrite_literal: 'rewritten.internal' } },
        { match: { prefix: '/pick' }, route: { cluster_header: 'x-target' } },
        { match: { prefix: '/svc/' }, route: { cluster: 'a', regex_rewrite: { pattern: { regex: '^/svc/([^/]+)(/.*)$' }, substitution: '\\2?svc=\\1' } } },
        {
          match: { prefix: '/split' },
          route: { weighted_clusters: { clusters: [{ name: 'b', weight: 1, request_headers_to_add: [{ header: { key: 'x-split', value: 'b' } }], response_headers_to_add: [{ header: { key: 'x-split', value: 'b' } }] }] } },
        },
      ],
    },
  ],
};

describe('route actions through the built proxy (static bootstrap)', () => {
  let a: EchoServer;
  let b: EchoServer;
  let proxy: ProxyProcess;
  let origin: string;
  const agent = new Agent({ connections: 2 });

  beforeAll(async () => {
    a = await startEcho('a');
    b = await startEcho('b');
    ({ proxy, origin } = await startProxy(bootstrap(ROUTE_CONFIG, [staticCluster('a', a.port), staticCluster('b', b.port)])));
  });
  afterAll(async () => {
    proxy?.kill();
    await proxy?.exited;
    await agent.close();
    await a?.close();
    await b?.close();
  });

  async function send(path: string, headers: Record<string, string> = {}): Promise<Echoed> {
    const response = await request(`${origin}${path}`, { dispatcher: agent, headers });
    const text = await response.body.text();
    const json = (response.headers['content-type'] === 'application/json' ? JSON.parse(text) : {}) as { upstream?: string; url?: string; headers?: Record<string, string> };
    return { status: response.statusCode, headers: response.headers, upstream: json.upstream, url: json.url, seen: json.headers ?? {} };
  }

  it('redirects http to https (301, the request path and query kept) and by prefix (302, query stripped)', async () => {
    const secure = await send('/login?next=%2Fcart', { host: 'shop.test' });
    expect(secure.status).toBe(301);
    expect(secure.headers['location']).toBe('https://shop.test/login?next=%2Fcart');
    // Local replies are finalized with the route config's response headers too.
    expect(secure.headers['x-level']).toBe('config');
    const moved = await send('/old/page?utm=1', { host: 'shop.test:8080' });
    expect(moved.status).toBe(302);
    expect(moved.headers['location']).toBe('http://shop.test:8080/new/page');
  });

  it('adds and removes request headers at route and virtual host level, as the upstream sees them', async () => {
    const echoed = await send('/headers', { 'x-client': 'client', 'x-kept': 'client', 'x-deprecated': 'client', 'x-secret': 'token' });
    expect(echoed.upstream).toBe('a');
    expect(echoed.seen).toMatchObject({
      'x-added': 'route',
      'x-client': 'route',
      'x-kept': 'client',
      'x-deprecated': 'route',
      'x-share': '100%',
      'x-vhost': 'edge',
    });
    expect(echoed.seen['x-absent']).toBeUndefined();
    expect(echoed.seen['x-secret']).toBeUndefined();
  });

  it('adds and removes response headers, as the client sees them', async () => {
    const echoed = await send('/headers');
    expect(echoed.status).toBe(200);
    expect(echoed.headers['x-app-tag']).toEqual(['app', 'route']);
    expect(echoed.headers['x-served-by']).toBe('meshkit');
    expect(echoed.headers['x-level']).toBe('config');
    expect(echoed.headers['x-app-secret']).toBeUndefined();
    // A route without response mutations of its own still gets the route config's.
    const plain = await send('/host');
    expect(plain.headers['x-app-secret']).toBe('internal');
    expect(plain.headers['x-level']).toBe('config');
  });

  it("sends host_rewrite_literal as the upstream Host, and a weighted cluster's own headers", async () => {
    expect((await send('/host/x', { host: 'shop.test' })).seen['host']).toBe('rewritten.internal');
    const split = await send('/split');
    expect(split.upstream).toBe('b');
    expect(split.seen['x-split']).toBe('b');
    expect(split.headers['x-split']).toBe('b');
  });

  it('routes by cluster_header and answers 503 without it', async () => {
    expect((await send('/pick', { 'x-target': 'b' })).upstream).toBe('b');
    expect((await send('/pick', { 'x-target': 'a' })).upstream).toBe('a');
    expect((await send('/pick')).status).toBe(503);
    expect((await send('/pick', { 'x-target': 'unknown' })).status).toBe(503);
  });

  it('rewrites the path with regex_rewrite and keeps the original in x-envoy-original-path', async () => {
    const echoed = await send('/svc/orders/v2/list');
    expect(echoed.url).toBe('/v2/list?svc=orders');
    expect(echoed.seen['x-envoy-original-path']).toBe('/svc/orders/v2/list');
  });

  it('refuses a route config with an unknown retry condition at startup, naming the field', async () => {
    const withRetry = structuredClone(ROUTE_CONFIG) as { virtual_hosts: { routes: { route?: Record<string, unknown> }[] }[] };
    const route = withRetry.virtual_hosts[0]?.routes[2]?.route;
    if (route !== undefined) route['retry_policy'] = { retry_on: '5xx,sometimes' };
    await expect(startProxy(bootstrap(withRetry, [staticCluster('a', a.port), staticCluster('b', b.port)]))).rejects.toThrow(
      /route_config\.virtual_hosts\[0\]\.routes\[2\]\.route\.retry_policy\.retry_on: unknown retry condition 'sometimes'/,
    );
  });
});

describe('hash policy on a RING_HASH cluster through the built proxy', () => {
  let a: EchoServer;
  let b: EchoServer;
  let proxy: ProxyProcess;
  let origin: string;
  const agent = new Agent({ connections: 2 });

  beforeAll(async () => {
    a = await startEcho('a');
    b = await startEcho('b');
    const ring = staticCluster('ring', a.port, { lb_policy: 'RING_HASH' });
    const endpoints = [a.port, b.port].map((port) => ({ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }));
    ring['load_assignment'] = { cluster_name: 'ring', endpoints: [{ lb_endpoints: endpoints }] };
    const routeConfig = {
      name: 'sticky',
      virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'ring', hash_policy: [{ header: { header_name: 'x-user' } }] } }] }],
    };
    ({ proxy, origin } = await startProxy(bootstrap(routeConfig, [ring])));
  });
  afterAll(async () => {
    proxy?.kill();
    await proxy?.exited;
    await agent.close();
    await a?.close();
    await b?.close();
  });

  it('sends every request with the same x-user to the same endpoint, and different users to both', async () => {
    const answeredBy = new Map<string, Set<string>>();
    for (let round = 0; round < 4; round++) {
      for (let user = 0; user < 16; user++) {
        const response = await request(`${origin}/`, { dispatcher: agent, headers: { 'x-user': `user-${user}` } });
        const { upstream } = (await response.body.json()) as { upstream: string };
        const seen = answeredBy.get(`user-${user}`) ?? new Set<string>();
        seen.add(upstream);
        answeredBy.set(`user-${user}`, seen);
      }
    }
    expect([...answeredBy.entries()].filter(([, upstreams]) => upstreams.size !== 1)).toEqual([]);
    // 16 keys on a two-endpoint ring reach both (all on one: about 2 in 65 536).
    expect(new Set([...answeredBy.values()].flatMap((upstreams) => [...upstreams]))).toEqual(new Set(['a', 'b']));
  });
});
