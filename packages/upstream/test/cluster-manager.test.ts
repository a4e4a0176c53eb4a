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
});
