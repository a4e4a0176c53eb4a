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

  it('rejects a negative or fractional limit', () => {
    expect(() => new Cluster({ name: 'x', circuitBreakers: { maxRequests: -1 } })).toThrow(InvalidClusterOptionError);
    expect(() => new Cluster({ name: 'x', circuitBreakers: { maxConnections: 1.5 } })).toThrow(/circuitBreakers.maxConnections/);
  });
});
