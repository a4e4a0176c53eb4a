import { CertificateAuthority, WorkloadIdentity, spiffeIdFor } from '@meshkit/identity';
import { Cluster } from '@meshkit/upstream';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceError } from '../errors.js';
import { ProxyRuntime } from '../runtime/proxy-runtime.js';
import { ROUTER_FILTER, ROUTE_CONFIG, httpListener, staticCluster } from '../../test/support/static-bootstrap.js';
import { proxyFilterRegistry, proxyNetworkFilterRegistry } from '../../test/support/filter-registry.js';
import { hcmOf } from '../../test/support/listener-spec.js';
import { HostsFirstResolver } from './cluster-dns-resolver.js';
import { clusterOptions } from './cluster-options.js';
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

  it('checks cluster names when validate_clusters asks (an RDS table), and weighted clusters against total_weight', () => {
    const config = (extra: Record<string, unknown>, action: Record<string, unknown>) => ({
      name: 'r',
      ...extra,
      virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: action }] }],
    });
    const known = new Set(['a', 'b']);
    const split = { weighted_clusters: { clusters: [{ name: 'a', weight: 30 }, { name: 'ghost', weight: 70 }] } };
    expect(() => translateRouteConfiguration(config({}, split), undefined, known)).not.toThrow(); // RDS default: not validated
    expect(refusalOf(() => translateRouteConfiguration(config({ validate_clusters: true }, split), undefined, known))).toBe(
      "RouteConfiguration r: virtual_hosts[0].routes[0].route.weighted_clusters.clusters[1].name: names cluster 'ghost', which does not exist (validate_clusters)",
    );
    expect(() => translateRouteConfiguration(config({ validate_clusters: true }, { cluster: 'b' }), undefined, known)).not.toThrow();
    const totalled = (total: number) => config({}, { weighted_clusters: { total_weight: total, clusters: [{ name: 'a', weight: 30 }, { name: 'b', weight: 70 }] } });
    expect(() => translateRouteConfiguration(totalled(100))).not.toThrow();
    expect(refusalOf(() => translateRouteConfiguration(totalled(90)))).toBe(
      'RouteConfiguration r: virtual_hosts[0].routes[0].route.weighted_clusters.total_weight: is 90, but the cluster weights add up to 100',
    );
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
    (config.virtual_hosts[1]?.routes[0]?.['route'] as Record<string, unknown>)['request_mirror_policies'] = [{ cluster: 'beta' }];
    expect(refusalOf(() => translateRouteConfiguration(config))).toBe(
      'RouteConfiguration local: virtual_hosts[1].routes[0].route.request_mirror_policies: is not supported by this proxy yet (there is no request mirroring)',
    );
    expect(refusalOf(() => translateRouteConfiguration({ name: 'q', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/', dynamic_metadata: [] }, route: { cluster: 'c' } }] }] }))).toBe(
      'RouteConfiguration q: virtual_hosts[0].routes[0].match.dynamic_metadata: is not supported by this proxy',
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

  it("carries each locality group's locality, priority and weight onto its endpoints", () => {
    const at = (port: number) => ({ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: port } } } });
    const { endpoints } = translateClusterLoadAssignment({
      cluster_name: 'c',
      endpoints: [
        { locality: { region: 'eu', zone: 'eu-1a', sub_zone: 'rack7' }, load_balancing_weight: 3, lb_endpoints: [at(1)] },
        { locality: { region: 'us' }, priority: 1, lb_endpoints: [at(2)] },
      ],
    });
    expect(endpoints).toEqual([
      { address: '10.0.0.1', port: 1, weight: 1, healthy: true, locality: { region: 'eu', zone: 'eu-1a', subZone: 'rack7' }, localityWeight: 3 },
      { address: '10.0.0.1', port: 2, weight: 1, healthy: true, locality: { region: 'us' }, priority: 1 },
    ]);
    const spec = translateCluster(staticCluster('a', 1, { common_lb_config: { locality_weighted_lb_config: {} } }), NO_IDENTITY);
    expect(spec.loadBalancing).toEqual({ lbPolicy: 'ROUND_ROBIN', localityWeighted: true });
  });

  it('refuses what it does not implement, naming the cluster and the field', () => {
    expect(refusalOf(() => translateCluster(staticCluster('a', 1, { lb_policy: 'CLUSTER_PROVIDED' }), NO_IDENTITY))).toBe(
      'Cluster a: lb_policy: CLUSTER_PROVIDED is not supported yet (ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH and MAGLEV are)',
    );
    expect(refusalOf(() => translateCluster(staticCluster('a', 1, { outlier_detection: {} }), NO_IDENTITY))).toBe('Cluster a: outlier_detection: is not supported by this proxy');
    expect(refusalOf(() => translateCluster({ name: 'e', type: 'EDS', eds_cluster_config: { eds_config: { path: '/x' } } }, NO_IDENTITY))).toBe(
      'Cluster e: eds_cluster_config.eds_config.path: is not supported by this proxy',
    );
    expect(refusalOf(() => translateCluster(staticCluster('a', 1, { connect_timeout: 'soon' }), NO_IDENTITY))).toBe(
      'Cluster a: connect_timeout: expected a non-negative duration like "1.5s"',
    );
    expect(refusalOf(() => translateClusterLoadAssignment({ cluster_name: 'c', endpoints: [{ proximity: 1 }] }))).toBe(
      'ClusterLoadAssignment c: endpoints[0].proximity: is not supported by this proxy',
    );
    const udp = { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 53, protocol: 'UDP' } } } };
    expect(refusalOf(() => translateClusterLoadAssignment({ cluster_name: 'c', endpoints: [{ lb_endpoints: [udp] }] }))).toBe(
      'ClusterLoadAssignment c: endpoints[0].lb_endpoints[0].endpoint.address.socket_address.protocol: only TCP endpoints are supported',
    );
    const twice = { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 80 } } } };
    expect(refusalOf(() => translateClusterLoadAssignment({ cluster_name: 'c', endpoints: [{ lb_endpoints: [twice] }, { lb_endpoints: [twice] }] }))).toMatch(
      /^ClusterLoadAssignment c: endpoints: endpoints\[1\] duplicates endpoints\[0\] \(10\.0\.0\.1:80\), counting lb_endpoints across localities$/,
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
    expect(hcmOf(translateListener(listener, context())).routes).toEqual({ kind: 'rds', name: 'outbound', initialFetchTimeoutMs: 15_000 });
    typed['rds'] = { route_config_name: 'outbound', config_source: { ads: {}, initial_fetch_timeout: '2s' } };
    expect(hcmOf(translateListener(listener, context())).routes).toEqual({ kind: 'rds', name: 'outbound', initialFetchTimeoutMs: 2_000 });
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

/** The cluster `a` on port 1 with `extra` fields, translated. */
const withFields = (extra: Record<string, unknown>) => translateCluster(staticCluster('a', 1, extra), NO_IDENTITY);
const refusalWith = (extra: Record<string, unknown>) => refusalOf(() => withFields(extra));

describe('translateCluster: lb_policy and common_lb_config', () => {
  it('maps each policy and its config', () => {
    expect(withFields({}).loadBalancing).toEqual({ lbPolicy: 'ROUND_ROBIN' });
    expect(withFields({ lb_policy: 'LEAST_REQUEST' }).loadBalancing).toEqual({ lbPolicy: 'LEAST_REQUEST' });
    expect(withFields({ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 4 } }).loadBalancing).toEqual({
      lbPolicy: 'LEAST_REQUEST',
      leastRequest: { choiceCount: 4 },
    });
    expect(withFields({ lb_policy: 'RANDOM' }).loadBalancing).toEqual({ lbPolicy: 'RANDOM' });
    expect(withFields({ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: '2048', maximum_ring_size: 4096, hash_function: 'XX_HASH' } }).loadBalancing).toEqual({
      lbPolicy: 'RING_HASH',
      ringHash: { minRingSize: 2048, maxRingSize: 4096 },
    });
    expect(withFields({ lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 5_000_011 } }).loadBalancing).toEqual({ lbPolicy: 'MAGLEV', maglev: { tableSize: 5_000_011 } });
    expect(withFields({ lb_policy: 'MAGLEV' }).loadBalancing).toEqual({ lbPolicy: 'MAGLEV' });
  });

  it('maps healthy_panic_threshold (an empty Percent is 0: no panic routing)', () => {
    expect(withFields({ common_lb_config: { healthy_panic_threshold: { value: 25.5 } } }).loadBalancing).toEqual({ lbPolicy: 'ROUND_ROBIN', panicThresholdPercent: 25.5 });
    expect(withFields({ common_lb_config: { healthy_panic_threshold: {} } }).loadBalancing.panicThresholdPercent).toBe(0);
    expect(withFields({ common_lb_config: {} }).loadBalancing).toEqual({ lbPolicy: 'ROUND_ROBIN' });
  });

  it.each([
    [{ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { choice_count: 1 } }, 'least_request_lb_config.choice_count: must be an integer in 2..4294967295, got 1'],
    [{ lb_policy: 'LEAST_REQUEST', least_request_lb_config: { active_request_bias: { default_value: 1 } } }, 'least_request_lb_config.active_request_bias: is not supported by this proxy'],
    [{ ring_hash_lb_config: {} }, 'ring_hash_lb_config: applies only to lb_policy RING_HASH (this cluster\'s is ROUND_ROBIN)'],
    [{ lb_policy: 'RING_HASH', ring_hash_lb_config: { hash_function: 'MURMUR_HASH_2' } }, 'ring_hash_lb_config.hash_function: MURMUR_HASH_2 is not supported (XX_HASH is)'],
    [{ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 9_000_000 } }, 'ring_hash_lb_config.minimum_ring_size: must be an integer in 1..8388608, got 9000000'],
    [{ lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 4096, maximum_ring_size: 2048 } }, 'ring_hash_lb_config.minimum_ring_size: must not exceed maximum_ring_size'],
    [{ lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 65_536 } }, 'maglev_lb_config.table_size: must be a prime number, got 65536'],
    [{ lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 5_000_012 } }, 'maglev_lb_config.table_size: must be an integer in 2..5000011, got 5000012'],
    [{ round_robin_lb_config: {} }, 'round_robin_lb_config: is not supported by this proxy'],
    [{ load_balancing_policy: { policies: [] } }, 'load_balancing_policy: is not supported by this proxy'],
    [{ common_lb_config: { zone_aware_lb_config: {} } }, 'common_lb_config.zone_aware_lb_config: is not supported yet: it needs a local cluster, which this proxy has no source for'],
    [{ common_lb_config: { locality_weighted_lb_config: { x: 1 } } }, 'common_lb_config.locality_weighted_lb_config.x: is not supported by this proxy'],
    [{ common_lb_config: { update_merge_window: '1s' } }, 'common_lb_config.update_merge_window: is not supported by this proxy'],
    [{ common_lb_config: { healthy_panic_threshold: { value: 101 } } }, 'common_lb_config.healthy_panic_threshold.value: must be in 0..100, got 101'],
  ])('refuses %j naming the field path', (extra, message) => {
    expect(refusalWith(extra)).toBe(`Cluster a: ${message}`);
  });
});

