import { promises as dnsPromises } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { Cluster, InvalidClusterOptionError, InvalidEndpointError } from '../src/index.js';
import { startDnsServer } from './support/dns-server.js';
import { startUpstreamsOnOnePort } from './support/upstream-server.js';
import type { ClusterOptions, DnsOptions, Endpoint } from '../src/index.js';
import type { TestDnsServer } from './support/dns-server.js';
import type { Handler, UpstreamServer } from './support/upstream-server.js';

const ZONE = 'svc.meshkit.test';
const servers: UpstreamServer[] = [];
const clusters: Cluster[] = [];
const dnsServers: TestDnsServer[] = [];

afterEach(async () => {
  await Promise.all(clusters.splice(0).map((cluster) => cluster.destroy()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(dnsServers.splice(0).map((server) => server.close()));
});

async function dnsServer(): Promise<{ server: TestDnsServer; resolver: dnsPromises.Resolver }> {
  const server = await startDnsServer();
  dnsServers.push(server);
  // A real resolver doing real queries over UDP, pointed at the test server; short timeout so
  // failure tests stay quick.
  const resolver = new dnsPromises.Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([server.address]);
  return { server, resolver };
}

async function upstreams(hosts: readonly string[], handler?: (host: string) => Handler): Promise<UpstreamServer[]> {
  const started = await startUpstreamsOnOnePort(hosts, handler);
  servers.push(...started);
  return started;
}

function dnsCluster(type: 'STRICT_DNS' | 'LOGICAL_DNS', dns: DnsOptions, extra: Partial<ClusterOptions> = {}): Cluster {
  const made = new Cluster({ name: 'dns', type, dns, ...extra });
  clusters.push(made);
  return made;
}

/** Resolves once the cluster's effective host set satisfies `ready` (checked now and on each change). */
function hostSetWhere(cluster: Cluster, ready: (endpoints: readonly Endpoint[]) => boolean, timeoutMs = 5_000): Promise<readonly Endpoint[]> {
  return new Promise((resolve, reject) => {
    if (ready(cluster.effectiveEndpoints)) {
      resolve(cluster.effectiveEndpoints);
      return;
    }
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`host set never became ready: ${JSON.stringify(cluster.effectiveEndpoints)}`));
    }, timeoutMs);
    const subscription = cluster.onHostSetChange((endpoints) => {
      if (!ready(endpoints)) return;
      clearTimeout(timer);
      subscription.dispose();
      resolve(endpoints);
    });
  });
}

/** Polls a condition every 5 ms, at most `timeoutMs`. */
async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const addresses = (endpoints: readonly Endpoint[]): string[] => endpoints.map((e) => e.address).sort();

async function send(cluster: Cluster): Promise<string> {
  const endpoint = cluster.pick();
  if (endpoint === null) throw new Error('no endpoint');
  const response = await cluster.poolFor(endpoint).request({ method: 'GET', path: '/' });
  return response.body.text();
}

