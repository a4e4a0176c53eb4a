import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CertificateClient, requestIdentity, spiffeIdsOfCertificate } from '@meshkit/identity';
import { AdsClient, TYPE_URLS } from '@meshkit/xds';
import type { EnvoyResource } from '@meshkit/xds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane } from '../src/index.js';
import type { RunningControlPlane } from '../src/index.js';
import { REVIEWS_RULE, SERVICES, reviewsRoute } from './fixtures.js';

const REVIEWS_V2 = 'outbound|9080|v2|reviews.shop.svc.cluster.local';
const REVIEWS_V1 = 'outbound|9080|v1|reviews.shop.svc.cluster.local';

/** An ADS client subscribed the way a sidecar is: LDS/CDS wildcard, then the RDS/EDS names they use. */
class TestSidecar {
  readonly latest = new Map<string, { version: string; resources: EnvoyResource[] }>();
  readonly client: AdsClient;

  constructor(address: string, workload: string, ip: string, labels: Record<string, string>) {
    this.client = new AdsClient({
      address,
      node: {
        id: `sidecar~${ip}~${workload}.shop~shop.svc.cluster.local`,
        cluster: `${labels['app'] ?? workload}.shop`,
        metadata: { NAMESPACE: 'shop', LABELS: labels, SERVICE_ACCOUNT: labels['app'] ?? workload, WORKLOAD_NAME: workload, INSTANCE_IPS: ip, MESHKIT_LOCAL_ADDRESS: ip.replace('.1.', '.2.') },
      },
      backoff: { initialDelayMs: 50, maxDelayMs: 200 },
    });
    const record = (typeUrl: string) => (resources: EnvoyResource[], version: string) => this.latest.set(typeUrl, { version, resources });
    this.client.watch(TYPE_URLS.cluster, [], (resources, version) => {
      record(TYPE_URLS.cluster)(resources, version);
      const eds = resources.filter((c) => c['type'] === 'EDS').map((c) => String(c['name']));
      this.client.watch(TYPE_URLS.endpoint, eds, record(TYPE_URLS.endpoint));
    });
    this.client.watch(TYPE_URLS.listener, [], record(TYPE_URLS.listener));
    this.client.watch(TYPE_URLS.route, ['outbound'], record(TYPE_URLS.route));
    this.client.start();
  }

  resources(typeUrl: string): EnvoyResource[] {
    return this.latest.get(typeUrl)?.resources ?? [];
  }

  endpointsOf(cluster: string): string[] {
    const cla = this.resources(TYPE_URLS.endpoint).find((e) => e['cluster_name'] === cluster) as
      | { endpoints?: { lb_endpoints: { endpoint: { address: { socket_address: { address: string; port_value: number } } } }[] }[] }
      | undefined;
    return (cla?.endpoints ?? []).flatMap((g) => g.lb_endpoints.map((e) => `${e.endpoint.address.socket_address.address}:${e.endpoint.address.socket_address.port_value}`));
  }

  /** The cluster the outbound route config sends `reviews` traffic to. */
  reviewsRouteCluster(): unknown {
    const outbound = this.resources(TYPE_URLS.route).find((r) => r['name'] === 'outbound') as { virtual_hosts: { name: string; routes: { route?: unknown }[] }[] } | undefined;
    return outbound?.virtual_hosts.find((v) => v.name === 'reviews.shop.svc.cluster.local:9080')?.routes[0]?.route;
  }
}