describe('tls_params', () => {
  const tlsCluster = (params: Record<string, unknown>) =>
    staticCluster('secure', 443, {
      transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': UPSTREAM_TLS, common_tls_context: { tls_params: params } } },
    });

  it('maps protocol bounds, TLS 1.2 cipher suites (keeping the TLS 1.3 ones) and ECDH curves to node', () => {
    const tls = translateCluster(
      tlsCluster({
        tls_minimum_protocol_version: 'TLSv1_2',
        tls_maximum_protocol_version: 'TLSv1_3',
        cipher_suites: ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
        ecdh_curves: ['X25519', 'P-256'],
      }),
      NO_IDENTITY,
    ).tls;
    expect(tls).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ecdhCurve: 'X25519:P-256' });
    expect(tls?.ciphers?.split(':').slice(0, 2)).toEqual(['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256']);
    expect(tls?.ciphers).toContain('TLS_AES_128_GCM_SHA256');
    expect(translateCluster(tlsCluster({ tls_minimum_protocol_version: 'TLS_AUTO' }), NO_IDENTITY).tls).not.toHaveProperty('minVersion');
  });

  it.each([
    [{ cipher_suites: ['[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]'] }, 'cipher_suites[0]: equal-preference groups ([A|B]) are BoringSSL syntax; list the suites one by one'],
    [{ cipher_suites: ['NOT-A-CIPHER'] }, 'cipher_suites: OpenSSL refuses them'],
    [{ ecdh_curves: ['P-999'] }, 'ecdh_curves: OpenSSL refuses them'],
    [{ tls_minimum_protocol_version: 'TLSv1_3', tls_maximum_protocol_version: 'TLSv1_2' }, 'tls_maximum_protocol_version: is below tls_minimum_protocol_version'],
    [{ tls_minimum_protocol_version: 'SSLv3' }, 'tls_minimum_protocol_version: SSLv3 is not supported'],
    [{ signature_algorithms: ['ecdsa_secp256r1_sha256'] }, 'signature_algorithms: is not supported by this proxy'],
  ])('refuses %j naming the field', (params, message) => {
    expect(refusalOf(() => translateCluster(tlsCluster(params), NO_IDENTITY))).toContain(`Cluster secure: transport_socket.typed_config.common_tls_context.tls_params.${message}`);
  });
});

