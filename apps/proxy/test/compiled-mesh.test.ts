import { CertificateAuthority, WorkloadIdentity, spiffeIdFor } from '@meshkit/identity';
import { beforeAll, describe, expect, it } from 'vitest';
import { translateCluster } from '../src/xds/cluster-translator.js';
import { translateClusterLoadAssignment } from '../src/xds/endpoint-translator.js';
import { translateListener } from '../src/xds/listener-translator.js';
import { translateRouteConfiguration } from '../src/xds/route-translator.js';
import { proxyFilterRegistry } from './support/filter-registry.js';
import { hcmOf } from './support/listener-spec.js';
import { buildMeshModel, compileProxyConfig, parseConfigFile, parseProxyNode, workloadInstanceOf } from './support/mesh-config.js';
import type { ProxyNode } from './support/mesh-config.js';

const MESH = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: reviews, namespace: shop}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: v1
kind: Service
metadata: {name: ingress, namespace: shop}
spec:
  selector: {istio: ingress}
  ports: [{name: http, port: 80, targetPort: 8080}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: shop}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: shop}
spec:
  hosts: [reviews]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: reviews, subset: v2}}]
    timeout: 2s
  - route:
    - {destination: {host: reviews, subset: v1}, weight: 80}
    - {destination: {host: reviews, subset: v2}, weight: 20}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: shop-gateway, namespace: shop}
spec:
  selector: {istio: ingress}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web-ingress, namespace: shop}
spec:
  hosts: ["*"]
  gateways: [shop-gateway]
  http:
  - match: [{uri: {prefix: /shop}}]
    route: [{destination: {host: web, port: {number: 80}}}]
