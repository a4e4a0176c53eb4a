import { describe, expect, it } from 'vitest';
import { buildMeshModel, compileProxyConfig, loadConfig, parseProxyNode, workloadInstanceOf } from '../src/index.js';
import type { ConfigFile, EnvoyResource, MeshModel, ProxyNode, ProxyResources, WorkloadInstance } from '../src/index.js';
import {
  BOOKINFO_NETWORKING,
  BOOKINFO_PLATFORM,
  BOOKINFO_WORKLOADS,
  GATEWAY_IP,
  GATEWAY_NODE,
  INGRESS_GATEWAY,
  corpusFile,
  localAddress,
  podIp,
  sidecarNode,
} from './bookinfo-fixture.js';

const REVIEWS = 'reviews.default.svc.cluster.local';

function proxyOf(node: Parameters<typeof parseProxyNode>[0]): ProxyNode {
  const proxy = parseProxyNode(node);
  if (!proxy) throw new Error(`not a proxy node: ${node.id}`);
  return proxy;
}

const sidecars = BOOKINFO_WORKLOADS.map((w) => proxyOf(sidecarNode(w)));
const gateway = proxyOf(GATEWAY_NODE);
const workloads: WorkloadInstance[] = [...sidecars, gateway].map(workloadInstanceOf);
const productpage = sidecars[0] as ProxyNode;
const reviewsV2 = sidecars[4] as ProxyNode;

/** Bookinfo's platform manifest, the ingress gateway, all DestinationRules and the given networking files. */
function bookinfoModel(...networking: string[]): MeshModel {
  const files: ConfigFile[] = [
    corpusFile(BOOKINFO_PLATFORM),
    INGRESS_GATEWAY,
    corpusFile(`${BOOKINFO_NETWORKING}/destination-rule-all.yaml`),
    ...networking.map((name) => corpusFile(`${BOOKINFO_NETWORKING}/${name}`)),
  ];
  const { resources, errors } = loadConfig(files);
  expect(errors.map(String)).toEqual([]);
  return buildMeshModel(resources);
}

function named(resources: readonly EnvoyResource[], name: string, key = 'name'): EnvoyResource {
  const found = resources.find((resource) => resource[key] === name);
  if (!found) throw new Error(`no resource ${name} among ${resources.map((r) => String(r[key])).join(', ')}`);
  return found;
}

function virtualHost(resources: ProxyResources, routeConfig: string, name: string): EnvoyResource {
  const hosts = named(resources.routes, routeConfig)['virtual_hosts'] as EnvoyResource[];
  return named(hosts, name);
}

function hcmOf(listener: EnvoyResource): Record<string, unknown> {
  const [chain] = listener['filter_chains'] as { filters: { typed_config: Record<string, unknown> }[] }[];
  const config = chain?.filters[0]?.typed_config;
  if (!config) throw new Error('listener without an HCM');
  return config;
}

describe('bookinfo model', () => {
  const model = bookinfoModel('bookinfo-gateway.yaml', 'virtual-service-all-v1.yaml');

  it('has the four services and the gateway service with FQDNs and ports', () => {
    expect(model.services.map((s) => s.fqdn)).toEqual([
      'details.default.svc.cluster.local',
      'productpage.default.svc.cluster.local',
      'ratings.default.svc.cluster.local',
      REVIEWS,
      'istio-ingressgateway.istio-system.svc.cluster.local',
    ]);
    expect(model.services.find((s) => s.name === 'reviews')?.ports).toEqual([{ port: 9080, name: 'http', targetPort: 9080, protocol: 'HTTP' }]);
    expect(model.services.at(-1)?.ports).toEqual([{ port: 80, name: 'http2', targetPort: 8080, protocol: 'HTTP2' }]);
  });

  it('resolves short hosts by the namespace of the resource, and gateway names likewise', () => {
    expect(model.destinationRules.map((r) => r.host)).toContain(REVIEWS);
    const bookinfo = model.virtualServices.find((vs) => vs.name === 'bookinfo');
    expect(bookinfo?.hosts).toEqual(['*']);
    expect(bookinfo?.gateways).toEqual(['default/bookinfo-gateway']);
    expect(bookinfo?.http[0]?.route[0]).toEqual({ host: 'productpage.default.svc.cluster.local', port: 9080 });
    expect(model.virtualServices.find((vs) => vs.name === 'reviews')?.gateways).toEqual(['mesh']);
  });

  it('has the deployments with their pod labels and service accounts', () => {
    const reviewsV3 = model.deployments.find((d) => d.name === 'reviews-v3');
    expect(reviewsV3).toMatchObject({ namespace: 'default', podLabels: { app: 'reviews', version: 'v3' }, serviceAccount: 'bookinfo-reviews' });
    expect(reviewsV3?.containers[0]?.env).toEqual([{ name: 'LOG_DIR', value: '/tmp/logs' }]);
    expect(model.serviceAccounts.map((a) => a.name)).toEqual(['bookinfo-details', 'bookinfo-productpage', 'bookinfo-ratings', 'bookinfo-reviews']);
  });
});