describe('translateCluster: metadata', () => {
  it("accepts a cluster's metadata (Istio's service names) and keeps it for /config_dump", () => {
    const metadata = { filter_metadata: { istio: { services: [{ host: 'reviews.default.svc.cluster.local', name: 'reviews', namespace: 'default' }] } } };
    expect(withFields({ metadata }).source).toMatchObject({ metadata });
  });
});

describe('translateCluster: circuit_breakers', () => {
  it("fills Envoy's defaults (1024 connections, pending, requests; 3 retries)", () => {
    const defaults = { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3, trackRemaining: false };
    expect(withFields({}).circuitBreakers).toEqual(defaults);
    expect(withFields({ circuit_breakers: {} }).circuitBreakers).toEqual(defaults);
    expect(withFields({ circuit_breakers: { thresholds: [{ max_requests: 1 }] } }).circuitBreakers).toEqual({ ...defaults, maxRequests: 1 });
  });

  it('maps every threshold, the first DEFAULT entry winning, and hands them to the cluster', () => {
    const spec = withFields({
      circuit_breakers: {
        thresholds: [
          { priority: 'DEFAULT', max_connections: 7, max_pending_requests: 0, max_requests: 9, max_retries: 2, track_remaining: true },
          { max_requests: 100 },
        ],
      },
    });
    expect(spec.circuitBreakers).toEqual({ maxConnections: 7, maxPendingRequests: 0, maxRequests: 9, maxRetries: 2, trackRemaining: true });
    expect(clusterOptions(spec).circuitBreakers).toEqual({ maxConnections: 7, maxPendingRequests: 0, maxRequests: 9, maxRetries: 2, trackRemaining: true });
  });

  it.each([
    [{ thresholds: [{ priority: 'HIGH', max_requests: 5 }] }, 'circuit_breakers.thresholds[0].priority: HIGH is not supported (routes have no priority here, so only DEFAULT thresholds apply)'],
    [{ thresholds: [{ track_remaining: 'yes' }] }, 'circuit_breakers.thresholds[0].track_remaining: expected a boolean'],
    [{ thresholds: [{ retry_budget: {} }] }, 'circuit_breakers.thresholds[0].retry_budget: is not supported by this proxy'],
    [{ thresholds: [{ max_connection_pools: 4 }] }, 'circuit_breakers.thresholds[0].max_connection_pools: is not supported by this proxy'],
    [{ thresholds: [{}, { max_requests: -1 }] }, 'circuit_breakers.thresholds[1].max_requests: must be an integer in 0..4294967295, got -1'],
    [{ per_host_thresholds: [{ max_connections: 1 }] }, 'circuit_breakers.per_host_thresholds: is not supported by this proxy'],
  ])('refuses %j naming the field path', (breakers, message) => {
    expect(refusalWith({ circuit_breakers: breakers })).toBe(`Cluster a: ${message}`);
  });
});

