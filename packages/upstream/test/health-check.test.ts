import { createServer as createHttp2Server } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Cluster } from '../src/index.js';
import { decodeServingStatus, encodeHealthCheckRequest, frameMessage } from '../src/health/grpc-health-probe.js';
import { HealthChecker } from '../src/health/health-checker.js';
import { httpHealthProbe } from '../src/health/http-health-probe.js';
import { closedPort, startUpstream } from './support/upstream-server.js';
import type { Http2Server } from 'node:http2';
import type { AddressInfo, Server } from 'node:net';
import type { Endpoint, HealthCheckOptions } from '../src/index.js';
import type { UpstreamServer } from './support/upstream-server.js';

const clusters: Cluster[] = [];
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.destroy()));
  await Promise.all(closers.splice(0).map((close) => close()));
});

function track(server: UpstreamServer): UpstreamServer {
  closers.push(() => server.close().catch(() => undefined));
  return server;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every 10 ms, failing after `limitMs`. */
async function waitFor(condition: () => boolean, limitMs = 3_000): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > limitMs) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const healthyCount = (c: Cluster): number => c.effectiveEndpoints.filter((e) => e.healthy !== false).length;

describe('active HTTP health checks', () => {
  it('ejects an endpoint that dies mid-test; traffic then flows without client errors', async () => {
    const servers = await Promise.all(['a', 'b', 'c'].map((name) => startUpstream(name).then(track)));
    const cluster = new Cluster({
      name: 'hc',
      healthCheck: { intervalMs: 40, timeoutMs: 200, unhealthyThreshold: 2, healthyThreshold: 1, http: { path: '/healthz', host: 'svc.local' } },
    });
    clusters.push(cluster);
    cluster.setEndpoints(servers.map((s) => ({ address: '127.0.0.1', port: s.port })));
    await waitFor(() => cluster.stats.health_check_success >= 3);

    await (servers[1] as UpstreamServer).close();
    await waitFor(() => healthyCount(cluster) === 2);
    expect(cluster.effectiveEndpoints[1]?.healthy).toBe(false);
    expect(cluster.stats.membership_healthy).toBe(2);

    const bodies = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const endpoint = cluster.pick() as Endpoint;
      const res = await cluster.poolFor(endpoint).request({ method: 'GET', path: '/' });
      expect(res.statusCode).toBe(200);
      bodies.add(await res.body.text());
    }
    expect([...bodies].sort()).toEqual(['a', 'c']);
  });

  it('treats unexpected statuses as failures and readmits after the healthy threshold', async () => {
    let status = 503;
    let hostSeen = '';
    const server = track(
      await startUpstream('x', (req, res) => {
        hostSeen = req.headers.host ?? '';
        res.statusCode = status;
        res.end();
      }),
    );
    const other = track(await startUpstream('y'));
    const cluster = new Cluster({
      name: 'hc2',
      healthCheck: { intervalMs: 30, timeoutMs: 200, unhealthyThreshold: 1, healthyThreshold: 3, http: { path: '/ready', host: 'ready.svc', expectedStatuses: [[200, 300]] } },
    });
    clusters.push(cluster);
    cluster.setEndpoints([{ address: '127.0.0.1', port: server.port }, { address: '127.0.0.1', port: other.port }]);
    await waitFor(() => healthyCount(cluster) === 1);
    expect(hostSeen).toBe('ready.svc');
    for (let i = 0; i < 10; i++) expect(cluster.pick()?.port).toBe(other.port);
    status = 204;
    const before = cluster.stats.health_check_success;
    await waitFor(() => healthyCount(cluster) === 2);
    // Three consecutive successes were needed, not one.
    expect(cluster.stats.health_check_success - before).toBeGreaterThanOrEqual(3);
  });
});

