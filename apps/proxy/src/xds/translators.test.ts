import { CertificateAuthority, WorkloadIdentity, spiffeIdFor } from '@meshkit/identity';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResourceError } from '../errors.js';
import { ROUTER_FILTER, ROUTE_CONFIG, httpListener, staticCluster } from '../../test/support/static-bootstrap.js';
import { proxyFilterRegistry, proxyNetworkFilterRegistry } from '../../test/support/filter-registry.js';
import { hcmOf } from '../../test/support/listener-spec.js';
import { translateCluster } from './cluster-translator.js';
import { translateClusterLoadAssignment } from './endpoint-translator.js';
import { translateListener } from './listener-translator.js';
import { translateRouteConfiguration } from './route-translator.js';

const NO_IDENTITY = { identity: undefined };
const UPSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const DOWNSTREAM_TLS = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext';

function refusalOf(translate: () => unknown): string {
  try {
    translate();
  } catch (error) {
    expect(error).toBeInstanceOf(ResourceError);
    return (error as Error).message;
  }
  throw new Error('the resource was accepted');
}

function route(table: ReturnType<typeof translateRouteConfiguration>['table'], authority: string, path: string) {
  return table.match({ authority, path, method: 'GET', headers: {} })?.route ?? null;
}

const sds = (name: string) => ({ name, sds_config: { api_config_source: { api_type: 'GRPC', grpc_services: [{ envoy_grpc: { cluster_name: 'sds-grpc' } }] } } });

describe('translateRouteConfiguration', () => {
  it('compiles virtual hosts, prefix routes, rewrites, timeouts and direct responses', () => {
    const { name, table } = translateRouteConfiguration(ROUTE_CONFIG);
    expect(name).toBe('local');
    expect(route(table, 'alpha.test', '/x')?.action).toMatchObject({ type: 'cluster', cluster: 'alpha' });
    const beta = route(table, 'other.test', '/beta/y');
    expect(beta?.action).toMatchObject({ type: 'cluster', cluster: 'beta' });
    expect(beta).toMatchObject({ prefixRewrite: '/', timeoutMs: 5000 });
    expect(route(table, 'other.test', '/nothing')?.action).toMatchObject({ type: 'direct', status: 404 });
  });

  it('reads durations: fractions, zero as "no timeout", and sub-millisecond values rounded up', () => {
    const withTimeout = (timeout: string) =>
      translateRouteConfiguration({ name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c', timeout } }] }] });
    expect(route(withTimeout('1.5s').table, 'h', '/')?.timeoutMs).toBe(1500);
    expect(route(withTimeout('0s').table, 'h', '/')?.timeoutMs).toBe(0);
    expect(route(withTimeout('0.0004s').table, 'h', '/')?.timeoutMs).toBe(1);
    expect(refusalOf(() => withTimeout('15000ms'))).toBe('RouteConfiguration r: virtual_hosts[0].routes[0].route.timeout: expected a non-negative duration like "1.5s"');
    expect(refusalOf(() => withTimeout('-1s'))).toContain('route.timeout: expected a non-negative duration');
  });

  it('matches headers, exact paths and weighted clusters', () => {
    const { table } = translateRouteConfiguration({
      name: 'r',
      virtual_hosts: [
        {
          name: 'v',
          domains: ['*'],
          routes: [
            { match: { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] }, route: { cluster: 'v2' } },
            { match: { path: '/split' }, route: { weighted_clusters: { clusters: [{ name: 'a', weight: 0 }, { name: 'b', weight: 100 }] } } },
            { match: { prefix: '/' }, route: { cluster: 'v1' } },
          ],
        },
      ],
    });
    expect(table.match({ authority: 'h', path: '/', method: 'GET', headers: { 'end-user': 'jason' } })?.route.action).toMatchObject({ cluster: 'v2' });
    expect(route(table, 'h', '/')?.action).toMatchObject({ cluster: 'v1' });
    expect(route(table, 'h', '/split')?.action).toMatchObject({ type: 'weighted' });
  });

  it('refuses unsupported fields, naming the route config and the field path', () => {
    const config = structuredClone(ROUTE_CONFIG) as { virtual_hosts: { routes: Record<string, unknown>[] }[] };
    (config.virtual_hosts[1]?.routes[0]?.['route'] as Record<string, unknown>)['retry_policy'] = { num_retries: 2 };
    expect(refusalOf(() => translateRouteConfiguration(config))).toBe(
      'RouteConfiguration local: virtual_hosts[1].routes[0].route.retry_policy: is not supported by this proxy yet',
    );
    expect(refusalOf(() => translateRouteConfiguration({ name: 'q', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', query_parameters: [] }, route: { cluster: 'c' } }] }] }))).toBe(
      'RouteConfiguration q: virtual_hosts[0].routes[0].match.query_parameters: is not supported by this proxy',
    );
    expect(refusalOf(() => translateRouteConfiguration({ virtual_hosts: [] }))).toBe('RouteConfiguration: name: expected a string');
  });

  it("reports the router's own rejections under Envoy's field names", () => {
    const message = refusalOf(() =>
      translateRouteConfiguration({ name: 'bad', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { safe_regex: { regex: '(' } }, route: { cluster: 'c' } }] }] }),
    );
    expect(message).toMatch(/^RouteConfiguration bad: virtual_hosts\[0\]\.routes\[0\]\.match\.safe_regex(\.regex)?: /);
  });
});