describe('translateCluster: health_checks', () => {
  const check = (extra: Record<string, unknown>) => ({ timeout: '1s', interval: '2.5s', unhealthy_threshold: 2, healthy_threshold: 1, ...extra });

  it('maps an HTTP check: timings, thresholds, path, host (the cluster name by default) and expected statuses', () => {
    const spec = withFields({ health_checks: [check({ interval_jitter: '0.5s', initial_jitter: '3s', http_health_check: { path: '/healthz', expected_statuses: [{ start: 200, end: 300 }, { start: '418', end: '419' }] } })] });
    expect(spec.healthCheck).toEqual({
      timeoutMs: 1000,
      intervalMs: 2500,
      intervalJitterMs: 500,
      initialJitterMs: 3000,
      noTrafficIntervalMs: 60_000,
      unhealthyThreshold: 2,
      healthyThreshold: 1,
      http: { path: '/healthz', host: 'a', expectedStatuses: [[200, 300], [418, 419]] },
    });
    const hosted = withFields({ health_checks: [check({ interval_jitter_percent: 10, http_health_check: { path: '/', host: 'svc.local', codec_client_type: 'HTTP1' } })] });
    expect(hosted.healthCheck).toMatchObject({ intervalJitterMs: 250, http: { host: 'svc.local', expectedStatuses: [[200, 201]] } });
    expect(hosted.healthCheck?.http?.retriableStatuses).toBeUndefined();
    const retrying = withFields({ health_checks: [check({ http_health_check: { path: '/', retriable_statuses: [{ start: 503, end: 504 }] } })] });
    expect(retrying.healthCheck?.http?.retriableStatuses).toEqual([[503, 504]]);
  });

  it('maps a connect-only TCP check and a gRPC check (authority: the cluster name by default)', () => {
    expect(withFields({ health_checks: [check({ tcp_health_check: {} })] }).healthCheck?.tcp).toEqual({});
    expect(withFields({ health_checks: [check({ tcp_health_check: { send: {}, receive: [] } })] }).healthCheck?.tcp).toEqual({});
    expect(withFields({ health_checks: [check({ grpc_health_check: { service_name: 'shop.Cart' } })] }).healthCheck?.grpc).toEqual({ serviceName: 'shop.Cart', authority: 'a' });
  });

  it("maps Envoy's other intervals; no_traffic_interval defaults to 60 s as in Envoy", () => {
    const intervals = { unhealthy_interval: '1s', unhealthy_edge_interval: '0.2s', healthy_edge_interval: '0.3s', no_traffic_interval: '10s', no_traffic_healthy_interval: '20s' };
    expect(withFields({ health_checks: [check({ ...intervals, tcp_health_check: {} })] }).healthCheck).toMatchObject({
      intervalMs: 2500,
      unhealthyIntervalMs: 1000,
      unhealthyEdgeIntervalMs: 200,
      healthyEdgeIntervalMs: 300,
      noTrafficIntervalMs: 10_000,
      noTrafficHealthyIntervalMs: 20_000,
    });
  });

  it('holds new hosts until their first check with common_lb_config.ignore_new_hosts_until_first_hc', () => {
    const spec = withFields({ common_lb_config: { ignore_new_hosts_until_first_hc: true }, health_checks: [check({ tcp_health_check: {} })] });
    expect(spec.healthCheck?.ignoreNewHostsUntilFirstCheck).toBe(true);
    expect(withFields({ common_lb_config: { ignore_new_hosts_until_first_hc: true } }).healthCheck).toBeUndefined();
  });

  it.each([
    [[check({ tcp_health_check: { send: { text: '0001' } } })], 'health_checks[0].tcp_health_check.send: payloads are not supported (only connect checks are)'],
    [[check({ tcp_health_check: { receive: [{ text: '02' }] } })], 'health_checks[0].tcp_health_check.receive: payloads are not supported (only connect checks are)'],
    [[check({ http_health_check: { path: '/', send: { text: '00' } } })], 'health_checks[0].http_health_check.send: is not supported by this proxy'],
    [[check({ http_health_check: { path: '/', codec_client_type: 'HTTP2' } })], 'health_checks[0].http_health_check.codec_client_type: HTTP2 is not supported (HTTP1 is)'],
    [[check({ http_health_check: { path: '/', request_headers_to_add: [] } })], 'health_checks[0].http_health_check.request_headers_to_add: is not supported by this proxy'],
    [[check({ http_health_check: { path: '/', expected_statuses: [{ start: 200, end: 700 }] } })], 'health_checks[0].http_health_check.expected_statuses[0]: must be a half-open range of statuses within [100, 600), got [200, 700)'],
    [[check({ http_health_check: { path: '/', retriable_statuses: [{ start: 503, end: 503 }] } })], 'health_checks[0].http_health_check.retriable_statuses[0]: must be a half-open range of statuses within [100, 600), got [503, 503)'],
    [[check({ http_health_check: {} })], 'health_checks[0].http_health_check.path: expected a string'],
    [[check({ grpc_health_check: { initial_metadata: [] } })], 'health_checks[0].grpc_health_check.initial_metadata: is not supported by this proxy'],
    [[check({ custom_health_check: { name: 'redis' } })], 'health_checks[0].custom_health_check: is not supported by this proxy'],
    [[check({ no_traffic_interval: '0s', tcp_health_check: {} })], 'health_checks[0].no_traffic_interval: must be above 0s'],
    [[check({ reuse_connection: true, tcp_health_check: {} })], 'health_checks[0].reuse_connection: checks always open a new connection here; set false or leave it out'],
    [[check({ tcp_health_check: {}, http_health_check: { path: '/' } })], 'health_checks[0]: needs exactly one of http_health_check, tcp_health_check, grpc_health_check'],
    [[check({})], 'health_checks[0]: needs exactly one of http_health_check, tcp_health_check, grpc_health_check'],
    [[{ timeout: '1s', unhealthy_threshold: 1, healthy_threshold: 1, tcp_health_check: {} }], 'health_checks[0].interval: is required'],
    [[check({ timeout: '0s', tcp_health_check: {} })], 'health_checks[0].timeout: must be above 0s'],
    [[{ timeout: '1s', interval: '1s', healthy_threshold: 1, tcp_health_check: {} }], 'health_checks[0].unhealthy_threshold: is required'],
    [[check({ tcp_health_check: {} }), check({ tcp_health_check: {} })], 'health_checks[1]: only one health check per cluster is supported'],
  ])('refuses %j naming the field path', (checks, message) => {
    expect(refusalWith({ health_checks: checks })).toBe(`Cluster a: ${message}`);
  });
});