async function eventually(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('startControlPlane', () => {
  let dir: string;
  let plane: RunningControlPlane;
  let web: TestSidecar;
  let reviews: TestSidecar;
  const logs: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'meshkit-controlplane-'));
    writeFileSync(path.join(dir, 'mesh.yaml'), `${SERVICES}---\n${REVIEWS_RULE}---\n${reviewsRoute('v1')}`);
    plane = await startControlPlane({ configDir: dir, grpcAddress: '127.0.0.1:0', httpAddress: '127.0.0.1:0', log: (m) => logs.push(m) });
  });

  afterAll(async () => {
    web?.client.close();
    reviews?.client.close();
    await plane.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const api = (pathname: string, init?: RequestInit) => fetch(`http://${plane.httpAddress}${pathname}`, init);

  it('compiles and pushes listeners, clusters, routes and endpoints for a connecting sidecar', async () => {
    web = new TestSidecar(plane.grpcAddress, 'web', '127.10.1.1', { app: 'web' });
    await eventually(() => web.latest.has(TYPE_URLS.listener) && web.latest.has(TYPE_URLS.route) && web.latest.has(TYPE_URLS.endpoint), 'the first push');
    expect(web.resources(TYPE_URLS.listener).map((l) => l['name'])).toEqual(['127.10.1.1_80', 'virtualOutbound']);
    expect(web.resources(TYPE_URLS.cluster).map((c) => c['name'])).toEqual(
      expect.arrayContaining(['inbound|80||', REVIEWS_V1, REVIEWS_V2, 'outbound|80||web.shop.svc.cluster.local']),
    );
    expect(web.reviewsRouteCluster()).toMatchObject({ cluster: REVIEWS_V1 });
    // web registered itself: it is the endpoint of its own service.
    expect(web.endpointsOf('outbound|80||web.shop.svc.cluster.local')).toEqual(['127.10.1.1:8080']);
    expect(web.endpointsOf(REVIEWS_V2)).toEqual([]);
  });

  it("adds a second sidecar's workload to the first one's endpoints", async () => {
    reviews = new TestSidecar(plane.grpcAddress, 'reviews-v2', '127.10.1.2', { app: 'reviews', version: 'v2' });
    await eventually(() => web.endpointsOf(REVIEWS_V2).length === 1, "reviews-v2 in web's EDS");
    expect(web.endpointsOf(REVIEWS_V2)).toEqual(['127.10.1.2:9080']);
    expect(web.endpointsOf(REVIEWS_V1)).toEqual([]);
    const registry = (await (await api('/debug/registry')).json()) as { name: string; ip: string }[];
    expect(registry.map((w) => [w.name, w.ip]).sort()).toEqual([['reviews-v2', '127.10.1.2'], ['web', '127.10.1.1']]);
  });

  it('shows ACKs per proxy and type on /debug/syncz', async () => {
    const webId = 'sidecar~127.10.1.1~web.shop~shop.svc.cluster.local';
    type Status = { id: string; acked: Record<string, string>; nacked: Record<string, string> };
    let status: Status | undefined;
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      status = ((await (await api('/debug/syncz')).json()) as Status[]).find((s) => s.id === webId);
      // Each type is ACKed at the version that last changed it, so only presence is checked.
      if (status !== undefined && Object.keys(status.acked).length === 4) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(Object.keys(status?.acked ?? {}).sort()).toEqual([TYPE_URLS.cluster, TYPE_URLS.endpoint, TYPE_URLS.listener, TYPE_URLS.route].sort());
    expect(status?.nacked).toEqual({});
  });

  it('POST /apply with a VirtualService changes the route pushed', async () => {
    const res = await api('/apply?file=reviews-v2.yaml', { method: 'POST', body: reviewsRoute('v2') });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ applied: ['virtualservice.networking.istio.io/reviews configured'] });
    await eventually(() => (web.reviewsRouteCluster() as { cluster?: string } | undefined)?.cluster === REVIEWS_V2, 'the route to v2');
  });

  it('POST /apply with invalid YAML answers 400 naming line and field, and changes nothing', async () => {
    const versionBefore = web.latest.get(TYPE_URLS.route)?.version;
    const bad = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: reviews, namespace: shop}\nspec:\n  hosts: [reviews]\n  http:\n  - route: [{destination: {host: reviews, subset: v1}, weight: -5}]\n';
    const res = await api('/apply?file=bad.yaml', { method: 'POST', body: bad });
    expect(res.status).toBe(400);
    const { errors } = (await res.json()) as { errors: string[] };
    expect(errors[0]).toMatch(/^bad\.yaml:7:\d+: .*spec\.http\[0\]\.route\[0\]\.weight/);
    const broken = await api('/apply?file=broken.yaml', { method: 'POST', body: 'kind: [unclosed\n' });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { errors: string[] }).errors[0]).toMatch(/^broken\.yaml:\d+:\d+: /);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(web.latest.get(TYPE_URLS.route)?.version).toBe(versionBefore);
    expect(web.reviewsRouteCluster()).toMatchObject({ cluster: REVIEWS_V2 });
    expect((await api('/apply')).status).toBe(405);
  });

  it('answers an oversized /apply with 413 rather than a reset connection', async () => {
    const res = await api('/apply', { method: 'POST', body: 'x'.repeat(5 * 1024 * 1024) });
    expect(res.status).toBe(413);
  });

  it("signs a CSR for the node's SPIFFE ID over the same gRPC port", async () => {
    const client = new CertificateClient(plane.grpcAddress);
    try {
      const identity = await requestIdentity(client, 'spiffe://cluster.local/ns/shop/sa/web');
      expect(identity.spiffeId).toBe('spiffe://cluster.local/ns/shop/sa/web');
      expect(identity.rootCertPem).toBe(plane.ca.rootCertPem);
      const leaf = new X509Certificate(identity.certChainPem[0] ?? '');
      expect(spiffeIdsOfCertificate(leaf)).toEqual(['spiffe://cluster.local/ns/shop/sa/web']);
      expect(leaf.verify(new X509Certificate(plane.ca.rootCertPem).publicKey)).toBe(true);
    } finally {
      client.close();
    }
  });

  it('closes promptly while proxies are still connected', async () => {
    const other = await startControlPlane({ configDir: dir, grpcAddress: '127.0.0.1:0', httpAddress: '127.0.0.1:0', log: () => undefined });
    const sidecar = new TestSidecar(other.grpcAddress, 'web', '127.10.1.1', { app: 'web' });
    try {
      await eventually(() => sidecar.latest.has(TYPE_URLS.listener), 'a push from the second control plane');
      const outcome = await Promise.race([other.close().then(() => 'closed'), new Promise((resolve) => setTimeout(() => resolve('still open after 5 s'), 5000))]);
      expect(outcome).toBe('closed');
    } finally {
      sidecar.client.close();
    }
  });
});
