import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cluster, ClusterClosedError, InvalidClusterOptionError, InvalidEndpointError } from '../src/index.js';
import { closedPort, startUpstream } from './support/upstream-server.js';
import type { Dispatcher } from 'undici';
import type { Endpoint } from '../src/index.js';
import type { UpstreamServer } from './support/upstream-server.js';

const servers: UpstreamServer[] = [];
const clusters: Cluster[] = [];

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.destroy()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function upstream(...args: Parameters<typeof startUpstream>): Promise<UpstreamServer> {
  const server = await startUpstream(...args);
  servers.push(server);
  return server;
}

function cluster(options: Partial<ConstructorParameters<typeof Cluster>[0]> = {}): Cluster {
  const made = new Cluster({ name: 'test', ...options });
  clusters.push(made);
  return made;
}

function endpointOf(server: UpstreamServer, extra: Partial<Endpoint> = {}): Endpoint {
  return { address: '127.0.0.1', port: server.port, ...extra };
}

// Sequential-connection tests yield one event-loop turn between requests, as real traffic always
// does, so the count of connections does not depend on when a pool frees one within a turn.
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** One request the way a router would send it: pick, then use that endpoint's pool. */
async function send(target: Cluster, path = '/'): Promise<{ status: number; body: string }> {
  const endpoint = target.pick();
  if (endpoint === null) throw new Error('no healthy endpoint');
  const response = await target.poolFor(endpoint).request({ method: 'GET', path });
  return { status: response.statusCode, body: await response.body.text() };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe('Cluster routing over real pools', () => {
  it('spreads requests exactly evenly over three upstreams', async () => {
    const upstreams = await Promise.all(['a', 'b', 'c'].map((name) => upstream(name)));
    const target = cluster();
    target.setEndpoints(upstreams.map((server) => endpointOf(server)));

    const bodies = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const { status, body } = await send(target);
      expect(status).toBe(200);
      bodies.set(body, (bodies.get(body) ?? 0) + 1);
    }
    expect(Object.fromEntries(bodies)).toEqual({ a: 100, b: 100, c: 100 });
    expect(upstreams.map((server) => server.requests)).toEqual([100, 100, 100]);
    expect(target.stats.upstream_rq_total).toBe(300);
    expect(target.stats.upstream_rq_2xx).toBe(300);
    expect(target.stats.upstream_rq_active).toBe(0);
  });

  it('never sends traffic to unhealthy endpoints, and counts membership', async () => {
    const [a, sick, c] = await Promise.all(['a', 'sick', 'c'].map((name) => upstream(name)));
    const target = cluster();
    target.setEndpoints([endpointOf(a!), endpointOf(sick!, { healthy: false }), endpointOf(c!)]);
    for (let i = 0; i < 20; i++) expect((await send(target)).body).not.toBe('sick');
    expect([a!.requests, sick!.requests, c!.requests]).toEqual([10, 0, 10]);
    expect(target.stats.membership_total).toBe(3);
    expect(target.stats.membership_healthy).toBe(2);
  });

  it('returns null from pick when nothing can take traffic: empty, or all unhealthy with panic disabled', () => {
    const target = cluster({ panicThresholdPercent: 0 });
    expect(target.pick()).toBeNull();
    target.setEndpoints([{ address: '127.0.0.1', port: 1, healthy: false }]);
    expect(target.pick()).toBeNull();
    expect(target.stats.membership_healthy).toBe(0);
  });

  it('in panic (under 50% healthy, Envoy default) routes to every member rather than failing', () => {
    const target = cluster();
    const sick = { address: '127.0.0.1', port: 1, healthy: false };
    target.setEndpoints([sick]);
    expect(target.pick()).toEqual(sick);
    expect(target.stats.lb_healthy_panic).toBe(1);
  });

  it('counts responses by status class', async () => {
    const server = await upstream('status', (req, res) => {
      res.statusCode = Number(req.url?.slice(1));
      res.end();
    });
    const target = cluster();
    target.setEndpoints([endpointOf(server)]);
    for (const status of [200, 204, 301, 404, 429, 500, 503, 503]) expect((await send(target, `/${status}`)).status).toBe(status);
    const { upstream_rq_2xx, upstream_rq_3xx, upstream_rq_4xx, upstream_rq_5xx, upstream_rq_total } = target.stats;
    expect({ upstream_rq_2xx, upstream_rq_3xx, upstream_rq_4xx, upstream_rq_5xx, upstream_rq_total }).toEqual({
      upstream_rq_2xx: 2,
      upstream_rq_3xx: 1,
      upstream_rq_4xx: 2,
      upstream_rq_5xx: 3,
      upstream_rq_total: 8,
    });
  });

  it('counts requests issued through fetch and through a raw dispatch handler', async () => {
    const server = await upstream('x', (_req, res) => {
      res.statusCode = 201;
      res.end('created');
    });
    const target = cluster();
    const endpoint = endpointOf(server);
    target.setEndpoints([endpoint]);
    const pool = target.poolFor(endpoint);

    const { fetch } = await import('undici');
    const fetched = await fetch(`http://127.0.0.1:${server.port}/`, { dispatcher: pool });
    expect(await fetched.text()).toBe('created');

    const chunks: Buffer[] = [];
    const status = await new Promise<number>((resolve, reject) => {
      let code = 0;
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: () => {},
        onResponseStart: (_controller, statusCode) => {
          code = statusCode;
        },
        onResponseData: (_controller, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => resolve(code),
        onResponseError: (_controller, error) => reject(error),
      };
      pool.dispatch({ method: 'GET', path: '/', origin: `http://127.0.0.1:${server.port}` }, handler);
    });
    expect(status).toBe(201);
    expect(Buffer.concat(chunks).toString()).toBe('created');
    expect(target.stats.upstream_rq_total).toBe(2);
    expect(target.stats.upstream_rq_2xx).toBe(2);
    expect(target.stats.upstream_rq_active).toBe(0);
  });
});