describe('translateCluster: STRICT_DNS and LOGICAL_DNS', () => {
  const dnsCluster = (type: string, hosts: string[], extra: Record<string, unknown> = {}) => ({
    name: 'd',
    type,
    load_assignment: { cluster_name: 'd', endpoints: [{ lb_endpoints: hosts.map((address) => ({ endpoint: { address: { socket_address: { address, port_value: 8080 } } } })) }] },
    ...extra,
  });

  it('takes hostnames and the resolution fields', () => {
    const spec = translateCluster(
      dnsCluster('STRICT_DNS', ['api.internal', 'localhost'], {
        dns_lookup_family: 'V4_ONLY',
        dns_refresh_rate: '0.5s',
        respect_dns_ttl: true,
        dns_jitter: '0.1s',
        dns_failure_refresh_rate: { base_interval: '0.25s', max_interval: '2s' },
      }),
      NO_IDENTITY,
    );
    expect(spec.type).toBe('STRICT_DNS');
    expect(spec.endpoints.map((e) => e.address)).toEqual(['api.internal', 'localhost']);
    expect(spec.dns).toEqual({ lookupFamily: 'V4_ONLY', respectDnsTtl: true, refreshRateMs: 500, jitterMs: 100, failureRefreshRate: { baseIntervalMs: 250, maxIntervalMs: 2000 } });
    const options = clusterOptions(spec);
    expect(options).toMatchObject({ type: 'STRICT_DNS', dns: { lookupFamily: 'V4_ONLY', refreshRateMs: 500 } });
    expect(options.dns?.resolver).toBeInstanceOf(HostsFirstResolver);
    const logical = translateCluster(dnsCluster('LOGICAL_DNS', ['api.internal']), NO_IDENTITY);
    expect(logical).toMatchObject({ type: 'LOGICAL_DNS', dns: { lookupFamily: 'AUTO', respectDnsTtl: false } });
    expect(clusterOptions(withFields({})).type).toBeUndefined();
  });

  it.each([
    [dnsCluster('LOGICAL_DNS', ['a.internal', 'b.internal']), 'load_assignment: a LOGICAL_DNS cluster needs exactly one endpoint, got 2'],
    [dnsCluster('STRICT_DNS', ['a.internal'], { dns_lookup_family: 'V6_FIRST' }), 'dns_lookup_family: V6_FIRST is not supported (AUTO, V4_ONLY, V6_ONLY, V4_PREFERRED, ALL are)'],
    [dnsCluster('STRICT_DNS', ['a.internal'], { dns_refresh_rate: '0s' }), 'dns_refresh_rate: must be above 0s'],
    [dnsCluster('STRICT_DNS', ['a.internal'], { dns_resolvers: [] }), 'dns_resolvers: is not supported by this proxy'],
    [dnsCluster('STRICT_DNS', ['a.internal'], { typed_dns_resolver_config: {} }), 'typed_dns_resolver_config: is not supported by this proxy'],
    [dnsCluster('STRICT_DNS', ['a.internal'], { dns_failure_refresh_rate: { base_interval: '2s', max_interval: '1s' } }), 'dns_failure_refresh_rate.max_interval: must not be below base_interval'],
    [dnsCluster('STATIC', ['127.0.0.1'], { respect_dns_ttl: true }), 'respect_dns_ttl: applies only to STRICT_DNS and LOGICAL_DNS clusters'],
    [dnsCluster('ORIGINAL_DST', []), 'type: ORIGINAL_DST is not supported (STATIC, EDS, STRICT_DNS, LOGICAL_DNS are)'],
    [dnsCluster('STRICT_DNS', ['a.internal'], { eds_cluster_config: { eds_config: { ads: {} } } }), 'eds_cluster_config: applies only to EDS clusters'],
  ])('refuses %#, naming the field path', (cluster, message) => {
    expect(refusalOf(() => translateCluster(cluster, NO_IDENTITY))).toBe(`Cluster d: ${message}`);
  });
});