describe('STRICT_DNS clusters', () => {
  it('makes every A record a member carrying the configured weight, priority and locality', async () => {
    const { server, resolver } = await dnsServer();
    server.set(`reviews.${ZONE}`, { a: ['127.0.0.2', '127.0.0.3'] });
    server.set(`ratings.${ZONE}`, { a: ['127.0.0.4'] });
    const cluster = dnsCluster('STRICT_DNS', { resolver, refreshRateMs: 60_000 });
    const locality = { region: 'eu', zone: 'eu-1' };
    cluster.setEndpoints([
      { address: `reviews.${ZONE}`, port: 9080, weight: 3, locality },
      { address: `ratings.${ZONE}`, port: 9081, priority: 1 },
    ]);
    const members = await hostSetWhere(cluster, (endpoints) => endpoints.length === 3);
    expect(members.map(({ address, port, weight, priority, locality: l, hostname }) => ({ address, port, weight, priority, locality: l, hostname }))).toEqual([
      { address: '127.0.0.2', port: 9080, weight: 3, priority: undefined, locality, hostname: `reviews.${ZONE}` },
      { address: '127.0.0.3', port: 9080, weight: 3, priority: undefined, locality, hostname: `reviews.${ZONE}` },
      { address: '127.0.0.4', port: 9081, weight: undefined, priority: 1, locality: undefined, hostname: `ratings.${ZONE}` },
    ]);
    expect(cluster.endpoints.map((e) => e.address)).toEqual([`reviews.${ZONE}`, `ratings.${ZONE}`]);
    expect(cluster.stats.update_success).toBe(2);
  });

  it('moves traffic when the DNS answer changes mid-test, letting in-flight requests on removed members finish', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const [a, b, c] = await upstreams(['127.0.0.2', '127.0.0.3', '127.0.0.4'], (host) => (req, res) => {
      if (req.url === '/slow') void held.then(() => res.end(host));
      else res.end(host);
    });
    const { server, resolver } = await dnsServer();
    const name = `api.${ZONE}`;
    server.set(name, { a: ['127.0.0.2', '127.0.0.3'] });
    const cluster = dnsCluster('STRICT_DNS', { resolver, refreshRateMs: 40 });
    cluster.setEndpoints([{ address: name, port: a!.port }]);
    await hostSetWhere(cluster, (endpoints) => endpoints.length === 2);

    const before = new Set<string>();
    for (let i = 0; i < 10; i++) before.add(await send(cluster));
    expect([...before].sort()).toEqual(['127.0.0.2', '127.0.0.3']);

    // A slow request on .2 is in flight when .2 leaves the answer.
    const slowEndpoint = cluster.effectiveEndpoints.find((e) => e.address === '127.0.0.2')!;
    const slow = cluster.poolFor(slowEndpoint).request({ method: 'GET', path: '/slow' });
    await until(() => cluster.stats.upstream_rq_active === 1 && cluster.stats.upstream_rq_pending_active === 0);
    server.set(name, { a: ['127.0.0.4'] });
    await hostSetWhere(cluster, (endpoints) => addresses(endpoints).join() === '127.0.0.4');

    const after = new Set<string>();
    for (let i = 0; i < 10; i++) after.add(await send(cluster));
    expect([...after]).toEqual(['127.0.0.4']);
    release();
    const response = await slow;
    expect(response.statusCode).toBe(200);
    expect(await response.body.text()).toBe('127.0.0.2');
    expect(c!.requests).toBe(10);
    expect(a!.requests + b!.requests).toBe(11);
  });

  it('keeps the last good members through SERVFAIL and retries at the failure rate, not the refresh rate', async () => {
    const [a] = await upstreams(['127.0.0.2']);
    const { server, resolver } = await dnsServer();
    const name = `flaky.${ZONE}`;
    server.set(name, { a: ['127.0.0.2'] });
    const cluster = dnsCluster('STRICT_DNS', { resolver, refreshRateMs: 100, failureRefreshRate: { baseIntervalMs: 5, maxIntervalMs: 10 } });
    cluster.setEndpoints([{ address: name, port: a!.port }]);
    await hostSetWhere(cluster, (endpoints) => endpoints.length === 1);

    server.mode = 'servfail';
    await until(() => cluster.stats.update_failure >= 1);
    const queriesAtFirstFailure = server.queriesFor(name);
    const failedAt = Date.now();
    await until(() => server.queriesFor(name) >= queriesAtFirstFailure + 5);
    // Timers never fire early: at the 100 ms refresh rate five more queries take at least 500 ms.
    expect(Date.now() - failedAt).toBeLessThan(500);
    expect(addresses(cluster.members)).toEqual(['127.0.0.2']);
    expect(await send(cluster)).toBe('127.0.0.2');

    server.mode = 'answer';
    server.set(name, { a: ['127.0.0.3'] });
    await hostSetWhere(cluster, (endpoints) => addresses(endpoints).join() === '127.0.0.3');
  });

  it('removes a hostname’s members when the name stops existing (NXDOMAIN is an answer)', async () => {
    const { server, resolver } = await dnsServer();
    server.set(`gone.${ZONE}`, { a: ['127.0.0.2'] });
    server.set(`stays.${ZONE}`, { a: ['127.0.0.3'] });
    const cluster = dnsCluster('STRICT_DNS', { resolver, refreshRateMs: 30 });
    cluster.setEndpoints([
      { address: `gone.${ZONE}`, port: 80 },
      { address: `stays.${ZONE}`, port: 80 },
    ]);
    await hostSetWhere(cluster, (endpoints) => endpoints.length === 2);
    server.delete(`gone.${ZONE}`);
    await hostSetWhere(cluster, (endpoints) => addresses(endpoints).join() === '127.0.0.3');
    expect(cluster.stats.update_empty).toBeGreaterThan(0);
    // `stays` keeps answering the same, which rebuilds nothing (its second answer may still be on its way).
    await until(() => cluster.stats.update_no_rebuild > 0);
    expect(addresses(cluster.members)).toEqual(['127.0.0.3']);
  });

  it('re-resolves at the record TTL instead of the refresh rate when respectDnsTtl is set', async () => {
    const { server, resolver } = await dnsServer();
    server.set(`ttl.${ZONE}`, { a: ['127.0.0.2'], ttl: 60 });
    server.set(`rate.${ZONE}`, { a: ['127.0.0.2'], ttl: 60 });
    const byTtl = dnsCluster('STRICT_DNS', { resolver, refreshRateMs: 20, respectDnsTtl: true });
    byTtl.setEndpoints([{ address: `ttl.${ZONE}`, port: 80 }]);
    const byRate = dnsCluster('STRICT_DNS', { resolver, refreshRateMs: 20 });
    byRate.setEndpoints([{ address: `rate.${ZONE}`, port: 80 }]);
    await until(() => server.queriesFor(`rate.${ZONE}`) > 12);
    expect(server.queriesFor(`ttl.${ZONE}`)).toBe(2); // one AAAA + one A (AUTO falls back to A), then waits 60 s
  });

  it('follows dns_lookup_family', async () => {
    const { server, resolver } = await dnsServer();
    server.set(`dual.${ZONE}`, { a: ['127.0.0.2'], aaaa: ['fd00::2'] });
    server.set(`v4.${ZONE}`, { a: ['127.0.0.3'] });
    server.set(`v6.${ZONE}`, { aaaa: ['fd00::3'] });
    const expected = {
      AUTO: ['127.0.0.3', 'fd00::2', 'fd00::3'],
      V4_PREFERRED: ['127.0.0.2', '127.0.0.3', 'fd00::3'],
      V4_ONLY: ['127.0.0.2', '127.0.0.3'],
      V6_ONLY: ['fd00::2', 'fd00::3'],
      ALL: ['127.0.0.2', '127.0.0.3', 'fd00::2', 'fd00::3'],
    } as const;
    for (const [lookupFamily, want] of Object.entries(expected)) {
      const cluster = dnsCluster('STRICT_DNS', { resolver, lookupFamily: lookupFamily as keyof typeof expected, refreshRateMs: 60_000 });
      cluster.setEndpoints(['dual', 'v4', 'v6'].map((label) => ({ address: `${label}.${ZONE}`, port: 80 })));
      await until(() => cluster.stats.update_success === 3);
      expect([lookupFamily, addresses(cluster.members)]).toEqual([lookupFamily, want]);
    }
  });

  it('is warm once every hostname has had its first resolution, answered or failed', async () => {
    const { server, resolver } = await dnsServer();
    server.set(`reviews.${ZONE}`, { a: ['127.0.0.2'] });
    const cluster = dnsCluster('STRICT_DNS', { resolver, refreshRateMs: 60_000 });
    // One name answers; the other is unknown to the server (NXDOMAIN), which is an answer too.
    cluster.setEndpoints([
      { address: `reviews.${ZONE}`, port: 9080 },
      { address: `gone.${ZONE}`, port: 9080 },
    ]);
    expect(cluster.effectiveEndpoints).toEqual([]);
    await cluster.whenWarm();
    expect(addresses(cluster.effectiveEndpoints)).toEqual(['127.0.0.2']);
    expect(cluster.stats.update_attempt).toBe(2);
  });

  it('rejects dns options on a STATIC cluster and bad refresh rates', () => {
    expect(() => new Cluster({ name: 'x', dns: { refreshRateMs: 10 } })).toThrow(InvalidClusterOptionError);
    expect(() => new Cluster({ name: 'x', type: 'STRICT_DNS', dns: { refreshRateMs: 0 } })).toThrow(/dns.refreshRateMs/);
  });
});