describe('sidecar resources for bookinfo', () => {
  it('routes reviews to subset v1 with virtual-service-all-v1', () => {
    const out = compileProxyConfig(bookinfoModel('virtual-service-all-v1.yaml'), workloads, productpage);
    const host = virtualHost(out, 'outbound', `${REVIEWS}:9080`);
    expect(host['routes']).toEqual([{ match: { prefix: '/' }, route: { cluster: `outbound|9080|v1|${REVIEWS}`, timeout: '0s' } }]);
  });

  it('sends end-user jason to v2 and everyone else to v1 with virtual-service-reviews-test-v2', () => {
    const out = compileProxyConfig(bookinfoModel('virtual-service-reviews-test-v2.yaml'), workloads, productpage);
    expect(virtualHost(out, 'outbound', `${REVIEWS}:9080`)['routes']).toEqual([
      {
        match: { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] },
        route: { cluster: `outbound|9080|v2|${REVIEWS}`, timeout: '0s' },
      },
      { match: { prefix: '/' }, route: { cluster: `outbound|9080|v1|${REVIEWS}`, timeout: '0s' } },
    ]);
  });

  it('splits 50/50 between v1 and v3 with virtual-service-reviews-50-v3', () => {
    const out = compileProxyConfig(bookinfoModel('virtual-service-reviews-50-v3.yaml'), workloads, productpage);
    expect(virtualHost(out, 'outbound', `${REVIEWS}:9080`)['routes']).toEqual([
      {
        match: { prefix: '/' },
        route: {
          weighted_clusters: {
            clusters: [
              { name: `outbound|9080|v1|${REVIEWS}`, weight: 50 },
              { name: `outbound|9080|v3|${REVIEWS}`, weight: 50 },
            ],
          },
          timeout: '0s',
        },
      },
    ]);
  });

  it('routes everything to v3 with virtual-service-reviews-v3, and other hosts by default', () => {
    const out = compileProxyConfig(bookinfoModel('virtual-service-reviews-v3.yaml'), workloads, productpage);
    expect(virtualHost(out, 'outbound', `${REVIEWS}:9080`)['routes']).toEqual([
      { match: { prefix: '/' }, route: { cluster: `outbound|9080|v3|${REVIEWS}`, timeout: '0s' } },
    ]);
    expect(virtualHost(out, 'outbound', 'ratings.default.svc.cluster.local:9080')['routes']).toEqual([
      { name: 'default', match: { prefix: '/' }, route: { cluster: 'outbound|9080||ratings.default.svc.cluster.local', timeout: '0s' } },
    ]);
  });

  it('does not apply a gateway-bound VirtualService to sidecars', () => {
    const out = compileProxyConfig(bookinfoModel('bookinfo-gateway.yaml'), workloads, reviewsV2);
    const routes = virtualHost(out, 'outbound', 'productpage.default.svc.cluster.local:9080')['routes'] as EnvoyResource[];
    expect(routes.map((r) => r['name'])).toEqual(['default']);
  });

  it('gives each service port a virtual host with every name an app may use; short names only in its namespace', () => {
    const out = compileProxyConfig(bookinfoModel(), workloads, productpage);
    expect(virtualHost(out, 'outbound', `${REVIEWS}:9080`)['domains']).toEqual([
      REVIEWS,
      `${REVIEWS}:9080`,
      'reviews',
      'reviews:9080',
      'reviews.default',
      'reviews.default:9080',
      'reviews.default.svc',
      'reviews.default.svc:9080',
    ]);
    const gatewayHost = virtualHost(out, 'outbound', 'istio-ingressgateway.istio-system.svc.cluster.local:80');
    expect(gatewayHost['domains']).not.toContain('istio-ingressgateway');
    expect(gatewayHost['domains']).toContain('istio-ingressgateway.istio-system:80');
  });

  it('has an EDS cluster per service port and subset, with mTLS to the exact service accounts', () => {
    const out = compileProxyConfig(bookinfoModel(), workloads, productpage);
    const names = out.clusters.map((c) => c['name']);
    expect(names.filter((n) => String(n).endsWith(REVIEWS))).toEqual([
      `outbound|9080|v1|${REVIEWS}`,
      `outbound|9080|v2|${REVIEWS}`,
      `outbound|9080|v3|${REVIEWS}`,
      `outbound|9080||${REVIEWS}`,
    ]);
    const v2 = named(out.clusters, `outbound|9080|v2|${REVIEWS}`);
    expect(v2).toMatchObject({
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' }, service_name: `outbound|9080|v2|${REVIEWS}` },
      lb_policy: 'ROUND_ROBIN',
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          sni: `outbound_.9080_.v2_.${REVIEWS}`,
          common_tls_context: {
            tls_certificate_sds_secret_configs: [
              { name: 'default', sds_config: { api_config_source: { grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] } } },
            ],
            combined_validation_context: {
              default_validation_context: { match_subject_alt_names: [{ exact: 'spiffe://cluster.local/ns/default/sa/bookinfo-reviews' }] },
              validation_context_sds_secret_config: { name: 'ROOTCA' },
            },
          },
        },
      },
    });
    const whole = named(out.clusters, `outbound|9080||${REVIEWS}`);
    expect(JSON.stringify(whole)).toContain(`"sni":"outbound_.9080_._.${REVIEWS}"`);
  });

  it('puts endpoints in each subset by its labels, at podIP:targetPort', () => {
    const out = compileProxyConfig(bookinfoModel(), workloads, productpage);
    const addresses = (clusterName: string): string[] => {
      const assignment = named(out.endpoints, clusterName, 'cluster_name') as {
        endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string; port_value: number } } } }[] }[];
      };
      return assignment.endpoints.flatMap((group) =>
        group.lb_endpoints.map(({ endpoint }) => `${endpoint.address.socket_address.address}:${endpoint.address.socket_address.port_value}`),
      );
    };
    expect(addresses(`outbound|9080|v1|${REVIEWS}`)).toEqual([`${podIp(4)}:9080`]);
    expect(addresses(`outbound|9080|v3|${REVIEWS}`)).toEqual([`${podIp(6)}:9080`]);
    expect(addresses(`outbound|9080||${REVIEWS}`)).toEqual([`${podIp(4)}:9080`, `${podIp(5)}:9080`, `${podIp(6)}:9080`]);
    // No workload carries version v2-mysql.
    expect(addresses('outbound|9080|v2-mysql|ratings.default.svc.cluster.local')).toEqual([]);
    expect(addresses('outbound|80||istio-ingressgateway.istio-system.svc.cluster.local')).toEqual([`${GATEWAY_IP}:8080`]);
  });

  it('has an mTLS inbound listener per port of the services selecting the workload, to the app on its local address', () => {
    const out = compileProxyConfig(bookinfoModel(), workloads, reviewsV2);
    const inbound = named(out.listeners, `${podIp(5)}_9080`);
    expect(inbound['address']).toEqual({ socket_address: { address: podIp(5), port_value: 9080 } });
    expect(inbound['traffic_direction']).toBe('INBOUND');
    const [chain] = inbound['filter_chains'] as EnvoyResource[];
    expect(chain?.['transport_socket']).toMatchObject({
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
        require_client_certificate: true,
        common_tls_context: {
          tls_certificate_sds_secret_configs: [{ name: 'default' }],
          combined_validation_context: {
            default_validation_context: { match_subject_alt_names: [{ prefix: 'spiffe://cluster.local/' }] },
            validation_context_sds_secret_config: { name: 'ROOTCA' },
          },
        },
      },
    });
    const hcm = hcmOf(inbound);
    expect(hcm).toMatchObject({ codec_type: 'AUTO', normalize_path: true, forward_client_cert_details: 'APPEND_FORWARD', route_config: { name: 'inbound|9080||' } });
    expect(JSON.stringify(hcm['route_config'])).toContain('"cluster":"inbound|9080||"');
    expect((hcm['http_filters'] as EnvoyResource[]).map((f) => f['name'])).toEqual(['istio.metadata_exchange', 'istio.stats', 'envoy.filters.http.router']);
    expect(hcm['http_filters']).toMatchObject([
      { typed_config: { type_url: 'type.googleapis.com/io.istio.http.peer_metadata.Config' } },
      { typed_config: { '@type': 'type.googleapis.com/xds.type.v3.TypedStruct', type_url: 'type.googleapis.com/stats.PluginConfig', value: { reporter: 'destination' } } },
      { typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
    ]);
    expect(named(out.clusters, 'inbound|9080||')).toEqual({
      name: 'inbound|9080||',
      type: 'STATIC',
      connect_timeout: '10s',
      lb_policy: 'ROUND_ROBIN',
      load_assignment: {
        cluster_name: 'inbound|9080||',
        endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: localAddress(5), port_value: 9080 } } } }] }],
      },
    });
  });

  it('has virtualOutbound on the local address with RDS outbound', () => {
    const out = compileProxyConfig(bookinfoModel(), workloads, reviewsV2);
    expect(out.listeners.map((l) => l['name'])).toEqual([`${podIp(5)}_9080`, 'virtualOutbound']);
    const outbound = named(out.listeners, 'virtualOutbound');
    expect(outbound['address']).toEqual({ socket_address: { address: localAddress(5), port_value: 15001 } });
    expect(outbound['traffic_direction']).toBe('OUTBOUND');
    const hcm = hcmOf(outbound);
    expect(hcm['rds']).toEqual({ config_source: { ads: {}, resource_api_version: 'V3' }, route_config_name: 'outbound' });
    expect(hcm['http_filters']).toMatchObject([{}, { typed_config: { value: { reporter: 'source' } } }, {}]);
    expect(out.routes.map((r) => r['name'])).toEqual(['outbound']);
  });

  it('is deterministic whatever order files and workloads arrive in', () => {
    const files = ['virtual-service-reviews-50-v3.yaml', 'bookinfo-gateway.yaml'];
    const forward = compileProxyConfig(bookinfoModel(...files), workloads, productpage);
    const reversed = compileProxyConfig(bookinfoModel(...[...files].reverse()), [...workloads].reverse(), productpage);
    expect(reversed).toEqual(forward);
    expect(JSON.stringify(reversed)).toBe(JSON.stringify(forward));
    const sorted = (list: EnvoyResource[], key = 'name'): string[] => list.map((r) => String(r[key]));
    expect(sorted(forward.clusters)).toEqual([...sorted(forward.clusters)].sort());
    expect(sorted(forward.endpoints, 'cluster_name')).toEqual(sorted(forward.clusters).filter((n) => n.startsWith('outbound')));
  });
});