describe('Cluster host-set updates', () => {
  it('lets a request in flight on a removed endpoint finish while new requests use the new set', async () => {
    const arrived = gate();
    const release = gate();
    const slow = await upstream('slow', (_req, res) => {
      arrived.open();
      void release.promise.then(() => res.end('slow-done'));
    });
    const fresh = await upstream('fresh');
    const target = cluster();
    const slowEndpoint = endpointOf(slow);
    target.setEndpoints([slowEndpoint]);
    const slowPool = target.poolFor(slowEndpoint);

    const inFlight = send(target);
    await arrived.promise;
    expect(target.stats.upstream_rq_active).toBe(1);

    target.setEndpoints([endpointOf(fresh)]);
    expect(slowPool.closed).toBe(true);
    expect(target.endpoints).toEqual([endpointOf(fresh)]);
    for (let i = 0; i < 5; i++) expect((await send(target)).body).toBe('fresh');
    expect(fresh.requests).toBe(5);
    expect(slow.requests).toBe(1);
    expect(target.stats.upstream_rq_active).toBe(1);

    release.open();
    expect(await inFlight).toEqual({ status: 200, body: 'slow-done' });
    await vi.waitFor(() => expect(slowPool.destroyed).toBe(true));
    expect(target.stats.upstream_rq_active).toBe(0);
  });

  it('keeps the pool of an endpoint that stays across updates', async () => {
    const server = await upstream('stay');
    const target = cluster();
    target.setEndpoints([endpointOf(server, { weight: 1 })]);
    const before = target.poolFor(endpointOf(server));
    target.setEndpoints([endpointOf(server, { weight: 5 })]);
    expect(target.poolFor({ address: '127.0.0.1', port: server.port })).toBe(before);
    expect(before.closed).toBe(false);
  });

  it('rejects an invalid endpoint list whole and keeps the previous set', () => {
    const target = cluster();
    const good: Endpoint = { address: '127.0.0.1', port: 8080 };
    target.setEndpoints([good]);
    const attempt = (): void => target.setEndpoints([{ address: '127.0.0.1', port: 8081 }, { address: '127.0.0.1', port: 70_000 }]);
    expect(attempt).toThrow(InvalidEndpointError);
    expect(attempt).toThrow("cluster 'test': endpoints[1].port must be an integer in 1..65535, got 70000");
    expect(() => target.setEndpoints([good, { ...good }])).toThrow('endpoints[1] duplicates endpoints[0] (127.0.0.1:8080)');
    expect(() => target.setEndpoints([{ ...good, weight: 0 }])).toThrow('endpoints[0].weight');
    expect(target.endpoints).toEqual([good]);
    expect(target.pick()).toEqual(good);
  });

  it('is not affected by the caller mutating the endpoints it passed', () => {
    const target = cluster();
    const endpoint = { address: '127.0.0.1', port: 8080, healthy: true };
    const list = [endpoint];
    target.setEndpoints(list);
    endpoint.healthy = false;
    list.push({ address: '127.0.0.1', port: 9090, healthy: true });
    expect(target.pick()).toEqual({ address: '127.0.0.1', port: 8080, healthy: true });
    expect(target.endpoints).toHaveLength(1);
  });
});