describe('verdicts (Envoy: an "unhealthy" answer ejects at once, a check that cannot complete counts toward the threshold)', () => {
  it('ejects on the first unhealthy answer but only after unhealthy_threshold incomplete checks', async () => {
    const calls: Array<{ resolve: (healthy: boolean) => void; reject: (error: Error) => void }> = [];
    const cluster = new Cluster({
      name: 'verdicts',
      healthCheck: {
        intervalMs: 1,
        timeoutMs: 30_000,
        unhealthyThreshold: 3,
        healthyThreshold: 1,
        probe: () => new Promise<boolean>((resolve, reject) => calls.push({ resolve, reject })),
      },
    });
    clusters.push(cluster);
    cluster.setEndpoints([{ address: '127.0.0.1', port: 1001 }]);
    const healthy = (): boolean => cluster.effectiveEndpoints[0]?.healthy !== false;
    /** Answers the check in flight, then waits for the next one (so the verdict is recorded). */
    const answer = async (how: 'pass' | 'unhealthy' | 'incomplete'): Promise<void> => {
      await waitFor(() => calls.length > 0);
      const call = calls.shift();
      if (how === 'incomplete') call?.reject(new Error('connection refused'));
      else call?.resolve(how === 'pass');
      await waitFor(() => calls.length > 0);
    };

    await answer('pass');
    await answer('incomplete');
    await answer('incomplete');
    expect(healthy()).toBe(true);
    await answer('incomplete');
    expect(healthy()).toBe(false);
    await answer('pass');
    expect(healthy()).toBe(true);
    await answer('unhealthy');
    expect(healthy()).toBe(false);
    expect(cluster.stats.health_check_failure).toBe(4);
  });

  it('starts a new member unhealthy; its first check alone decides, later ones meet the thresholds', async () => {
    const answers = new Map<number, Array<(healthy: boolean) => void>>();
    const cluster = new Cluster({
      name: 'first',
      healthCheck: {
        intervalMs: 1,
        timeoutMs: 30_000,
        unhealthyThreshold: 2,
        healthyThreshold: 3,
        probe: (endpoint) => new Promise<boolean>((resolve) => answers.set(endpoint.port, [...(answers.get(endpoint.port) ?? []), resolve])),
      },
    });
    clusters.push(cluster);
    cluster.setEndpoints([{ address: '127.0.0.1', port: 1001 }, { address: '127.0.0.1', port: 1002 }]);
    const health = (): boolean[] => cluster.effectiveEndpoints.map((e) => e.healthy !== false);
    expect(health()).toEqual([false, false]);
    expect(cluster.stats.membership_healthy).toBe(0);
    /** Answers the oldest check of `port`, then waits for its next one (so the verdict is recorded). */
    const answer = async (port: number, healthy: boolean): Promise<void> => {
      await waitFor(() => (answers.get(port)?.length ?? 0) > 0);
      answers.get(port)?.shift()?.(healthy);
      await waitFor(() => (answers.get(port)?.length ?? 0) > 0);
    };
    await answer(1001, true);
    expect(health()).toEqual([true, false]); // one pass, though healthyThreshold is 3
    await answer(1002, false);
    await answer(1002, true);
    await answer(1002, true);
    expect(health()).toEqual([true, false]); // after a failed first check, the threshold applies
    await answer(1002, true);
    expect(health()).toEqual([true, true]);
  });

  it('whenWarm resolves once every member has had its first check (cluster warming)', async () => {
    const answers = new Map<number, (healthy: boolean) => void>();
    const cluster = new Cluster({
      name: 'warming',
      healthCheck: { intervalMs: 60_000, timeoutMs: 30_000, probe: (endpoint) => new Promise<boolean>((resolve) => answers.set(endpoint.port, resolve)) },
    });
    clusters.push(cluster);
    cluster.setEndpoints([{ address: '127.0.0.1', port: 1001 }, { address: '127.0.0.1', port: 1002 }, { address: '127.0.0.1', port: 1003 }]);
    let warm = false;
    const warming = cluster.whenWarm().then(() => (warm = true));
    await waitFor(() => answers.size === 3);
    answers.get(1001)?.(true);
    answers.get(1002)?.(false);
    await sleep(20);
    expect(warm).toBe(false);
    // A member that leaves unchecked no longer holds the cluster back.
    cluster.setEndpoints([{ address: '127.0.0.1', port: 1001 }, { address: '127.0.0.1', port: 1002 }]);
    await warming;
    expect(warm).toBe(true);
    const unchecked = new Cluster({ name: 'plain' });
    clusters.push(unchecked);
    await unchecked.whenWarm(); // no health checks: warm at once
  });

  it('sorts HTTP statuses into healthy, unhealthy, and retriable (a rejection)', async () => {
    let status = 200;
    const agents: (string | undefined)[] = [];
    const server = track(
      await startUpstream('s', (req, res) => {
        agents.push(req.headers['user-agent']);
        res.statusCode = status;
        res.end();
      }),
    );
    const probe = httpHealthProbe({ path: '/', expectedStatuses: [[200, 300]], retriableStatuses: [[503, 504]] }, {});
    const check = (): Promise<boolean> => probe({ address: '127.0.0.1', port: server.port }, new AbortController().signal);
    expect(await check()).toBe(true);
    status = 500;
    expect(await check()).toBe(false);
    status = 503;
    await expect(check()).rejects.toThrow('retriable status 503');
    // The user agent Envoy's checks send, which applications match to tell probes from traffic.
    expect(new Set(agents)).toEqual(new Set(['Envoy/HC']));
  });
});

