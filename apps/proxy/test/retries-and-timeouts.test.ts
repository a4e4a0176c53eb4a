import { createHash } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { curl, firstListenerUrl } from './support/clients.js';
import { spawnProxy } from './support/proxy-process.js';
import { PROMTOOL, promtoolProblems } from './support/promtool.js';
import type { ProxyProcess } from './support/proxy-process.js';
import { bootstrapWith, hcmListener, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { closeServer, listenOnLoopback } from './support/upstreams.js';

/**
 * An upstream that misbehaves on cue: a request to `/<mode>/<times>` with an `x-test-id` fails
 * the first `times` tries of that id (mode `status-<code>`: that status; `hang`: no answer;
 * `reset`: the connection drops; `stall`: headers and a first chunk, then nothing; `retry-me`: a
 * 200 saying `x-upstream-retry: please`), then answers
 * 200 with which try it was and a digest of the body. `/slow-body/<ms>` sends headers at once and
 * ends its body `ms` later.
 * Every answer lists the x-envoy-* request headers it saw in `x-seen-envoy`.
 */
async function startScripted(): Promise<{ port: number; tries(id: string): number; close(): Promise<void> }> {
  const tries = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const [, mode = '', times = '0'] = (req.url ?? '').split('/');
    const id = String(req.headers['x-test-id']);
    const attempt = (tries.get(id) ?? 0) + 1;
    tries.set(id, attempt);
    const digest = createHash('sha256');
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      digest.update(chunk);
      length += chunk.length;
    });
    req.on('end', () => {
      if (mode === 'slow-body') {
        res.writeHead(200).write('first,');
        setTimeout(() => res.end('last'), Number(times));
        return;
      }
      const seen = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name.startsWith('x-envoy-')));
      const headers = { 'x-try': String(attempt), 'x-seen-envoy': JSON.stringify(seen) };
      if (attempt > Number(times)) {
        res.writeHead(200, headers).end(`${length}:${digest.digest('hex')}`);
      } else if (mode === 'status-429') {
        res.writeHead(429, { ...headers, 'retry-after': '1' }).end('slow down');
      } else if (mode.startsWith('status-')) {
        res.writeHead(Number(mode.slice('status-'.length)), headers).end('failed');
      } else if (mode === 'reset') {
        req.socket.destroy();
      } else if (mode === 'retry-me') {
        res.writeHead(200, { ...headers, 'x-upstream-retry': 'please' }).end('ask again');
      } else if (mode === 'stall') {
        res.writeHead(200, headers).write('partial');
      }
      // `hang`: no answer until the server closes.
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const port = await listenOnLoopback(server);
  return {
    port,
    tries: (id) => tries.get(id) ?? 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  const port = await listenOnLoopback(server);
  await closeServer(server);
  return port;
}

function lbEndpoint(port: number): Record<string, unknown> {
  return { endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } };
}

const ISTIO_STATS = {
  name: 'istio.stats',
  typed_config: { '@type': 'type.googleapis.com/xds.type.v3.TypedStruct', type_url: 'type.googleapis.com/stats.PluginConfig', value: { reporter: 'source' } },
};

const FAST_BACK_OFF = { base_interval: '0.005s', max_interval: '0.02s' };

function virtualHost(name: string, cluster: string, retryPolicy?: Record<string, unknown>, timeout = '10s', extra: Record<string, unknown> = {}): Record<string, unknown> {
  const route = { cluster, timeout, ...extra, ...(retryPolicy === undefined ? {} : { retry_policy: { retry_back_off: FAST_BACK_OFF, ...retryPolicy } }) };
  return { name, domains: [`${name}.test`], routes: [{ match: { prefix: '/' }, route }] };
}