describe('Cluster connections', () => {
  it('reuses one keep-alive connection for sequential requests', async () => {
    const server = await upstream('ka');
    const target = cluster();
    target.setEndpoints([endpointOf(server)]);
    for (let i = 0; i < 20; i++) {
      expect((await send(target)).body).toBe('ka');
      await nextTurn();
    }
    expect(target.stats.upstream_cx_total).toBe(1);
    expect(target.stats.upstream_cx_active).toBe(1);
    expect(server.connections).toBe(1);
    await target.close();
    await vi.waitFor(() => expect(target.stats.upstream_cx_active).toBe(0));
  });

  it.each([
    [1, 6],
    [2, 3],
  ])('with maxRequestsPerConnection %i, 6 sequential requests use %i connections', async (max, expected) => {
    const server = await upstream('max');
    const target = cluster({ maxRequestsPerConnection: max });
    target.setEndpoints([endpointOf(server)]);
    for (let i = 0; i < 6; i++) {
      await send(target);
      await nextTurn();
    }
    expect(server.connections).toBe(expected);
    expect(server.maxRequestsOnOneConnection).toBe(max);
    expect(target.stats.upstream_cx_total).toBe(expected);
  });

  it('never lets a connection carry more than maxRequestsPerConnection requests', async () => {
    const server = await upstream('max');
    const target = cluster({ maxRequestsPerConnection: 4 });
    target.setEndpoints([endpointOf(server)]);
    for (let i = 0; i < 12; i++) {
      await send(target);
      await nextTurn();
    }
    expect(server.maxRequestsOnOneConnection).toBe(4);
    expect(server.connections).toBeGreaterThanOrEqual(3);
    expect(server.connections).toBeLessThan(12);
  });

  it('rejects unusable options', () => {
    expect(() => new Cluster({ name: 'bad', maxRequestsPerConnection: 0 })).toThrow(InvalidClusterOptionError);
    expect(() => new Cluster({ name: 'bad', idleTimeoutMs: -1 })).toThrow("cluster 'bad': idleTimeoutMs must be a positive number, got -1");
    expect(() => new Cluster({ name: 'bad', connectTimeoutMs: Number.NaN })).toThrow('connectTimeoutMs');
  });

  it('closes connections idle for longer than idleTimeoutMs', async () => {
    const server = await upstream('idle');
    const short = cluster({ idleTimeoutMs: 100 });
    const normal = cluster();
    short.setEndpoints([endpointOf(server)]);
    normal.setEndpoints([endpointOf(server)]);
    await send(short);
    await send(normal);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await send(short);
    await send(normal);
    expect(short.stats.upstream_cx_total).toBe(2);
    expect(normal.stats.upstream_cx_total).toBe(1);
  });

  it('counts a refused connection as upstream_cx_connect_fail', async () => {
    const target = cluster();
    target.setEndpoints([{ address: '127.0.0.1', port: await closedPort() }]);
    await expect(send(target)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(target.stats.upstream_cx_connect_fail).toBe(1);
    expect(target.stats.upstream_cx_total).toBe(0);
    expect(target.stats.upstream_cx_active).toBe(0);
    expect(target.stats.upstream_rq_total).toBe(1);
    expect(target.stats.upstream_rq_active).toBe(0);
  });
});

describe('Cluster shutdown', () => {
  it('close() waits for in-flight requests, then refuses new pools', async () => {
    const arrived = gate();
    const release = gate();
    const server = await upstream('slow', (_req, res) => {
      arrived.open();
      void release.promise.then(() => res.end('done'));
    });
    const target = cluster();
    target.setEndpoints([endpointOf(server)]);
    const inFlight = send(target);
    await arrived.promise;

    let closed = false;
    const closing = target.close().then(() => {
      closed = true;
    });
    expect(target.closed).toBe(true);
    expect(target.pick()).toBeNull();
    expect(() => target.poolFor(endpointOf(server))).toThrow(ClusterClosedError);
    expect(() => target.setEndpoints([])).toThrow(ClusterClosedError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);

    release.open();
    expect((await inFlight).body).toBe('done');
    await closing;
    expect(target.close()).toBe(target.close());
  });

  it('destroy() aborts in-flight requests', async () => {
    const arrived = gate();
    const server = await upstream('hang', () => {
      arrived.open();
    });
    const target = cluster();
    target.setEndpoints([endpointOf(server)]);
    // The rejection is awaited from before destroy() starts, so it is never unhandled meanwhile.
    const inFlight = expect(send(target)).rejects.toThrow();
    await arrived.promise;
    await target.destroy();
    await inFlight;
    expect(target.stats.upstream_rq_active).toBe(0);
  });
});