describe('active TCP health checks', () => {
  it('marks a refused port unhealthy and keeps a listening one', async () => {
    const listener: Server = createNetServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.2', resolve));
    closers.push(() => new Promise((resolve) => listener.close(() => resolve())));
    const open = (listener.address() as AddressInfo).port;
    const dead = await closedPort();
    const cluster = new Cluster({ name: 'tcp', healthCheck: { intervalMs: 30, timeoutMs: 200, unhealthyThreshold: 2, tcp: {} } });
    clusters.push(cluster);
    cluster.setEndpoints([{ address: '127.0.0.2', port: open }, { address: '127.0.0.1', port: dead }]);
    await waitFor(() => healthyCount(cluster) === 1);
    expect(cluster.effectiveEndpoints.map((e) => e.healthy !== false)).toEqual([true, false]);
    // The first check decides alone; the threshold counts from there on.
    expect(cluster.stats.health_check_failure).toBeGreaterThanOrEqual(1);
  });
});

describe('gRPC health checks (grpc.health.v1 over h2c)', () => {
  it('round-trips the hand-framed messages', () => {
    expect(encodeHealthCheckRequest('')).toHaveLength(0);
    expect([...encodeHealthCheckRequest('ab')]).toEqual([0x0a, 2, 0x61, 0x62]);
    expect(decodeServingStatus(frameMessage(Buffer.from([0x08, 0x01])))).toBe(1);
    expect(decodeServingStatus(frameMessage(Buffer.from([0x08, 0x02])))).toBe(2);
  });

  it('is healthy only for SERVING with grpc-status 0', async () => {
    const statusByService = new Map([['reviews', 1], ['ratings', 2]]);
    const seenServices: string[] = [];
    const server: Http2Server = createHttp2Server();
    server.on('stream', (stream, headers) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const body = Buffer.concat(chunks).subarray(5);
        const service = body.length === 0 ? '' : body.subarray(2).toString();
        seenServices.push(service);
        expect(headers[':path']).toBe('/grpc.health.v1.Health/Check');
        expect(headers['content-type']).toBe('application/grpc');
        const status = statusByService.get(service);
        if (status === undefined) {
          stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '5' }, { endStream: true });
          return;
        }
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(frameMessage(Buffer.from([0x08, status])));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.3', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const port = (server.address() as AddressInfo).port;

    const verdict = async (serviceName: string): Promise<boolean> => {
      const cluster = new Cluster({ name: `grpc-${serviceName}`, healthCheck: { intervalMs: 20, timeoutMs: 500, unhealthyThreshold: 1, grpc: { serviceName } } });
      clusters.push(cluster);
      cluster.setEndpoints([{ address: '127.0.0.3', port }, { address: '127.0.0.1', port: 1, healthy: true }]);
      await waitFor(() => cluster.stats.health_check_attempt >= 6 && cluster.stats.health_check_success + cluster.stats.health_check_failure >= 6);
      return cluster.effectiveEndpoints[0]?.healthy !== false;
    };
    expect(await verdict('reviews')).toBe(true);
    expect(await verdict('ratings')).toBe(false); // NOT_SERVING
    expect(await verdict('unknown')).toBe(false); // grpc-status 5 NOT_FOUND, trailers-only
    expect(seenServices).toContain('reviews');
  });
});

