import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'undici';
import { curl, eventually, firstListenerUrl } from './support/clients.js';
import { spawnProxy } from './support/proxy-process.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, hcmListener, ROUTER_FILTER } from './support/static-bootstrap.js';
import { closeServer, listenOnLoopback, startUpstream } from './support/upstreams.js';
import type { TestUpstream } from './support/upstreams.js';

const OVERFLOW_BODY = 'upstream connect error or disconnect/reset before headers. reset reason: overflow';

interface ScriptedUpstream {
  readonly port: number;
  /** Requests received (health checks excluded). */
  readonly received: string[];
  close(): Promise<void>;
}

/** Answers /healthz with `healthStatus`, anything else 200 with `x-upstream: name`. */
async function startChecked(name: string, healthStatus: number): Promise<ScriptedUpstream> {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    if (req.url === '/healthz') return void res.writeHead(healthStatus).end();
    received.push(req.url ?? '');
    res.writeHead(200, { 'x-upstream': name }).end(name);
  });
  return { port: await listenOnLoopback(server), received, close: () => closeServer(server) };
}

/** Holds every response until `release()`, so requests stay in flight. */
async function startSlow(): Promise<ScriptedUpstream & { release(): void }> {
  const received: string[] = [];
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    received.push(req.url ?? '');
    held.push(res);
  });
  const release = (): void => {
    for (const res of held.splice(0)) res.writeHead(200, { 'x-upstream': 'slow' }).end('slow');
  };
  return { port: await listenOnLoopback(server), received, release, close: () => (release(), closeServer(server)) };
}

function endpoints(name: string, ports: number[], address = '127.0.0.1'): Record<string, unknown> {
  const lbEndpoints = ports.map((port) => ({ endpoint: { address: { socket_address: { address, port_value: port } } } }));
  return { cluster_name: name, endpoints: [{ lb_endpoints: lbEndpoints }] };
}

/** One `LocalityLbEndpoints` group: a single endpoint with its locality and the group's other fields. */
function localityGroup(port: number, group: Record<string, unknown>, health?: string): Record<string, unknown> {
  const endpoint = { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } }, ...(health === undefined ? {} : { health_status: health }) };
  return { ...group, lb_endpoints: [endpoint] };
}

function cluster(name: string, ports: number[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, type: 'STATIC', connect_timeout: '1s', load_assignment: endpoints(name, ports), ...extra };
}

/** Routes hashing on `x-user` for the consistent-hashing clusters (no header: a random pick, as in Envoy). */
const HASHED = new Set(['ring', 'maglev']);

/** One virtual host per cluster, `<cluster>.test` routing everything to it. */
function bootstrap(clusters: Record<string, unknown>[]): Record<string, unknown> {
  const virtualHosts = clusters.map((c) => {
    const name = c['name'] as string;
    const hashPolicy = HASHED.has(name) ? { hash_policy: [{ header: { header_name: 'x-user' } }] } : {};
    return { name, domains: [`${name}.test`], routes: [{ match: { prefix: '/' }, route: { cluster: name, timeout: '10s', ...hashPolicy } }] };
  });
  const listener = hcmListener('http', 0, { stat_prefix: 'policies', route_config: { name: 'local', virtual_hosts: virtualHosts }, http_filters: [ROUTER_FILTER] });
  return bootstrapWith('cluster-policies', { listeners: [listener], clusters });
}