describe('translateCluster: connection limits', () => {
  const HTTP_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';
  const protocolOptions = (common: Record<string, unknown>) => ({
    typed_extension_protocol_options: {
      [HTTP_OPTIONS]: { '@type': `type.googleapis.com/${HTTP_OPTIONS}`, common_http_protocol_options: common, explicit_http_config: { http_protocol_options: {} } },
    },
  });

  it('maps max_requests_per_connection (deprecated and common) and idle_timeout, the common one winning', () => {
    expect(withFields({}).connectionPool).toEqual({});
    expect(withFields({ max_requests_per_connection: 10 }).connectionPool).toEqual({ maxRequestsPerConnection: 10 });
    expect(withFields({ max_requests_per_connection: 0 }).connectionPool).toEqual({});
    const both = withFields({ max_requests_per_connection: 10, ...protocolOptions({ max_requests_per_connection: 3, idle_timeout: '30s' }) });
    expect(both.connectionPool).toEqual({ maxRequestsPerConnection: 3, idleTimeoutMs: 30_000 });
    expect(both.upstreamProtocol).toEqual({});
    expect(clusterOptions(both)).toMatchObject({ maxRequestsPerConnection: 3, idleTimeoutMs: 30_000 });
    // Without idle_timeout, Envoy's hour rather than the upstream library's 4 s.
    expect(clusterOptions(withFields({})).idleTimeoutMs).toBe(3_600_000);
  });

  it.each([
    [protocolOptions({ idle_timeout: '0s' }), 'idle_timeout: 0s (no idle timeout) is not supported; give a positive duration'],
    [protocolOptions({ max_connection_duration: '60s' }), 'max_connection_duration: is not supported by this proxy'],
    [protocolOptions({ max_requests_per_connection: -2 }), 'max_requests_per_connection: must be an integer in 0..4294967295, got -2'],
  ])('refuses %#, naming the field path', (extra, message) => {
    expect(refusalWith(extra)).toBe(`Cluster a: typed_extension_protocol_options.${HTTP_OPTIONS}.common_http_protocol_options.${message}`);
  });

  it('maps an HTTP/2 cluster\'s max_concurrent_streams, connection_keepalive and flow-control windows', () => {
    const h2 = (http2: Record<string, unknown>) => ({
      typed_extension_protocol_options: { [HTTP_OPTIONS]: { '@type': `type.googleapis.com/${HTTP_OPTIONS}`, explicit_http_config: { http2_protocol_options: http2 } } },
    });
    expect(withFields(h2({})).upstreamProtocol).toEqual({ protocol: 'http2' });
    const spec = withFields(h2({ max_concurrent_streams: 50, connection_keepalive: { interval: '30s', timeout: '5s' }, initial_stream_window_size: 1_048_576, initial_connection_window_size: 16_777_216 }));
    expect(spec.upstreamProtocol).toEqual({
      protocol: 'http2',
      http2: { maxConcurrentStreams: 50, keepalive: { intervalMs: 30_000, timeoutMs: 5_000 }, initialStreamWindowSize: 1_048_576, initialConnectionWindowSize: 16_777_216 },
    });
    expect(refusalWith(h2({ initial_stream_window_size: 1024 }))).toBe(
      `Cluster a: typed_extension_protocol_options.${HTTP_OPTIONS}.explicit_http_config.http2_protocol_options.initial_stream_window_size: must be an integer in 65535..2147483647`,
    );
    expect(clusterOptions(spec)).toMatchObject({ protocol: 'http2', http2: { keepalive: { intervalMs: 30_000, timeoutMs: 5_000 } } });
    expect(refusalWith(h2({ connection_keepalive: { interval: '30s' } }))).toBe(
      `Cluster a: typed_extension_protocol_options.${HTTP_OPTIONS}.explicit_http_config.http2_protocol_options.connection_keepalive.timeout: a positive timeout is required`,
    );
  });

  it('maps use_downstream_protocol_config to a cluster speaking the downstream\'s protocol', () => {
    const downstream = (config: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
      typed_extension_protocol_options: { [HTTP_OPTIONS]: { '@type': `type.googleapis.com/${HTTP_OPTIONS}`, use_downstream_protocol_config: config, ...extra } },
    });
    expect(withFields(downstream({ http_protocol_options: {}, http2_protocol_options: {} })).upstreamProtocol).toEqual({ protocol: 'downstream' });
    const limited = withFields(downstream({ http2_protocol_options: { max_concurrent_streams: 8 } }));
    expect(limited.upstreamProtocol).toEqual({ protocol: 'downstream', http2: { maxConcurrentStreams: 8 } });
    expect(clusterOptions(limited)).toMatchObject({ protocol: 'downstream', http2: { maxConcurrentStreams: 8 } });
    expect(refusalWith(downstream({}, { explicit_http_config: { http_protocol_options: {} } }))).toBe(
      `Cluster a: typed_extension_protocol_options.${HTTP_OPTIONS}.use_downstream_protocol_config: give either this or explicit_http_config, not both`,
    );
    expect(refusalWith(downstream({ http3_protocol_options: {} }))).toBe(
      `Cluster a: typed_extension_protocol_options.${HTTP_OPTIONS}.use_downstream_protocol_config.http3_protocol_options: is not supported by this proxy`,
    );
  });

  it('refuses connect_timeout 0s, which the pool cannot take', () => {
    expect(refusalWith({ connect_timeout: '0s' })).toBe('Cluster a: connect_timeout: must be above 0s');
  });
});