describe('ignoreNewHostsUntilFirstCheck', () => {
  it('holds a new member out of the host set (and out of traffic) until its first check passes', async () => {
    const old = { address: '127.0.0.1', port: 1001 };
    const fresh = { address: '127.0.0.1', port: 1002 };
    const doomed = { address: '127.0.0.1', port: 1003 };
    // A probe the test answers by hand, so "before the first answer" is a state we can look at.
    const answers = new Map<number, (ok: boolean) => void>();
    const cluster = new Cluster({
      name: 'hold',
      healthCheck: {
        intervalMs: 60_000,
        timeoutMs: 30_000,
        ignoreNewHostsUntilFirstCheck: true,
        probe: (endpoint) => new Promise<boolean>((resolve) => answers.set(endpoint.port, resolve)),
      },
    });
    clusters.push(cluster);
    cluster.setEndpoints([old]);
    expect(cluster.pick()).toBeNull();
    expect(cluster.stats.membership_excluded).toBe(1);
    await waitFor(() => answers.has(1001));
    answers.get(1001)?.(true);
    await waitFor(() => cluster.effectiveEndpoints.length === 1);

    cluster.setEndpoints([old, fresh, doomed]);
    expect(cluster.stats.membership_total).toBe(3);
    expect(cluster.stats.membership_excluded).toBe(2);
    for (let i = 0; i < 10; i++) expect(cluster.pick()?.port).toBe(1001);

    await waitFor(() => answers.has(1002) && answers.has(1003));
    answers.get(1002)?.(true);
    answers.get(1003)?.(false);
    await waitFor(() => cluster.effectiveEndpoints.length === 3);
    // A failed first check lets the member in as unhealthy at once, without waiting for the threshold.
    expect(cluster.effectiveEndpoints.map((e) => [e.port, e.healthy !== false])).toEqual([
      [1001, true],
      [1002, true],
      [1003, false],
    ]);
    const ports = new Set(Array.from({ length: 10 }, () => cluster.pick()?.port));
    expect([...ports].sort()).toEqual([1001, 1002]);
    expect(cluster.stats.membership_excluded).toBe(0);
  });

  it('is off by default: new members are in the host set before any check (unhealthy, so only panic routing reaches them)', () => {
    const cluster = new Cluster({ name: 'eager', healthCheck: { intervalMs: 60_000, timeoutMs: 30_000, probe: () => new Promise<boolean>(() => undefined) } });
    clusters.push(cluster);
    cluster.setEndpoints([{ address: '127.0.0.1', port: 1001 }]);
    expect(cluster.stats.membership_excluded).toBe(0);
    expect(cluster.effectiveEndpoints.map((e) => e.healthy)).toEqual([false]);
    expect(cluster.pick()?.port).toBe(1001);
    expect(cluster.stats.lb_healthy_panic).toBeGreaterThan(0);
  });
});

