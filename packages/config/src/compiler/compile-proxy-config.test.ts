import { describe, expect, it } from 'vitest';
import { buildMeshModel } from '../model/build-mesh-model.js';
import { parseConfigFile } from '../parse/parse-config-file.js';
import type { ProxyNode } from '../proxy/proxy-node.js';
import type { WorkloadInstance } from '../proxy/workload-instance.js';
import { validateResource } from '../validate/validate-resource.js';
import { compileProxyConfig } from './compile-proxy-config.js';
import type { EnvoyResource } from './envoy-shapes.js';

const PLATFORM = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: grpc-admin, port: 9000}
  - {name: tcp-db, port: 5432}
---
apiVersion: v1
kind: Service
metadata: {name: edge, namespace: gw}
spec:
  selector: {istio: edge}
  ports:
  - {name: http, port: 80, targetPort: 8081}
`;

function modelOf(networking: string) {
  const resources = parseConfigFile(`${PLATFORM}---\n${networking}`, 'test.yaml');
  for (const resource of resources) validateResource(resource);
  return buildMeshModel(resources);
}

const client: ProxyNode = {
  type: 'sidecar',
  id: 'sidecar~127.10.1.9~client.shop~shop.svc.cluster.local',
  ip: '127.10.1.9',
  localAddress: '127.10.2.9',
  namespace: 'shop',
  workloadName: 'client',
  serviceAccount: 'client',
  labels: { app: 'client' },
};
const edge: ProxyNode = { type: 'router', id: 'router~127.10.0.2~edge.gw~gw.svc.cluster.local', ip: '127.10.0.2', namespace: 'gw', workloadName: 'edge', serviceAccount: 'edge', labels: { istio: 'edge' } };
const web: WorkloadInstance = { name: 'web', namespace: 'shop', labels: { app: 'web' }, serviceAccount: 'web', ip: '127.10.1.1' };
const WEB = 'web.shop.svc.cluster.local';

function hostRoutes(routes: EnvoyResource[], config: string, host: string): EnvoyResource[] {
  const routeConfig = routes.find((r) => r['name'] === config);
  const virtualHost = (routeConfig?.['virtual_hosts'] as EnvoyResource[] | undefined)?.find((h) => h['name'] === host);
  if (!virtualHost) throw new Error(`no virtual host ${host} in ${config}`);
  return virtualHost['routes'] as EnvoyResource[];
}

describe('compileProxyConfig: VirtualService features', () => {
  const model = modelOf(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  gateways: [mesh, gw/edge]
  http:
  - name: api
    match:
    - uri: {regex: "^/api/v[0-9]+/.*"}
      method: {exact: POST}
      queryParams:
        debug: {exact: "1"}
    - uri: {prefix: /API}
      ignoreUriCase: true
      authority: {prefix: shop.example}
    rewrite: {uri: /v2/}
    timeout: 2.5s
    route:
    - destination: {host: web, port: {number: 80}}
  - match:
    - port: 9000
    route:
    - destination: {host: web}
  - route:
    - destination: {host: web, subset: blue}
      weight: 100
    - destination: {host: web, subset: green}
      weight: 0
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: gw}
spec:
  selector: {istio: edge}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["shop/*"]
  - port: {number: 443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: edge-cert}
`);

  it('translates regex, method, query, authority and case-insensitive matches, rewrite and timeout', () => {
    const { routes } = compileProxyConfig(model, [web], client);
    const [first, second] = hostRoutes(routes, 'outbound', `${WEB}:80`);
    expect(first).toEqual({
      name: 'api',
      match: {
        safe_regex: { regex: '^/api/v[0-9]+/.*' },
        headers: [{ name: ':method', string_match: { exact: 'POST' } }],
        query_parameters: [{ name: 'debug', string_match: { exact: '1' } }],
      },
      route: { cluster: `outbound|80||${WEB}`, prefix_rewrite: '/v2/', timeout: '2.5s' },
    });
    expect(second).toEqual({
      name: 'api',
      match: { prefix: '/API', case_sensitive: false, headers: [{ name: ':authority', string_match: { prefix: 'shop.example' } }] },
      route: { cluster: `outbound|80||${WEB}`, prefix_rewrite: '/v2/', timeout: '2.5s' },
    });
  });

  it('keeps a port-bound match to its port and resolves an unnamed port to the one traffic came in on', () => {
    const { routes } = compileProxyConfig(model, [web], client);
    const on80 = hostRoutes(routes, 'outbound', `${WEB}:80`);
    const on9000 = hostRoutes(routes, 'outbound', `${WEB}:9000`);
    expect(on80).toHaveLength(3);
    expect(on9000).toHaveLength(4);
    expect(on9000[2]).toEqual({ match: { prefix: '/' }, route: { cluster: `outbound|9000||${WEB}`, timeout: '0s' } });
  });

  it('drops a zero-weight destination and uses a plain cluster for the one left', () => {
    const { routes } = compileProxyConfig(model, [web], client);
    expect(hostRoutes(routes, 'outbound', `${WEB}:80`)[2]).toEqual({
      match: { prefix: '/' },
      route: { cluster: `outbound|80|blue|${WEB}`, timeout: '0s' },
    });
  });

  it('leaves TCP ports out of HTTP routing but still gives them a cluster', () => {
    const { routes, clusters } = compileProxyConfig(model, [web], client);
    expect(() => hostRoutes(routes, 'outbound', `${WEB}:5432`)).toThrow(/no virtual host/);
    expect(clusters.map((c) => c['name'])).toContain(`outbound|5432||${WEB}`);
  });

  it("maps a gateway server port to its Service's targetPort and serves only plain HTTP servers", () => {
    const { listeners, routes } = compileProxyConfig(model, [web], edge);
    expect(listeners.map((l) => l['name'])).toEqual(['0.0.0.0_8081']);
    expect(routes.map((r) => r['name'])).toEqual(['http.8081']);
    const virtualHosts = routes[0]?.['virtual_hosts'] as EnvoyResource[];
    expect(virtualHosts.map((h) => [h['name'], h['domains']])).toEqual([[`${WEB}:80`, [WEB, `${WEB}:80`]]]);
    expect((virtualHosts[0]?.['routes'] as EnvoyResource[]).length).toBe(3);
  });

  it('does not expose a VirtualService from a namespace the server does not admit', () => {
    const other = modelOf(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  gateways: [gw/edge]
  http:
  - route:
    - destination: {host: web}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: edge, namespace: gw}
spec:
  selector: {istio: edge}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["./*"]
`);
    const { routes } = compileProxyConfig(other, [web], edge);
    expect(routes[0]?.['virtual_hosts']).toEqual([]);
    // And the sidecar, not bound via mesh, routes web by default.
    expect(hostRoutes(compileProxyConfig(other, [web], client).routes, 'outbound', `${WEB}:80`)[0]?.['name']).toBe('default');
  });
});
