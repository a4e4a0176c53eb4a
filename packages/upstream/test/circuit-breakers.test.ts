import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, InvalidClusterOptionError, UpstreamOverflowError } from '../src/index.js';
import { startUpstream } from './support/upstream-server.js';
import type { ClusterOptions } from '../src/index.js';
import type { UpstreamServer } from './support/upstream-server.js';

const servers: UpstreamServer[] = [];
const clusters: Cluster[] = [];

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.destroy()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** An upstream that holds every response until `release()`. */
async function heldUpstream(): Promise<{ server: UpstreamServer; release: () => void }> {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const server = await startUpstream('held', (_req, res) => void held.then(() => res.end('done')));
  servers.push(server);
  return { server, release };
}

function cluster(server: UpstreamServer, options: Partial<ClusterOptions>): Cluster {
  const made = new Cluster({ name: 'breakers', ...options });
  made.setEndpoints([{ address: '127.0.0.1', port: server.port }]);
  clusters.push(made);
  return made;
}

function get(target: Cluster): Promise<string> {
  const endpoint = target.pick();
  if (endpoint === null) throw new Error('no endpoint');
  return target
    .poolFor(endpoint)
    .request({ method: 'GET', path: '/' })
    .then((response) => response.body.text());
}

describe('HTTP circuit breakers', () => {
  it('fails requests beyond maxRequests at once with UpstreamOverflowError and counts upstream_rq_pending_overflow', async () => {
    const { server, release } = await heldUpstream();
    const target = cluster(server, { circuitBreakers: { maxRequests: 2 } });
    const admitted = [get(target), get(target)];
    const refused = get(target);
    await expect(refused).rejects.toBeInstanceOf(UpstreamOverflowError);
    await expect(refused).rejects.toThrow(/max_requests/);
    expect(target.stats.upstream_rq_pending_overflow).toBe(1);
    expect(target.stats.upstream_rq_total).toBe(2); // the refused request never reached the pool
    release();
    expect(await Promise.all(admitted)).toEqual(['done', 'done']);
    expect(server.requests).toBe(2);
    // Under the limit again, requests flow.
    expect(await get(target)).toBe('done');
  });

  it('fails requests that would wait for a connection beyond maxPendingRequests', async () => {
    const { server, release } = await heldUpstream();
    const target = cluster(server, { circuitBreakers: { maxPendingRequests: 1 } });
    // The first request waits for its connection to open; the next two would wait as well.
    const first = get(target);
    const results = await Promise.allSettled([get(target), get(target)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/max_pending_requests/);
    expect(target.stats.upstream_rq_pending_overflow).toBe(2);
    release();
    expect(await first).toBe('done');
  });

  it('caps HTTP/1.1 connections at maxConnections: further requests wait for one, then overflow as pending', async () => {
    const { server, release } = await heldUpstream();
    const target = cluster(server, { circuitBreakers: { maxConnections: 1, maxPendingRequests: 2, trackRemaining: true } });
    // One request on the only connection, two waiting for it, the fourth over the pending limit.
    const admitted = [get(target)];
    for (let waited = 0; server.requests === 0; waited += 5) {
      if (waited > 3_000) throw new Error('the first request never reached the upstream');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    admitted.push(get(target), get(target));
    const refused = get(target);
    await expect(refused).rejects.toThrow(/max_pending_requests/);
    // Envoy's breaker gauges at this moment: connections and pending requests at their limits.
    expect(target.circuitBreakerStats()).toEqual({
      'circuit_breakers.default.cx_open': 1,
      'circuit_breakers.default.remaining_cx': 0,
      'circuit_breakers.default.rq_pending_open': 1,
      'circuit_breakers.default.remaining_pending': 0,
      'circuit_breakers.default.rq_open': 0,
      'circuit_breakers.default.remaining_rq': 1021,
      'circuit_breakers.default.rq_retry_open': 0,
      'circuit_breakers.default.remaining_retries': 3,
    });
    release();
    expect(await Promise.all(admitted)).toEqual(['done', 'done', 'done']);
    expect(server.connections).toBe(1);
    expect(target.stats.upstream_cx_overflow).toBeGreaterThanOrEqual(1);
  });

  it("lets a member with no connection open its first even when others hold the cluster's maxConnections", async () => {
    const [a, b] = [await heldUpstream(), await heldUpstream()];
    const target = new Cluster({ name: 'two', circuitBreakers: { maxConnections: 1 } });
    clusters.push(target);
    target.setEndpoints([
      { address: '127.0.0.1', port: a.server.port },
      { address: '127.0.0.1', port: b.server.port },
    ]);
    const [first, second] = target.effectiveEndpoints;
    const request = (endpoint: typeof first) => target.poolFor(endpoint as NonNullable<typeof first>).request({ method: 'GET', path: '/' }).then((r) => r.body.text());
    const onA = [request(first), request(first)];
    const onB = request(second);
    a.release();
    b.release();
    expect(await Promise.all([...onA, onB])).toEqual(['done', 'done', 'done']);
    expect([a.server.connections, b.server.connections]).toEqual([1, 1]);
  });

  it('lends maxRetries retry slots at once (Envoy default 3) and shows them in the retry gauges', () => {
    const open = (cluster: Cluster): number | undefined => cluster.circuitBreakerStats()['circuit_breakers.default.rq_retry_open'];
    const byDefault = new Cluster({ name: 'defaults', circuitBreakers: { trackRemaining: true } });
    expect([byDefault.retryBudget.tryAcquire(), byDefault.retryBudget.tryAcquire()]).toEqual([true, true]);
    expect(byDefault.circuitBreakerStats()['circuit_breakers.default.remaining_retries']).toBe(1);
    expect([byDefault.retryBudget.tryAcquire(), byDefault.retryBudget.tryAcquire()]).toEqual([true, false]);
    expect(open(byDefault)).toBe(1);
    byDefault.retryBudget.release();
    expect(open(byDefault)).toBe(0);
    expect(byDefault.retryBudget.tryAcquire()).toBe(true);
    const none = new Cluster({ name: 'none', circuitBreakers: { maxRetries: 0 } });
    expect(none.retryBudget.tryAcquire()).toBe(false);
    expect(open(none)).toBe(1);
  });

  it('rejects a negative or fractional limit', () => {
    expect(() => new Cluster({ name: 'x', circuitBreakers: { maxRequests: -1 } })).toThrow(InvalidClusterOptionError);
    expect(() => new Cluster({ name: 'x', circuitBreakers: { maxConnections: 1.5 } })).toThrow(/circuitBreakers.maxConnections/);
  });
});