describe('translateCluster and translateClusterLoadAssignment', () => {
  it('translates a STATIC cluster with its endpoints and connect timeout', () => {
    const spec = translateCluster(staticCluster('alpha', 8081, { connect_timeout: '0.25s' }), NO_IDENTITY);
    expect(spec).toMatchObject({ name: 'alpha', type: 'STATIC', connectTimeoutMs: 250, tls: undefined, edsServiceName: undefined });
    expect(spec.endpoints).toEqual([{ address: '127.0.0.1', port: 8081, weight: 1, healthy: true }]);
    expect(translateCluster({ name: 'd', type: 'STATIC' }, NO_IDENTITY).connectTimeoutMs).toBe(5000);
  });

  it('translates an EDS cluster over ADS and its ClusterLoadAssignment', () => {
    const spec = translateCluster({ name: 'outbound|80||web', type: 'EDS', eds_cluster_config: { eds_config: { ads: {} }, service_name: 'web-eds' } }, NO_IDENTITY);
    expect(spec).toMatchObject({ type: 'EDS', edsServiceName: 'web-eds', endpoints: [] });
    const cla = translateClusterLoadAssignment({
      cluster_name: 'web-eds',
      endpoints: [
        {
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '127.0.0.2', port_value: 80 } } }, load_balancing_weight: 3 },
            { endpoint: { address: { socket_address: { address: '127.0.0.3', port_value: 80 } } }, health_status: 'UNHEALTHY' },
          ],
        },
      ],
    });
    expect(cla).toEqual({
      clusterName: 'web-eds',
      endpoints: [
        { address: '127.0.0.2', port: 80, weight: 3, healthy: true },
        { address: '127.0.0.3', port: 80, weight: 1, healthy: false },
      ],
    });
  });

  it('refuses what it does not implement, naming the cluster and the field', () => {
    expect(refusalOf(() => translateCluster(staticCluster('a', 1, { lb_policy: 'LEAST_REQUEST' }), NO_IDENTITY))).toBe(
      'Cluster a: lb_policy: LEAST_REQUEST is not supported yet (ROUND_ROBIN is)',
    );
    expect(refusalOf(() => translateCluster(staticCluster('a', 1, { circuit_breakers: {} }), NO_IDENTITY))).toBe('Cluster a: circuit_breakers: is not supported by this proxy');
    expect(refusalOf(() => translateCluster({ name: 'e', type: 'EDS', eds_cluster_config: { eds_config: { path: '/x' } } }, NO_IDENTITY))).toBe(
      'Cluster e: eds_cluster_config.eds_config.path: is not supported by this proxy',
    );
    expect(refusalOf(() => translateCluster(staticCluster('a', 1, { connect_timeout: 'soon' }), NO_IDENTITY))).toBe(
      'Cluster a: connect_timeout: expected a non-negative duration like "1.5s"',
    );
    expect(refusalOf(() => translateClusterLoadAssignment({ cluster_name: 'c', endpoints: [{ priority: 1 }] }))).toBe(
      'ClusterLoadAssignment c: endpoints[0].priority: is not supported by this proxy',
    );
  });

  it('requires an identity for SDS references and builds SPIFFE-checked client TLS with one', async () => {
    const cluster = {
      name: 'outbound|80||web',
      type: 'EDS',
      eds_cluster_config: { eds_config: { ads: {} } },
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': UPSTREAM_TLS,
          sni: 'outbound_.80_._.web',
          common_tls_context: {
            tls_certificate_sds_secret_configs: [sds('default')],
            combined_validation_context: {
              default_validation_context: { match_subject_alt_names: [{ exact: 'spiffe://cluster.local/ns/shop/sa/web' }] },
              validation_context_sds_secret_config: sds('ROOTCA'),
            },
          },
        },
      },
    };
    expect(refusalOf(() => translateCluster(cluster, NO_IDENTITY))).toBe(
      'Cluster outbound|80||web: transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].name: this proxy has no workload identity (it needs ADS and node metadata NAMESPACE and SERVICE_ACCOUNT)',
    );
    const ca = await CertificateAuthority.create();
    const spiffeId = spiffeIdFor({ namespace: 'shop', serviceAccount: 'client' });
    const identity = await WorkloadIdentity.issue(spiffeId, (csr) => ca.sign(csr, { spiffeId }), ca.rootCertPem);
    const tls = translateCluster(cluster, { identity }).tls;
    expect(tls?.servername).toBe('outbound_.80_._.web');
    expect(tls?.ca).toContain('BEGIN CERTIFICATE');
    expect(typeof tls?.checkServerIdentity).toBe('function');

    const wrongSecret = structuredClone(cluster);
    wrongSecret.transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs = [sds('file-cert')];
    expect(refusalOf(() => translateCluster(wrongSecret, { identity }))).toContain("tls_certificate_sds_secret_configs[0].name: only the SDS secret 'default' is served by this proxy");
  });
});