describe('clusterOptions', () => {
  it('gives upstream options it accepts for every kind of cluster translated here', async () => {
    const specs = [
      withFields({ lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 251 }, common_lb_config: { healthy_panic_threshold: { value: 0 } } }),
      withFields({ circuit_breakers: { thresholds: [{ max_requests: 0, max_pending_requests: 0, max_connections: 0 }] }, max_requests_per_connection: 1 }),
      withFields({ health_checks: [{ timeout: '1s', interval: '1s', unhealthy_threshold: 1, healthy_threshold: 1, grpc_health_check: {} }] }),
      translateCluster({ name: 'l', type: 'LOGICAL_DNS', dns_lookup_family: 'ALL', load_assignment: { cluster_name: 'l', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'localhost', port_value: 1 } } } }] }] } }, NO_IDENTITY),
    ];
    for (const spec of specs) {
      const cluster = new Cluster(clusterOptions(spec));
      await cluster.close();
    }
  });
});

describe('ProxyRuntime.applyClusters', () => {
  it('NACKs a whole update when upstream refuses one cluster, leaving the others unapplied', async () => {
    const runtime = new ProxyRuntime(NO_IDENTITY, proxyFilterRegistry(), () => undefined);
    const twice = staticCluster('twice', 9000);
    const group = (twice['load_assignment'] as { endpoints: { lb_endpoints: unknown[] }[] }).endpoints[0];
    group?.lb_endpoints.push(group.lb_endpoints[0]);
    const message = refusalOf(() => runtime.applyClusters([staticCluster('fine', 9001), twice], '1', 'dynamic'));
    expect(message).toBe('Cluster twice: load_assignment.endpoints: endpoints[1] duplicates endpoints[0] (127.0.0.1:9000), counting lb_endpoints across localities');
    expect(runtime.clusters.size).toBe(0);
    expect(runtime.applied.clusters.size).toBe(0);
    runtime.applyClusters([staticCluster('fine', 9001)], '2', 'dynamic');
    expect([...runtime.clusters.names()]).toEqual(['fine']);
    await runtime.close();
  });
});