describe('LOGICAL_DNS clusters', () => {
  it('dials only the first address, and after a change keeps existing connections while new ones go to the new address', async () => {
    const [first, second] = await upstreams(['127.0.0.2', '127.0.0.3']);
    const { server, resolver } = await dnsServer();
    const name = `logical.${ZONE}`;
    server.set(name, { a: ['127.0.0.2', '127.0.0.3'] });
    const cluster = dnsCluster('LOGICAL_DNS', { resolver, refreshRateMs: 30 });
    cluster.setEndpoints([{ address: name, port: first!.port, weight: 2 }]);
    const [member] = await hostSetWhere(cluster, (endpoints) => endpoints.length === 1);
    expect(member).toMatchObject({ address: name, hostname: name, weight: 2 });

    for (let i = 0; i < 5; i++) {
      expect(await send(cluster)).toBe('127.0.0.2');
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(first!.connections).toBe(1);

    server.set(name, { a: ['127.0.0.3', '127.0.0.2'] });
    const seen = cluster.stats.update_success;
    await until(() => cluster.stats.update_success >= seen + 2);
    // The open keep-alive connection still serves…
    expect(await send(cluster)).toBe('127.0.0.2');
    await new Promise((resolve) => setImmediate(resolve));
    // …and a second concurrent request needs a new connection, which goes to the new address.
    const bodies = await Promise.all([send(cluster), send(cluster)]);
    expect(bodies.sort()).toEqual(['127.0.0.2', '127.0.0.3']);
    expect(second!.connections).toBe(1);
    expect(cluster.members).toHaveLength(1);
    expect(cluster.stats.membership_change).toBe(1); // the DNS change neither rebuilt nor drained anything
  });

  it('takes exactly one endpoint', () => {
    const cluster = dnsCluster('LOGICAL_DNS', {});
    expect(() => cluster.setEndpoints([])).toThrow(InvalidEndpointError);
    expect(() => cluster.setEndpoints([{ address: 'a.test', port: 1 }, { address: 'b.test', port: 1 }])).toThrow(/exactly one/);
  });
});