describe('check intervals (Envoy: edge intervals while a verdict is pending, no_traffic_interval before any traffic)', () => {
  /** Runs a checker whose probe follows `script` (true passes, false cannot complete) and returns the gaps between checks. */
  async function gapsBetweenChecks(script: boolean[], options: Partial<HealthCheckOptions>, hasTraffic: () => boolean = () => true): Promise<number[]> {
    vi.useFakeTimers();
    try {
      const times: number[] = [];
      const probe = (): Promise<boolean> => {
        times.push(Date.now());
        const passes = script[times.length - 1];
        return passes === true ? Promise.resolve(true) : Promise.reject(new Error('no answer'));
      };
      const stats = { health_check_attempt: 0, health_check_success: 0, health_check_failure: 0 };
      const checker = new HealthChecker({ intervalMs: 1_000, timeoutMs: 10_000, unhealthyThreshold: 2, healthyThreshold: 2, probe, ...options }, {}, stats, () => undefined, hasTraffic);
      checker.setEndpoints([{ address: '127.0.0.1', port: 1 }]);
      while (times.length < script.length) await vi.advanceTimersByTimeAsync(10);
      checker.stop();
      return times.slice(1).map((time, i) => time - (times[i] ?? 0));
    } finally {
      vi.useRealTimers();
    }
  }

  it('uses the edge intervals while a threshold is being reached, and unhealthy_interval once ejected', async () => {
    const intervals = { unhealthyIntervalMs: 300, unhealthyEdgeIntervalMs: 100, healthyEdgeIntervalMs: 50 };
    // pass (healthy) · fail (pending) · fail (ejected) · fail · pass (pending) · pass (readmitted) · pass
    const gaps = await gapsBetweenChecks([true, false, false, false, true, true, true], intervals);
    expect(gaps).toEqual([1_000, 100, 300, 300, 50, 1_000]);
  });

  it('falls back as Envoy does: the unhealthy edge to unhealthy_interval, both to interval', async () => {
    expect(await gapsBetweenChecks([true, false, false, false], { unhealthyIntervalMs: 300 })).toEqual([1_000, 300, 300]);
    expect(await gapsBetweenChecks([true, false, false, true, true], {})).toEqual([1_000, 1_000, 1_000, 1_000]);
  });

  it('starts each new member’s first check within initial_jitter, then keeps to the interval', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.25);
    try {
      vi.useFakeTimers();
      const times: number[] = [];
      const probe = (): Promise<boolean> => {
        times.push(Date.now());
        return Promise.resolve(true);
      };
      const stats = { health_check_attempt: 0, health_check_success: 0, health_check_failure: 0 };
      const started = Date.now();
      const checker = new HealthChecker({ intervalMs: 1_000, timeoutMs: 10_000, initialJitterMs: 2_000, probe }, {}, stats, () => undefined);
      checker.setEndpoints([{ address: '127.0.0.1', port: 1 }]);
      await vi.advanceTimersByTimeAsync(499);
      expect(times).toEqual([]);
      await vi.advanceTimersByTimeAsync(1_001);
      checker.stop();
      expect(times.map((time) => time - started)).toEqual([500, 1_500]);
    } finally {
      vi.useRealTimers();
      vi.restoreAllMocks();
    }
  });

  it('checks at no_traffic_interval (healthy members at no_traffic_healthy_interval) until the cluster is used', async () => {
    let asked = 0;
    const usedAfterTwoChecks = (): boolean => ++asked > 2;
    const options = { noTrafficIntervalMs: 5_000, noTrafficHealthyIntervalMs: 7_000, unhealthyIntervalMs: 300 };
    // pass (healthy, no traffic) · fail (pending, no traffic) · fail (ejected; the cluster has been used since)
    expect(await gapsBetweenChecks([true, false, false, false], options, usedAfterTwoChecks)).toEqual([7_000, 5_000, 300]);
  });
});
