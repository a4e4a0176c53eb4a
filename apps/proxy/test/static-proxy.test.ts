import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { parseBootstrap, startProxy } from '../src/index.js';
import type { RunningProxy } from '../src/index.js';
import { curl } from './support/clients.js';
import { PROMTOOL, promtoolProblems } from './support/promtool.js';
import { staticBootstrap } from './support/static-bootstrap.js';
import { startUpstream } from './support/upstreams.js';
import type { TestUpstream } from './support/upstreams.js';

interface ConfigDump {
  configs: ({ '@type': string } & Record<string, unknown>)[];
}

function counter(text: string, metric: string, cluster: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{envoy_cluster_name="${cluster}"} `));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

describe('a static-bootstrap proxy, in process', () => {
  let alpha: TestUpstream;
  let beta: TestUpstream;
  let proxy: RunningProxy;
  let listener: string;
  let admin: string;
  const agent = new Agent({ connections: 4 });

  beforeEach(async () => {
    alpha = await startUpstream('alpha');
    beta = await startUpstream('beta');
    const bootstrap = parseBootstrap(stringify(staticBootstrap({ listenerPort: 0, adminPort: 0, alphaPort: alpha.port, betaPort: beta.port })), 'edge.yaml');
    proxy = await startProxy(bootstrap, { log: () => undefined });
    await proxy.ready;
    const bound = proxy.runtime.listenerManager.listeners[0]?.server.address() as AddressInfo;
    listener = `http://127.0.0.1:${bound.port}`;
    admin = `http://127.0.0.1:${proxy.adminAddress?.port ?? 0}`;
  });

  afterEach(async () => {
    await proxy.close();
    await Promise.all([alpha.close(), beta.close()]);
  });
  afterAll(() => agent.close());

  it('routes by Host and path prefix to two upstream clusters (curl and undici)', async () => {
    const toAlpha = await curl(`${listener}/hello?x=1`, '-H', 'Host: alpha.test');
    expect(toAlpha.status).toBe(200);
    expect(JSON.parse(toAlpha.body)).toEqual({ upstream: 'alpha', url: '/hello?x=1', host: 'alpha.test' });

    const toBeta = await request(`${listener}/beta/items`, { headers: { host: 'shop.test' }, dispatcher: agent });
    expect(toBeta.statusCode).toBe(200);
    expect(toBeta.headers['x-upstream']).toBe('beta');
    // prefix_rewrite: '/beta/' → '/'
    expect(await toBeta.body.json()).toEqual({ upstream: 'beta', url: '/items', host: 'shop.test' });

    const posted = await request(`${listener}/beta/orders`, { method: 'POST', body: 'x'.repeat(100_000), headers: { host: 'shop.test' }, dispatcher: agent });
    expect(posted.statusCode).toBe(200);
    await posted.body.text();
    expect(beta.seen.at(-1)).toEqual({ method: 'POST', url: '/orders', host: 'shop.test' });

    const none = await curl(`${listener}/other`, '-H', 'Host: shop.test');
    expect(none).toEqual({ status: 404, body: 'no route here\n' });
    expect(alpha.seen).toHaveLength(1);
  });

  it('answers curl --http2 on cleartext (an h2c upgrade offer) as HTTP/1.1, as Envoy does', async () => {
    const offered = await curl(`${listener}/h2c?x=1`, '--http2', '-i', '-H', 'Host: alpha.test');
    expect(offered.status).toBe(200);
    // No 101 Switching Protocols: the one response is HTTP/1.1, from the upstream the route names.
    expect(offered.body).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(JSON.parse(offered.body.slice(offered.body.indexOf('\r\n\r\n') + 4))).toEqual({ upstream: 'alpha', url: '/h2c?x=1', host: 'alpha.test' });
  });

  it('answers /ready, /listeners and /clusters', async () => {
    expect(await curl(`${admin}/ready`)).toEqual({ status: 200, body: 'LIVE\n' });
    expect((await curl(`${admin}/listeners`)).body).toBe(`http::${listener.slice('http://'.length)}\n`);
    const clusters = (await curl(`${admin}/clusters`)).body;
    expect(clusters).toContain(`alpha::127.0.0.1:${alpha.port}::health_flags::healthy\n`);
    expect(clusters).toContain(`beta::127.0.0.1:${beta.port}::weight::1\n`);
    expect((await curl(`${admin}/nope`)).status).toBe(404);
  });

  it("dumps its config in Envoy's admin shape", async () => {
    const dump = (await (await request(`${admin}/config_dump`, { dispatcher: agent })).body.json()) as ConfigDump;
    const byType = new Map(dump.configs.map((c) => [c['@type'].replace('type.googleapis.com/envoy.admin.v3.', ''), c]));
    expect([...byType.keys()]).toEqual(['BootstrapConfigDump', 'ClustersConfigDump', 'ListenersConfigDump', 'RoutesConfigDump', 'SecretsConfigDump']);
    expect(byType.get('BootstrapConfigDump')).toMatchObject({ bootstrap: { node: { id: 'edge-1', cluster: 'edge' }, static_resources: {} } });
    const clusters = byType.get('ClustersConfigDump') as unknown as { static_clusters: { cluster: { name: string } }[]; dynamic_active_clusters: unknown[] };
    expect(clusters.static_clusters.map((c) => c.cluster.name)).toEqual(['alpha', 'beta']);
    expect(clusters.dynamic_active_clusters).toEqual([]);
    const listeners = byType.get('ListenersConfigDump') as unknown as { static_listeners: { listener: { name: string } }[] };
    expect(listeners.static_listeners.map((l) => l.listener.name)).toEqual(['http']);
  });

  it('exposes real counters on /stats/prometheus', async () => {
    const before = (await curl(`${admin}/stats/prometheus`)).body;
    expect(before).toContain('# TYPE envoy_cluster_upstream_rq_total counter');
    // Its only comments are HELP and TYPE lines, each on a line of its own.
    expect(before.split('\n').filter((line) => line.startsWith('#') && !/^# (HELP|TYPE) \w+ /.test(line))).toEqual([]);
    expect(counter(before, 'envoy_cluster_upstream_rq_total', 'alpha')).toBe(0);
    for (let i = 0; i < 3; i++) await curl(`${listener}/`, '-H', 'Host: alpha.test');
    await curl(`${listener}/beta/`, '-H', 'Host: x');
    const after = (await curl(`${admin}/stats/prometheus`)).body;
    expect(counter(after, 'envoy_cluster_upstream_rq_total', 'alpha')).toBe(3);
    expect(counter(after, 'envoy_cluster_upstream_rq_2xx', 'alpha')).toBe(3);
    expect(counter(after, 'envoy_cluster_upstream_rq_total', 'beta')).toBe(1);
    expect(after).toContain('# TYPE envoy_cluster_upstream_rq_active gauge');
    expect(after).toContain('# TYPE envoy_server_live gauge\nenvoy_server_live 1\n');
    expect(after).toContain('\nenvoy_server_concurrency 1\n');
    expect(after).toMatch(/envoy_http_downstream_rq_total\{envoy_http_conn_manager_prefix="ingress_http"\} 4\n/);
  });

  it.skipIf(PROMTOOL === undefined)("reads as Prometheus' promtool expects, before and after traffic", async () => {
    expect(await promtoolProblems((await curl(`${admin}/stats/prometheus`)).body)).toEqual([]);
    await curl(`${listener}/`, '-H', 'Host: alpha.test');
    expect(await promtoolProblems((await curl(`${admin}/stats/prometheus`)).body)).toEqual([]);
  });

  it('shuts down on POST /quitquitquit (and only on POST), without exiting the embedding process', async () => {
    expect((await curl(`${admin}/quitquitquit`)).status).toBe(405);
    expect(await curl(`${admin}/quitquitquit`, '-X', 'POST')).toEqual({ status: 200, body: 'OK\n' });
    await proxy.closed;
    await expect(request(`${listener}/`, { headers: { host: 'alpha.test' }, dispatcher: new Agent() })).rejects.toThrow(/ECONNREFUSED/);
  });
});