describe('gateway resources for bookinfo', () => {
  const out = compileProxyConfig(bookinfoModel('bookinfo-gateway.yaml'), workloads, gateway);

  it('listens on the pod IP at the target port with RDS http.<port>', () => {
    expect(out.listeners.map((l) => l['name'])).toEqual(['0.0.0.0_8080']);
    const [listener] = out.listeners;
    expect(listener?.['address']).toEqual({ socket_address: { address: GATEWAY_IP, port_value: 8080 } });
    expect(listener?.['traffic_direction']).toBe('OUTBOUND');
    expect(hcmOf(listener ?? {})['rds']).toMatchObject({ route_config_name: 'http.8080' });
  });

  it('routes the bookinfo paths to productpage, one Envoy route per match', () => {
    expect(out.routes.map((r) => r['name'])).toEqual(['http.8080']);
    const host = virtualHost(out, 'http.8080', '*:8080');
    expect(host['domains']).toEqual(['*']);
    const cluster = 'outbound|9080||productpage.default.svc.cluster.local';
    expect(host['routes']).toEqual([
      { match: { path: '/productpage' }, route: { cluster, timeout: '0s' } },
      { match: { prefix: '/static' }, route: { cluster, timeout: '0s' } },
      { match: { path: '/login' }, route: { cluster, timeout: '0s' } },
      { match: { path: '/logout' }, route: { cluster, timeout: '0s' } },
      { match: { prefix: '/api/v1/products' }, route: { cluster, timeout: '0s' } },
    ]);
  });

  it('carries every outbound cluster and its endpoints, and nothing inbound', () => {
    expect(out.clusters.some((c) => String(c['name']).startsWith('inbound'))).toBe(false);
    expect(named(out.clusters, 'outbound|9080||productpage.default.svc.cluster.local')['type']).toBe('EDS');
    expect(out.endpoints).toHaveLength(out.clusters.length);
  });

  it('has no listeners for a router no Gateway selects', () => {
    const other = proxyOf({ ...GATEWAY_NODE, metadata: { ...GATEWAY_NODE.metadata, LABELS: { istio: 'egressgateway' } } });
    const result = compileProxyConfig(bookinfoModel('bookinfo-gateway.yaml'), workloads, other);
    expect(result.listeners).toEqual([]);
    expect(result.routes).toEqual([]);
  });
});