function statValue(text: string, metric: string, clusterName: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{envoy_cluster_name="${clusterName}"} `));
  return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
}

describe('Envoy cluster policies through the built proxy', () => {
  let alpha: TestUpstream;
  let beta: TestUpstream;
  let healthy: ScriptedUpstream;
  let failing: ScriptedUpstream;
  let slow: Awaited<ReturnType<typeof startSlow>>;
  let proxy: ProxyProcess;
  let listener: string;
  let admin: string;
  const agent = new Agent({ connections: 8 });

  beforeAll(async () => {
    [alpha, beta, healthy, failing, slow] = await Promise.all([
      startUpstream('alpha'),
      startUpstream('beta'),
      startChecked('healthy', 200),
      startChecked('failing', 503),
      startSlow(),
    ]);
    const pair = [alpha.port, beta.port];
    const healthCheck = { timeout: '1s', interval: '0.2s', unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: '/healthz' } };
    const doc = bootstrap([
      cluster('least', pair, { lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 2 } }),
      cluster('random', pair, { lb_policy: 'RANDOM', alt_stat_name: 'random-observed' }),
      cluster('ring', pair, { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 64 } }),
      cluster('maglev', pair, { lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 251 } }),
      cluster('breaker', [slow.port], { circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_requests: 1, track_remaining: true }] } }),
      cluster('pinched', [slow.port], { circuit_breakers: { thresholds: [{ priority: 'DEFAULT', max_connections: 1, max_pending_requests: 1 }] } }),
      cluster('checked', [healthy.port, failing.port], { health_checks: [healthCheck] }),
      ...[undefined, 'UNHEALTHY'].map((health) =>
        cluster(health === undefined ? 'primary' : 'failover', [], {
          load_assignment: { endpoints: [localityGroup(alpha.port, { locality: { zone: 'a' } }, health), localityGroup(beta.port, { locality: { zone: 'b' }, priority: 1 })] },
        }),
      ),
      cluster('weighted', [], {
        common_lb_config: { locality_weighted_lb_config: {} },
        load_assignment: {
          cluster_name: 'weighted',
          endpoints: [localityGroup(alpha.port, { locality: { zone: 'a' }, load_balancing_weight: 1 }), localityGroup(beta.port, { locality: { zone: 'b' }, load_balancing_weight: 3 })],
        },
      }),
      {
        name: 'dns',
        type: 'STRICT_DNS',
        connect_timeout: '1s',
        dns_lookup_family: 'V4_ONLY',
        dns_refresh_rate: '1s',
        load_assignment: endpoints('dns', [alpha.port], 'localhost'),
      },
    ]);
    proxy = await spawnProxy(['--config-yaml', JSON.stringify(doc), '--log-level', 'warn']);
    admin = `http://${proxy.admin}`;
    listener = await firstListenerUrl(admin);
  });

  afterAll(async () => {
    proxy?.kill();
    await proxy?.exited;
    await agent.close();
    await Promise.all([alpha?.close(), beta?.close(), healthy?.close(), failing?.close(), slow?.close()]);
  });

  async function get(host: string, path = '/', extra: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
    const res = await request(`${listener}${path}`, { headers: { host, ...extra }, dispatcher: agent, headersTimeout: 10_000, bodyTimeout: 10_000 });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  }

  /** Which upstream answered each of `count` sequential requests. */
  async function spread(host: string, count: number): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const res = await get(host, `/r${i}`);
      expect(res.status).toBe(200);
      const upstream = String(res.headers['x-upstream']);
      seen.set(upstream, (seen.get(upstream) ?? 0) + 1);
    }
    return seen;
  }

  it.each(['least', 'random', 'ring', 'maglev'])('%s: requests reach both endpoints', async (name) => {
    const seen = await spread(`${name}.test`, 40);
    // With 40 requests and two endpoints, missing one by chance has odds of about 2^-39.
    expect([...seen.keys()].sort()).toEqual(['alpha', 'beta']);
  });

  it('alt_stat_name: a cluster publishes its stats under it', async () => {
    await spread('random.test', 3);
    const stats = (await curl(`${admin}/stats/prometheus`)).body;
    expect(statValue(stats, 'envoy_cluster_upstream_rq_total', 'random-observed')).toBeGreaterThanOrEqual(3);
    expect(stats).not.toContain('envoy_cluster_name="random"');
    expect((await curl(`${admin}/stats?filter=upstream_rq_total`)).body).toContain('cluster.random-observed.upstream_rq_total: ');
  });

  it('priority: priority 0 takes all traffic while healthy; unhealthy, it fails over to priority 1', async () => {
    expect(await spread('primary.test', 20)).toEqual(new Map([['alpha', 20]]));
    expect(await spread('failover.test', 20)).toEqual(new Map([['beta', 20]]));
  });

  it('locality_weighted_lb_config: localities share traffic by their EDS weights (1:3)', async () => {
    const seen = await spread('weighted.test', 400);
    // Binomial(400, 1/4): mean 100, standard deviation about 8.7; these bounds are 4.6 deviations out.
    expect(seen.get('alpha') ?? 0).toBeGreaterThanOrEqual(60);
    expect(seen.get('alpha') ?? 0).toBeLessThanOrEqual(140);
    expect((seen.get('alpha') ?? 0) + (seen.get('beta') ?? 0)).toBe(400);
  });

  it.each(['ring', 'maglev'])('%s: with a route hash policy each key sticks to one endpoint, and keys spread over both', async (name) => {
    const owners = new Set<string>();
    for (let user = 0; user < 20; user++) {
      const answers = new Set<string>();
      for (let i = 0; i < 3; i++) {
        const res = await get(`${name}.test`, `/u${user}`, { 'x-user': `user-${user}` });
        expect(res.status).toBe(200);
        answers.add(String(res.headers['x-upstream']));
      }
      expect(answers.size).toBe(1);
      owners.add([...answers][0] ?? '');
    }
    // 20 keys all landing on one of two endpoints would have odds of about 2^-19.
    expect([...owners].sort()).toEqual(['alpha', 'beta']);
  });

  it("circuit_breakers max_requests: 1 answers requests beyond it with Envoy's overflow reply, and counts them", async () => {
    const first = get('breaker.test', '/held');
    await eventually(() => slow.received.length === 1, 5_000, 'the first request to reach the slow upstream');
    const refused = await Promise.all([1, 2, 3].map((i) => get('breaker.test', `/over${i}`)));
    for (const res of refused) {
      expect(res.status).toBe(503);
      expect(res.headers['x-envoy-overloaded']).toBe('true');
      expect(res.body).toBe(OVERFLOW_BODY);
    }
    expect(slow.received).toEqual(['/held']);
    // Envoy's breaker gauges while the one allowed request is held: open, no room left.
    const open = (await curl(`${admin}/stats/prometheus`)).body;
    expect(statValue(open, 'envoy_cluster_circuit_breakers_default_rq_open', 'breaker')).toBe(1);
    expect(statValue(open, 'envoy_cluster_circuit_breakers_default_remaining_rq', 'breaker')).toBe(0);
    expect(statValue(open, 'envoy_cluster_circuit_breakers_default_rq_open', 'least')).toBe(0);
    expect(open).not.toContain('envoy_cluster_circuit_breakers_default_remaining_rq{envoy_cluster_name="least"}');
    expect((await curl(`${admin}/stats?filter=circuit_breakers`)).body).toContain('cluster.breaker.circuit_breakers.default.rq_open: 1\n');
    slow.release();
    expect((await first).status).toBe(200);
    const stats = (await curl(`${admin}/stats/prometheus`)).body;
    expect(statValue(stats, 'envoy_cluster_upstream_rq_pending_overflow', 'breaker')).toBe(3);
    expect(statValue(stats, 'envoy_cluster_upstream_rq_pending_overflow', 'least')).toBe(0);
    expect(statValue(stats, 'envoy_cluster_circuit_breakers_default_rq_open', 'breaker')).toBe(0);
    expect(statValue(stats, 'envoy_cluster_circuit_breakers_default_remaining_rq', 'breaker')).toBe(1);
    // Once the held request is done the breaker lets requests through again.
    const after = get('breaker.test', '/after');
    await eventually(() => slow.received.length === 2, 5_000, 'the next request to reach the slow upstream');
    slow.release();
    expect((await after).status).toBe(200);
  });

  it('circuit_breakers max_connections: 1, max_pending_requests: 1 — one request on the connection, one waiting for it, the next 503 UO', async () => {
    const base = slow.received.length;
    const first = get('pinched.test', '/on-connection');
    await eventually(() => slow.received.length === base + 1, 5_000, 'the first request to reach the slow upstream');
    const waiting = get('pinched.test', '/waiting');
    await eventually(async () => statValue((await curl(`${admin}/stats/prometheus`)).body, 'envoy_cluster_upstream_cx_overflow', 'pinched') >= 1, 5_000, 'the second request refused a connection');
    const refused = await get('pinched.test', '/refused');
    expect(refused.status).toBe(503);
    expect(refused.headers['x-envoy-overloaded']).toBe('true');
    slow.release();
    expect((await first).status).toBe(200);
    // The waiting request goes out on the connection the first one freed.
    await eventually(() => slow.received.length === base + 2, 5_000, 'the waiting request to reach the slow upstream');
    slow.release();
    expect((await waiting).status).toBe(200);
    expect(slow.received.slice(base)).toEqual(['/on-connection', '/waiting']);
    const stats = (await curl(`${admin}/stats/prometheus`)).body;
    expect(statValue(stats, 'envoy_cluster_upstream_rq_pending_overflow', 'pinched')).toBe(1);
    expect(statValue(stats, 'envoy_cluster_upstream_cx_total', 'pinched')).toBe(1);
  });

  it('an HTTP health check takes a failing endpoint out of rotation, and /clusters shows why', async () => {
    const failingLine = `checked::127.0.0.1:${failing.port}::health_flags::/failed_active_hc`;
    await eventually(async () => (await curl(`${admin}/clusters`)).body.includes(failingLine), 10_000, failingLine);
    const clusters = (await curl(`${admin}/clusters`)).body;
    expect(clusters).toContain(`checked::127.0.0.1:${healthy.port}::health_flags::healthy\n`);
    const before = failing.received.length;
    const seen = await spread('checked.test', 20);
    expect(seen).toEqual(new Map([['healthy', 20]]));
    expect(failing.received.length).toBe(before);
    const stats = (await curl(`${admin}/stats/prometheus`)).body;
    expect(statValue(stats, 'envoy_cluster_membership_healthy', 'checked')).toBe(1);
    expect(statValue(stats, 'envoy_cluster_health_check_failure', 'checked')).toBeGreaterThan(0);
  });

  it('a STRICT_DNS cluster resolves localhost (from the hosts file) and serves', async () => {
    const member = `dns::127.0.0.1:${alpha.port}::hostname::localhost`;
    await eventually(async () => (await curl(`${admin}/clusters`)).body.includes(member), 10_000, member);
    const res = await get('dns.test', '/via-dns');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ upstream: 'alpha', url: '/via-dns', host: 'dns.test' });
    const stats = (await curl(`${admin}/stats/prometheus`)).body;
    expect(statValue(stats, 'envoy_cluster_update_success', 'dns')).toBeGreaterThan(0);
  });
});