describe('route retry_policy and stream limits through the built proxy (Envoy router retries)', () => {
  let scripted: Awaited<ReturnType<typeof startScripted>>;
  let proxy: ProxyProcess;
  let listener: string;
  let admin: string;
  let nextId = 0;

  /** A request through the proxy with a fresh test id; returns status, body and the id. */
  async function send(host: string, path: string, init: { method?: 'GET' | 'POST'; body?: Buffer; headers?: Record<string, string> } = {}) {
    const id = `t${nextId++}`;
    const started = performance.now();
    const res = await request(`${listener}${path}`, { method: init.method ?? 'GET', body: init.body ?? null, headers: { host, 'x-test-id': id, ...init.headers } });
    const body = await res.body.text();
    return { id, status: res.statusCode, body, headers: res.headers, elapsedMs: performance.now() - started };
  }

  async function prometheus(): Promise<string> {
    return (await curl(`${admin}/stats/prometheus`)).body;
  }

  function clusterStat(text: string, stat: string, cluster: string): number {
    const line = text.split('\n').find((l) => l.startsWith(`envoy_cluster_${stat}{envoy_cluster_name="${cluster}"} `));
    return line === undefined ? Number.NaN : Number(line.split(' ')[1]);
  }

  beforeAll(async () => {
    scripted = await startScripted();
    const dead = await closedPort();
    const virtualHosts = [
      virtualHost('retry', 'flaky', { retry_on: '5xx', num_retries: 2 }),
      virtualHost('gateway', 'flaky', { retry_on: 'gateway-error', num_retries: 1 }),
      virtualHost('codes', 'flaky', { retry_on: 'retriable-status-codes,retriable-4xx', retriable_status_codes: [418], num_retries: 3 }),
      virtualHost('pertry', 'flaky', { retry_on: 'reset', num_retries: 1, per_try_timeout: '0.2s' }),
      virtualHost('idle', 'flaky', { retry_on: 'reset', num_retries: 1, per_try_idle_timeout: '0.15s' }),
      virtualHost('deadline', 'flaky', { retry_on: '5xx', num_retries: 10, per_try_timeout: '0.1s' }, '0.35s'),
      virtualHost('pair', 'pair', {
        retry_on: 'connect-failure',
        num_retries: 1,
        retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }],
        // RANDOM picks the dead host again half the time; 20 re-picks make missing the live one negligible.
        host_selection_retry_max_attempts: 20,
      }),
      virtualHost('guarded', 'guarded', { retry_on: '5xx', num_retries: 3 }),
      virtualHost('plain', 'flaky'),
      virtualHost('limited', 'flaky', {
        retry_on: 'retriable-status-codes',
        retriable_status_codes: [429],
        rate_limited_retry_back_off: { reset_headers: [{ name: 'Retry-After', format: 'SECONDS' }], max_interval: '5s' },
      }),
      virtualHost('asked', 'flaky', { retry_on: 'retriable-headers', retriable_headers: [{ name: 'x-upstream-retry', string_match: { exact: 'please' } }] }),
      virtualHost('picky', 'flaky', { retry_on: '5xx', retriable_request_headers: [{ name: ':method', string_match: { exact: 'GET' } }] }),
      { ...virtualHost('counted', 'flaky', { retry_on: '5xx', num_retries: 2 }), include_request_attempt_count: true, include_attempt_count_in_response: true },
      virtualHost('bounded', 'flaky', undefined, '10s', { max_stream_duration: { max_stream_duration: '0.25s' } }),
    ];
    const hcm = { stat_prefix: 'retries', route_config: { name: 'local', virtual_hosts: virtualHosts }, http_filters: [ISTIO_STATS, ROUTER_FILTER] };
    const doc = bootstrapWith('retries', {
      listeners: [hcmListener('http', 0, hcm)],
      clusters: [
        staticCluster('flaky', scripted.port),
        staticCluster('guarded', scripted.port, { circuit_breakers: { thresholds: [{ max_retries: 0 }] } }),
        // A dead member beside the live one.
        { ...staticCluster('pair', scripted.port, { lb_policy: 'RANDOM' }), load_assignment: { cluster_name: 'pair', endpoints: [{ lb_endpoints: [lbEndpoint(dead), lbEndpoint(scripted.port)] }] } },
      ],
    });
    proxy = await spawnProxy(['--config-yaml', JSON.stringify(doc), '--log-level', 'warn']);
    admin = `http://${proxy.admin}`;
    listener = await firstListenerUrl(admin);
  });

  afterAll(async () => {
    proxy?.kill();
    await proxy?.exited;
    await scripted?.close();
  });

  it('retries a 5xx until it succeeds, and counts the retries and their success', async () => {
    const ok = await send('retry.test', '/status-503/2');
    expect(ok).toMatchObject({ status: 200 });
    expect(ok.headers['x-try']).toBe('3');
    expect(scripted.tries(ok.id)).toBe(3);
    const stats = await prometheus();
    expect(clusterStat(stats, 'upstream_rq_retry', 'flaky')).toBeGreaterThanOrEqual(2);
    expect(clusterStat(stats, 'upstream_rq_retry_success', 'flaky')).toBeGreaterThanOrEqual(1);
  });

  it('answers with the last failure once retries run out, flagged URX', async () => {
    const failed = await send('retry.test', '/status-500/9');
    expect(failed).toMatchObject({ status: 500, body: 'failed' });
    expect(failed.headers['x-try']).toBe('3');
    expect(scripted.tries(failed.id)).toBe(3);
    const stats = await prometheus();
    expect(clusterStat(stats, 'upstream_rq_retry_limit_exceeded', 'flaky')).toBeGreaterThanOrEqual(1);
    expect(stats).toMatch(/istio_requests_total\{[^}]*response_code="500"[^}]*response_flags="URX"/);
    // Istio's metrics (with their histograms) and Envoy's stats, as Prometheus reads them.
    if (PROMTOOL !== undefined) expect(await promtoolProblems(stats)).toEqual([]);
  });

  it.each([
    ['gateway.test', '/status-500/1', 500, 1],
    ['gateway.test', '/status-503/1', 200, 2],
    ['codes.test', '/status-418/1', 200, 2],
    ['codes.test', '/status-409/2', 200, 3],
    ['codes.test', '/status-503/1', 503, 1],
    // No retry policy: the upstream's answer stands.
    ['plain.test', '/status-503/1', 503, 1],
  ])('retries only what the conditions name: %s%s answers %i after %i tries', async (host, path, status, tries) => {
    const res = await send(host, path);
    expect(res.status).toBe(status);
    expect(scripted.tries(res.id)).toBe(tries);
  });

  it('numbers the attempts in x-envoy-attempt-count both ways where the virtual host asks', async () => {
    const ok = await send('counted.test', '/status-503/2');
    expect(ok.status).toBe(200);
    expect(ok.headers['x-envoy-attempt-count']).toBe('3');
    expect(JSON.parse(String(ok.headers['x-seen-envoy']))).toMatchObject({ 'x-envoy-attempt-count': '3' });
    const failed = await send('counted.test', '/status-502/9');
    expect(failed.status).toBe(502);
    expect(failed.headers['x-envoy-attempt-count']).toBe('3');
    // Elsewhere the header is neither sent nor answered.
    const plain = await send('retry.test', '/status-503/1');
    expect(plain.headers['x-envoy-attempt-count']).toBeUndefined();
    expect(JSON.parse(String(plain.headers['x-seen-envoy']))).not.toHaveProperty('x-envoy-attempt-count');
  });

  it('retries a response matching retriable_headers, and only requests matching retriable_request_headers', async () => {
    const asked = await send('asked.test', '/retry-me/1');
    expect(asked).toMatchObject({ status: 200 });
    expect(scripted.tries(asked.id)).toBe(2);
    const get = await send('picky.test', '/status-503/1');
    expect(get.status).toBe(200);
    const post = await send('picky.test', '/status-503/1', { method: 'POST', body: Buffer.from('once') });
    expect(post.status).toBe(503);
    expect(scripted.tries(post.id)).toBe(1);
  });

  it('waits what a 429 says in Retry-After before retrying (rate_limited_retry_back_off)', async () => {
    const res = await send('limited.test', '/status-429/1');
    expect(res.status).toBe(200);
    expect(scripted.tries(res.id)).toBe(2);
    // One second, jittered up to half again.
    expect(res.elapsedMs).toBeGreaterThanOrEqual(990);
    expect(res.elapsedMs).toBeLessThan(3000);
  });

  it('sends the whole request body again on a retry', async () => {
    const body = Buffer.alloc(300 * 1024, 'meshkit retries ');
    const res = await send('retry.test', '/status-503/1', { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(res.body).toBe(`${body.length}:${createHash('sha256').update(body).digest('hex')}`);
    expect(scripted.tries(res.id)).toBe(2);
  });

  it('does not retry a request whose body outgrew the 1 MiB buffer limit', async () => {
    const res = await send('retry.test', '/status-503/1', { method: 'POST', body: Buffer.alloc(2 * 1024 * 1024, 7) });
    expect(res.status).toBe(503);
    expect(scripted.tries(res.id)).toBe(1);
  });

  it('retries a connection the upstream dropped, under reset', async () => {
    const res = await send('pertry.test', '/reset/1');
    expect(res.status).toBe(200);
    expect(scripted.tries(res.id)).toBe(2);
  });

  it('gives up an attempt at its per-try timeout and retries it', async () => {
    const before = clusterStat(await prometheus(), 'upstream_rq_per_try_timeout', 'flaky');
    const res = await send('pertry.test', '/hang/1');
    expect(res.status).toBe(200);
    expect(res.headers['x-try']).toBe('2');
    expect(res.elapsedMs).toBeGreaterThanOrEqual(190);
    expect(clusterStat(await prometheus(), 'upstream_rq_per_try_timeout', 'flaky')).toBe(before + 1);
  });

  it('lets a response that has started run past the per-try timeout, as Envoy does', async () => {
    const res = await send('pertry.test', '/slow-body/400');
    expect(res).toMatchObject({ status: 200, body: 'first,last' });
    expect(res.elapsedMs).toBeGreaterThanOrEqual(390);
  });

  it('retries an attempt silent for the per-try idle timeout, and cuts off a response that stalls', async () => {
    const before = clusterStat(await prometheus(), 'upstream_rq_per_try_idle_timeout', 'flaky');
    const retried = await send('idle.test', '/hang/1');
    expect(retried.status).toBe(200);
    expect(scripted.tries(retried.id)).toBe(2);
    // Once the response has started the idle timer still runs: a stalled body resets the stream.
    await expect(send('idle.test', '/stall/1')).rejects.toThrow();
    // A body that keeps moving is not idle, however long it takes.
    expect((await send('idle.test', '/slow-body/100')).body).toBe('first,last');
    expect(clusterStat(await prometheus(), 'upstream_rq_per_try_idle_timeout', 'flaky')).toBe(before + 2);
  });

  it('keeps every attempt and back-off inside the route timeout (504 UT)', async () => {
    const res = await send('deadline.test', '/hang/99');
    expect(res.status).toBe(504);
    expect(res.body).toBe('upstream request timeout');
    // Per-try timeouts of 100 ms: about three attempts fit in the 350 ms route timeout, not eleven.
    expect(res.elapsedMs).toBeGreaterThanOrEqual(340);
    expect(res.elapsedMs).toBeLessThan(1500);
    expect(scripted.tries(res.id)).toBeGreaterThanOrEqual(2);
    expect(scripted.tries(res.id)).toBeLessThanOrEqual(4);
  });

  it('retries a connect failure on another host with previous_hosts', async () => {
    // One at a time: at most 3 retries may be in flight to a cluster (Envoy's default max_retries).
    const results = [];
    for (let i = 0; i < 16; i++) results.push(await send('pair.test', '/status-200/0'));
    expect(results.map((r) => r.status)).toEqual(Array(16).fill(200));
    expect(results.every((r) => r.headers['x-try'] === '1')).toBe(true);
  });

  it('sends no retry past the max_retries circuit breaker (UO), and counts the overflow', async () => {
    const res = await send('guarded.test', '/status-503/1');
    expect(res.status).toBe(503);
    expect(scripted.tries(res.id)).toBe(1);
    const stats = await prometheus();
    expect(clusterStat(stats, 'upstream_rq_retry_overflow', 'guarded')).toBe(1);
    expect(clusterStat(stats, 'circuit_breakers_default_rq_retry_open', 'guarded')).toBe(1);
    expect(stats).toMatch(/istio_requests_total\{[^}]*response_code="503"[^}]*response_flags="UO"/);
  });
  describe("the request's own x-envoy-* headers (Envoy's router reads them, and does not pass them on)", () => {
    const seenEnvoy = (res: { headers: Record<string, unknown> }): Record<string, string> => JSON.parse(String(res.headers['x-seen-envoy'])) as Record<string, string>;

    it('retries on x-envoy-retry-on up to x-envoy-max-retries where the route has no policy', async () => {
      const res = await send('plain.test', '/status-503/3', { headers: { 'x-envoy-retry-on': '5xx,bogus', 'x-envoy-max-retries': '3' } });
      expect(res.status).toBe(200);
      expect(scripted.tries(res.id)).toBe(4);
      expect(seenEnvoy(res)).toEqual({ 'x-envoy-expected-rq-timeout-ms': '10000' });
    });

    it('lets x-envoy-max-retries override the route and x-envoy-retriable-status-codes add codes', async () => {
      const capped = await send('retry.test', '/status-503/9', { headers: { 'x-envoy-max-retries': '0' } });
      expect(capped.status).toBe(503);
      expect(scripted.tries(capped.id)).toBe(1);
      const added = await send('codes.test', '/status-425/1', { headers: { 'x-envoy-retriable-status-codes': '425' } });
      expect(added.status).toBe(200);
      expect(scripted.tries(added.id)).toBe(2);
    });

    it('replaces the route timeout with x-envoy-upstream-rq-timeout-ms, and tells the upstream', async () => {
      const res = await send('plain.test', '/hang/1', { headers: { 'x-envoy-upstream-rq-timeout-ms': '200' } });
      expect(res.status).toBe(504);
      expect(res.elapsedMs).toBeGreaterThanOrEqual(190);
      expect(res.elapsedMs).toBeLessThan(2000);
      const told = await send('plain.test', '/status-200/0', { headers: { 'x-envoy-upstream-rq-timeout-ms': '1234' } });
      expect(seenEnvoy(told)).toEqual({ 'x-envoy-expected-rq-timeout-ms': '1234' });
    });

    it('gives each try x-envoy-upstream-rq-per-try-timeout-ms, retried under x-envoy-retry-on: reset', async () => {
      const res = await send('plain.test', '/hang/1', { headers: { 'x-envoy-upstream-rq-per-try-timeout-ms': '150', 'x-envoy-retry-on': 'reset' } });
      expect(res.status).toBe(200);
      expect(scripted.tries(res.id)).toBe(2);
      expect(seenEnvoy(res)).toEqual({ 'x-envoy-expected-rq-timeout-ms': '150' });
    });
  });
  describe('max_stream_duration', () => {
    it('ends a stream that outlives the route limit: 504 while the request is complete, flagged DT', async () => {
      const res = await send('bounded.test', '/hang/1');
      expect(res).toMatchObject({ status: 504, body: 'downstream duration timeout' });
      expect(res.elapsedMs).toBeGreaterThanOrEqual(240);
      expect(res.elapsedMs).toBeLessThan(2000);
      expect(await prometheus()).toMatch(/istio_requests_total\{[^}]*response_code="504"[^}]*response_flags="DT"/);
    });

    it('answers 408 while the request body is still arriving', async () => {
      const body = new PassThrough();
      body.write('the first part of a body that never ends');
      const res = await request(`${listener}/status-200/0`, { method: 'POST', body, headers: { host: 'bounded.test', 'x-test-id': 'slow-body' } });
      expect(res.statusCode).toBe(408);
      expect(await res.body.text()).toBe('downstream duration timeout');
      body.destroy();
    });

    it('leaves a stream that ends in time alone', async () => {
      expect((await send('bounded.test', '/status-200/0')).status).toBe(200);
    });
  });
});