`;

function node(id: string, metadata: Record<string, unknown>): ProxyNode {
  const parsed = parseProxyNode({ id, metadata });
  if (parsed === null) throw new Error(`not an Istio node id: ${id}`);
  return parsed;
}

const webNode = node('sidecar~127.10.1.1~web.shop~shop.svc.cluster.local', {
  NAMESPACE: 'shop',
  SERVICE_ACCOUNT: 'web',
  LABELS: { app: 'web' },
  MESHKIT_LOCAL_ADDRESS: '127.10.2.1',
});
const reviewsV1 = node('sidecar~127.10.1.2~reviews-v1.shop~shop.svc.cluster.local', { NAMESPACE: 'shop', SERVICE_ACCOUNT: 'reviews', LABELS: { app: 'reviews', version: 'v1' }, MESHKIT_LOCAL_ADDRESS: '127.10.2.2' });
const reviewsV2 = node('sidecar~127.10.1.3~reviews-v2.shop~shop.svc.cluster.local', { NAMESPACE: 'shop', SERVICE_ACCOUNT: 'reviews', LABELS: { app: 'reviews', version: 'v2' }, MESHKIT_LOCAL_ADDRESS: '127.10.2.3' });
const gatewayNode = node('router~127.10.0.2~ingress.shop~shop.svc.cluster.local', { NAMESPACE: 'shop', SERVICE_ACCOUNT: 'ingress', LABELS: { istio: 'ingress' } });

describe('translating what @meshkit/config compiles', () => {
  const model = buildMeshModel(parseConfigFile(MESH, 'mesh.yaml'));
  const workloads = [webNode, reviewsV1, reviewsV2].map(workloadInstanceOf);
  let secrets: { identity: WorkloadIdentity };
  beforeAll(async () => {
    const ca = await CertificateAuthority.create();
    const spiffeId = spiffeIdFor({ namespace: 'shop', serviceAccount: 'web' });
    secrets = { identity: await WorkloadIdentity.issue(spiffeId, (csr) => ca.sign(csr, { spiffeId }), ca.rootCertPem) };
  });

  function translateAll(proxy: ProxyNode) {
    const resources = compileProxyConfig(model, workloads, proxy);
    const httpFilters = proxyFilterRegistry();
    return {
      resources,
      listeners: resources.listeners.map((l) => translateListener(l, { secrets, httpFilters })),
      clusters: resources.clusters.map((c) => translateCluster(c, secrets)),
      routes: resources.routes.map((r) => translateRouteConfiguration(r)),
      endpoints: resources.endpoints.map((e) => translateClusterLoadAssignment(e)),
    };
  }

  it('translates every resource of a sidecar', () => {
    const out = translateAll(webNode);
    expect(out.listeners.length).toBe(out.resources.listeners.length);

    const inbound = out.listeners.find((l) => l.trafficDirection === 'INBOUND');
    expect(inbound).toMatchObject({ name: '127.10.1.1_80', host: '127.10.1.1', port: 80 });
    // mTLS from the SDS identity: the client must present a mesh certificate.
    expect(inbound?.filterChains[0]?.tls?.options).toMatchObject({ requestCert: true });
    expect(inbound?.filterChains[0]?.tls?.allowedClients).toEqual({ prefix: 'spiffe://cluster.local/' });
    expect(inbound === undefined ? [] : hcmOf(inbound).filters).toHaveLength(3);
    const outbound = out.listeners.find((l) => l.name === 'virtualOutbound');
    expect(outbound).toMatchObject({ host: '127.10.2.1', port: 15001, trafficDirection: 'OUTBOUND' });
    expect(outbound?.filterChains[0]?.tls).toBeUndefined();
    expect(outbound === undefined ? undefined : hcmOf(outbound).routes).toEqual({ kind: 'rds', name: 'outbound', initialFetchTimeoutMs: expect.any(Number) as number });

    const inboundCluster = out.clusters.find((c) => c.name === 'inbound|80||');
    expect(inboundCluster).toMatchObject({ type: 'STATIC', endpoints: [{ address: '127.10.2.1', port: 8080, weight: 1, healthy: true }] });
    const v2 = out.clusters.find((c) => c.name === 'outbound|9080|v2|reviews.shop.svc.cluster.local');
    expect(v2).toMatchObject({ type: 'EDS', edsServiceName: 'outbound|9080|v2|reviews.shop.svc.cluster.local' });
    expect(v2?.tls?.servername).toBe('outbound_.9080_.v2_.reviews.shop.svc.cluster.local');

    const v2Endpoints = out.endpoints.find((e) => e.clusterName === 'outbound|9080|v2|reviews.shop.svc.cluster.local');
    expect(v2Endpoints?.endpoints).toEqual([{ address: '127.10.1.3', port: 9080, weight: 1, healthy: true }]);

    const outboundTable = out.routes.find((r) => r.name === 'outbound')?.table;
    const jason = outboundTable?.match({ authority: 'reviews:9080', path: '/reviews/1', method: 'GET', headers: { 'end-user': 'jason' } });
    expect(jason?.route.action).toMatchObject({ type: 'cluster', cluster: 'outbound|9080|v2|reviews.shop.svc.cluster.local' });
    expect(jason?.route.timeoutMs).toBe(2000);
    const anyone = outboundTable?.match({ authority: 'reviews.shop.svc.cluster.local:9080', path: '/', method: 'GET', headers: {} });
    expect(anyone?.route.action).toMatchObject({ type: 'weighted' });
    const web = outboundTable?.match({ authority: 'web', path: '/', method: 'GET', headers: {} });
    expect(web?.route.action).toMatchObject({ type: 'cluster', cluster: 'outbound|80||web.shop.svc.cluster.local' });
    // The compiler's "no timeout" (0s) must stay "no timeout", not become an instant one.
    expect(web?.route.timeoutMs).toBe(0);
  });

  it('translates every resource of a gateway', () => {
    const out = translateAll(gatewayNode);
    expect(out.listeners.map((l) => [l.name, l.host, l.port, hcmOf(l).routes])).toEqual([
      ['0.0.0.0_8080', '127.10.0.2', 8080, { kind: 'rds', name: 'http.8080', initialFetchTimeoutMs: expect.any(Number) as number }],
    ]);
    const table = out.routes.find((r) => r.name === 'http.8080')?.table;
    expect(table?.match({ authority: 'shop.example', path: '/shop/cart', method: 'GET', headers: {} })?.route.action).toMatchObject({
      cluster: 'outbound|80||web.shop.svc.cluster.local',
    });
    expect(table?.match({ authority: 'shop.example', path: '/elsewhere', method: 'GET', headers: {} })).toBeNull();
    expect(out.clusters.every((c) => c.type === 'EDS')).toBe(true);
  });
});