describe('HostsFirstResolver', () => {
  let dir: string;
  let hosts: string;
  const asked: string[] = [];
  const servers = {
    resolve4: (name: string) => (asked.push(`A ${name}`), Promise.resolve([{ address: '192.0.2.1', ttl: 30 }])),
    resolve6: (name: string) => (asked.push(`AAAA ${name}`), Promise.resolve([{ address: '2001:db8::1', ttl: 30 }])),
  };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'meshkit-hosts-'));
    hosts = path.join(dir, 'hosts');
    await writeFile(hosts, '# comment\n127.0.0.1 localhost  # trailing\n::1 ip6-localhost\n10.0.0.5\tdb.internal DB-Alias\n10.0.0.6 db.internal\n');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('answers names the hosts file lists from it alone (TTL 0), and asks the servers for the rest', async () => {
    const resolver = new HostsFirstResolver(servers, hosts);
    expect(await resolver.resolve4('localhost', { ttl: true })).toEqual([{ address: '127.0.0.1', ttl: 0 }]);
    expect(await resolver.resolve4('db-alias.', { ttl: true })).toEqual([{ address: '10.0.0.5', ttl: 0 }]);
    expect(await resolver.resolve4('db.internal', { ttl: true })).toEqual([
      { address: '10.0.0.5', ttl: 0 },
      { address: '10.0.0.6', ttl: 0 },
    ]);
    expect(await resolver.resolve6('ip6-localhost', { ttl: true })).toEqual([{ address: '::1', ttl: 0 }]);
    // Listed without an IPv6 address: NODATA, so AUTO falls back to IPv4 without asking a server.
    await expect(resolver.resolve6('localhost', { ttl: true })).rejects.toMatchObject({ code: 'ENODATA' });
    expect(asked).toEqual([]);
    expect(await resolver.resolve4('api.example', { ttl: true })).toEqual([{ address: '192.0.2.1', ttl: 30 }]);
    expect(await new HostsFirstResolver(servers, path.join(dir, 'missing')).resolve6('localhost', { ttl: true })).toEqual([{ address: '2001:db8::1', ttl: 30 }]);
    expect(asked).toEqual(['A api.example', 'AAAA localhost']);
  });
});