describe('translateListener', () => {
  let registry: ReturnType<typeof proxyFilterRegistry>;
  beforeAll(() => {
    registry = proxyFilterRegistry();
  });
  const context = () => ({ secrets: NO_IDENTITY, httpFilters: registry, networkFilters: proxyNetworkFilterRegistry() });

  it('translates address, direction, an inline route config and the filter chain', () => {
    const spec = translateListener({ ...httpListener('http', 8080), traffic_direction: 'OUTBOUND' }, context());
    expect(spec).toMatchObject({ name: 'http', host: '127.0.0.1', port: 8080, trafficDirection: 'OUTBOUND' });
    expect(spec.filterChains[0]?.tls).toBeUndefined();
    expect(hcmOf(spec).statPrefix).toBe('ingress_http');
    expect(hcmOf(spec).filters).toHaveLength(1);
    expect(hcmOf(spec).routes.kind).toBe('inline');
  });

  it('reads RDS over ADS', () => {
    const listener = httpListener('out', 15001);
    const typed = (listener['filter_chains'] as { filters: { typed_config: Record<string, unknown> }[] }[])[0]?.filters[0]?.typed_config ?? {};
    delete typed['route_config'];
    typed['rds'] = { route_config_name: 'outbound', config_source: { ads: {}, resource_api_version: 'V3' } };
    expect(hcmOf(translateListener(listener, context())).routes).toEqual({ kind: 'rds', name: 'outbound' });
    typed['rds'] = { route_config_name: 'outbound', config_source: { path: '/rds.yaml' } };
    expect(refusalOf(() => translateListener(listener, context()))).toBe(
      'Listener out: filter_chains[0].filters[0].typed_config.rds.config_source.path: is not supported by this proxy',
    );
  });

  it('refuses unsupported fields and filters, naming the listener and the field path', () => {
    expect(refusalOf(() => translateListener({ ...httpListener('l', 1), per_connection_buffer_limit_bytes: 1 }, context()))).toBe(
      'Listener l: per_connection_buffer_limit_bytes: is not supported by this proxy',
    );
    const twoChains = httpListener('l', 1);
    (twoChains['filter_chains'] as unknown[]).push((twoChains['filter_chains'] as unknown[])[0]);
    expect(refusalOf(() => translateListener(twoChains, context()))).toBe('Listener l: filter_chains[1].filter_chain_match: the same match as filter_chains[0]');

    const withFilters = (filters: unknown[]) => {
      const listener = httpListener('f', 1);
      const chain = (listener['filter_chains'] as { filters: { typed_config: Record<string, unknown> }[] }[])[0];
      if (chain?.filters[0] !== undefined) chain.filters[0].typed_config['http_filters'] = filters;
      return listener;
    };
    expect(refusalOf(() => translateListener(withFilters([]), context()))).toBe(
      'Listener f: filter_chains[0].filters[0].typed_config.http_filters: the last HTTP filter must be envoy.filters.http.router',
    );
    const fault = { name: 'envoy.filters.http.fault', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' } };
    expect(refusalOf(() => translateListener(withFilters([fault, ROUTER_FILTER]), context()))).toMatch(
      /^Listener f: filter_chains\[0\]\.filters\[0\]\.typed_config\.http_filters\[0\]: .*HTTPFault/,
    );
    const tcp = httpListener('t', 1);
    (tcp['filter_chains'] as { filters: { typed_config: Record<string, unknown> }[] }[])[0]!.filters[0]!.typed_config['@type'] = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
    expect(refusalOf(() => translateListener(tcp, context()))).toBe(`Listener t: filter_chains[0].filters[0]: route_config: is not supported by this TCP proxy`);
  });

  it('requires a server certificate on a TLS listener, and an identity for an SDS one', () => {
    const tlsListener = (common: unknown) =>
      httpListener('tls', 1, { transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': DOWNSTREAM_TLS, common_tls_context: common } } });
    expect(refusalOf(() => translateListener(tlsListener({}), context()))).toBe(
      'Listener tls: filter_chains[0].transport_socket.typed_config.common_tls_context.tls_certificates: a server certificate is required (tls_certificates or tls_certificate_sds_secret_configs)',
    );
    expect(refusalOf(() => translateListener(tlsListener({ tls_certificate_sds_secret_configs: [sds('default')] }), context()))).toContain(
      'common_tls_context.tls_certificate_sds_secret_configs[0].name: this proxy has no workload identity',
    );
  });
});
