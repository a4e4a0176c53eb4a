import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, ClusterManager } from '../src/index.js';
import { startUpstream } from './support/upstream-server.js';
import type { UpstreamServer } from './support/upstream-server.js';

const servers: UpstreamServer[] = [];
const managers: ClusterManager[] = [];

afterEach(async () => {
  await Promise.all(managers.splice(0).map((manager) => manager.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function manager(): ClusterManager {
  const made = new ClusterManager();
  managers.push(made);
  return made;
}

describe('ClusterManager', () => {
  it('stores clusters by name and lists them in insertion order', () => {
    const clusters = manager();
    const reviews = new Cluster({ name: 'reviews' });
    const ratings = new Cluster({ name: 'ratings' });
    clusters.set('reviews', reviews);
    clusters.set('ratings', ratings);
    expect(clusters.get('reviews')).toBe(reviews);
    expect(clusters.get('missing')).toBeUndefined();
    expect(clusters.has('ratings')).toBe(true);
    expect(clusters.size).toBe(2);
    expect([...clusters].map(([name, cluster]) => [name, cluster.name])).toEqual([
      ['reviews', 'reviews'],
      ['ratings', 'ratings'],
    ]);
    expect([...clusters.names()]).toEqual(['reviews', 'ratings']);
  });

  it('closes a replaced cluster and leaves the same instance alone', () => {
    const clusters = manager();
    const first = new Cluster({ name: 'reviews' });
    const second = new Cluster({ name: 'reviews' });
    clusters.set('reviews', first);
    clusters.set('reviews', first);
    expect(first.closed).toBe(false);
    clusters.set('reviews', second);
    expect(first.closed).toBe(true);
    expect(second.closed).toBe(false);
    expect(clusters.get('reviews')).toBe(second);
  });

  it('remove() closes the cluster and reports whether it existed', () => {
    const clusters = manager();
    const reviews = new Cluster({ name: 'reviews' });
    clusters.set('reviews', reviews);
    expect(clusters.remove('reviews')).toBe(true);
    expect(reviews.closed).toBe(true);
    expect(clusters.get('reviews')).toBeUndefined();
    expect(clusters.remove('reviews')).toBe(false);
  });

  it('close() waits for removed clusters to finish their in-flight requests', async () => {
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await startUpstream('slow', (_req, res) => {
      arrived();
      void released.then(() => res.end('done'));
    });
    servers.push(server);

    const clusters = manager();
    const reviews = new Cluster({ name: 'reviews' });
    reviews.setEndpoints([{ address: '127.0.0.1', port: server.port }]);
    clusters.set('reviews', reviews);
    const endpoint = reviews.pick();
    expect(endpoint).not.toBeNull();
    const inFlight = reviews.poolFor(endpoint!).request({ method: 'GET', path: '/' });
    await arrival;

    clusters.remove('reviews');
    let closed = false;
    const closing = clusters.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);

    release();
    expect(await (await inFlight).body.text()).toBe('done');
    await closing;
    expect(closed).toBe(true);
    expect(clusters.size).toBe(0);
  });

  describe('setWhenWarm (CDS warming)', () => {
    /** A cluster whose single member's first health check waits for the test to answer it. */
    function checkedCluster(name: string): { cluster: Cluster; answer: (healthy: boolean) => Promise<void> } {
      const answers: ((healthy: boolean) => void)[] = [];
      const cluster = new Cluster({
        name,
        healthCheck: { intervalMs: 60_000, timeoutMs: 30_000, probe: () => new Promise<boolean>((resolve) => answers.push(resolve)) },
      });
      cluster.setEndpoints([{ address: '127.0.0.1', port: 1001 }]);
      const answer = async (healthy: boolean): Promise<void> => {
        for (let waited = 0; answers.length === 0 && waited < 5_000; waited += 5) await new Promise((resolve) => setTimeout(resolve, 5));
        answers.shift()?.(healthy);
      };
      return { cluster, answer };
    }

    it('keeps the cluster it replaces serving until the new one has had its first health check', async () => {
      const clusters = manager();
      const old = new Cluster({ name: 'reviews' });
      clusters.set('reviews', old);
      const { cluster: next, answer } = checkedCluster('reviews');
      const tookOver = clusters.setWhenWarm('reviews', next);
      expect(clusters.get('reviews')).toBe(old);
      expect(clusters.warming('reviews')).toBe(next);
      await answer(true);
      expect(await tookOver).toBe(true);
      expect(clusters.get('reviews')).toBe(next);
      expect(clusters.warming('reviews')).toBeUndefined();
      expect(old.closed).toBe(true);
    });

    it('takes over at once when there is nothing to wait for', async () => {
      const clusters = manager();
      const plain = new Cluster({ name: 'ratings' });
      const tookOver = clusters.setWhenWarm('ratings', plain);
      expect(clusters.get('ratings')).toBe(plain);
      expect(await tookOver).toBe(true);
    });

    it('discards a warming cluster that a newer one or a removal overtakes', async () => {
      const clusters = manager();
      const first = checkedCluster('details');
      const second = checkedCluster('details');
      const firstTookOver = clusters.setWhenWarm('details', first.cluster);
      const secondTookOver = clusters.setWhenWarm('details', second.cluster);
      expect(first.cluster.closed).toBe(true);
      expect(await firstTookOver).toBe(false);
      expect(clusters.remove('details')).toBe(true); // only warming, but there was one
      expect(second.cluster.closed).toBe(true);
      expect(await secondTookOver).toBe(false);
      expect(clusters.get('details')).toBeUndefined();
    });
  });
});
