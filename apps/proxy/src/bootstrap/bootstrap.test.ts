import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BootstrapError } from '../errors.js';
import { parseBootstrap } from './bootstrap.js';
import { httpListener, staticCluster } from '../../test/support/static-bootstrap.js';

const ADS_BOOTSTRAP = `
node:
  id: sidecar~127.10.1.1~web.shop~shop.svc.cluster.local
  cluster: web.shop
  metadata:
    NAMESPACE: shop
    SERVICE_ACCOUNT: web
    LABELS: {app: web}
admin:
  address: {socket_address: {address: 127.0.0.1, port_value: 15000}}
dynamic_resources:
  ads_config:
    api_type: GRPC
    transport_api_version: V3
    grpc_services: [{envoy_grpc: {cluster_name: xds-grpc}}]
  cds_config: {ads: {}, resource_api_version: V3}
  lds_config: {ads: {}, resource_api_version: V3}
static_resources:
  clusters:
  - name: xds-grpc
    type: STATIC
    connect_timeout: 1s
    load_assignment:
      cluster_name: xds-grpc
      endpoints: [{lb_endpoints: [{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 15010}}}}]}]
  listeners:
  - ${JSON.stringify(httpListener('http', 8080))}
`;

type Refusal = InstanceType<typeof BootstrapError>;

function refusal(text: string, file = 'envoy.yaml'): Refusal {
  try {
    parseBootstrap(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(BootstrapError);
    return error as Refusal;
  }
  throw new Error('the bootstrap was accepted');
}

/** The ADS bootstrap with the value at `fieldPath` (`a.b[0].c`) set, as YAML. */
function withField(fieldPath: string, value: unknown): string {
  const doc = structuredClone(parseBootstrap(ADS_BOOTSTRAP, 'base.yaml').document);
  const keys = fieldPath.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '');
  let at = doc as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[keys.at(-1) as string] = value;
  return stringify(doc);
}

/**
 * Checks that `error` names `file`, a line and column, and `field`, and that the line and column
 * are where the field's key (its last name) was written in `text`.
 */
function expectPlaced(error: Refusal, text: string, file: string, field: string): void {
  const escape = (literal: string): string => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const placed = new RegExp(`^${escape(file)}:(\\d+):(\\d+): ${escape(field)}: `).exec(error.message);
  expect(placed, error.message).not.toBeNull();
  const key = /([^.[\]]+)(\[\d+\])*$/.exec(field)?.[1] ?? '';
  const at = text.split('\n')[Number(placed?.[1]) - 1]?.slice(Number(placed?.[2]) - 1) ?? '';
  expect(at.replace(/^- /, ''), `${file}:${placed?.[1]}:${placed?.[2]}`).toMatch(new RegExp(`^"?${escape(key)}"?:`));
}

const HCM = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config';
const FIRST_ENDPOINT = 'static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint';

describe('parseBootstrap', () => {
  it('reads node, admin, static listeners and clusters, and ADS through a static cluster', () => {
    const bootstrap = parseBootstrap(ADS_BOOTSTRAP, 'envoy.yaml');
    expect(bootstrap.source).toBe('envoy.yaml');
    expect(bootstrap.node).toEqual({
      id: 'sidecar~127.10.1.1~web.shop~shop.svc.cluster.local',
      cluster: 'web.shop',
      metadata: { NAMESPACE: 'shop', SERVICE_ACCOUNT: 'web', LABELS: { app: 'web' } },
    });
    expect(bootstrap.admin).toEqual({ host: '127.0.0.1', port: 15000 });
    expect(bootstrap.adsCluster).toBe('xds-grpc');
    expect(bootstrap.staticClusters.map((c) => (c as { name: string }).name)).toEqual(['xds-grpc']);
    expect(bootstrap.staticListeners.map((l) => (l as { name: string }).name)).toEqual(['http']);
    expect(bootstrap.initialFetchTimeoutMs).toEqual({ cds: 15_000, lds: 15_000 }); // Envoy's default
    const istioStyle = parseBootstrap(withField('dynamic_resources.cds_config.initial_fetch_timeout', '0s'), 'istio.yaml');
    expect(istioStyle.initialFetchTimeoutMs).toEqual({ cds: 0, lds: 15_000 });
  });

  it("accepts the admin access log Istio's bootstrap writes (to /dev/null) and refuses any other", () => {
    const devNull = { name: 'envoy.access_loggers.file', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog', path: '/dev/null' } };
    expect(parseBootstrap(withField('admin.access_log', [devNull]), 'istio.yaml').admin).toEqual({ host: '127.0.0.1', port: 15000 });
    const toFile = { ...devNull, typed_config: { ...devNull.typed_config, path: '/var/log/admin.log' } };
    const refused = refusal(withField('admin.access_log', [devNull, toFile]));
    expect(refused.message).toContain('admin.access_log[1]: the admin API keeps no access log; only a file log to /dev/null is accepted');
  });

  it('reads JSON too, and an empty document as a proxy with nothing configured', () => {
    const json = parseBootstrap(JSON.stringify({ static_resources: { clusters: [staticCluster('a', 1234)] } }), 'b.json');
    expect(json.staticClusters).toHaveLength(1);
    expect(json.adsCluster).toBeUndefined();
    const empty = parseBootstrap('', 'empty.yaml');
    expect(empty.admin).toBeUndefined();
    expect(empty.staticListeners).toEqual([]);
  });

  it.each([
    ['a top-level field', 'layered_runtime', {}, 'layered_runtime'],
    ['a node field', 'node.user_agent_name', 'x', 'node.user_agent_name'],
    ['an admin field', 'admin.profile_path', '/tmp', 'admin.profile_path'],
    ['a cluster lb_policy', 'static_resources.clusters[0].lb_policy', 'CLUSTER_PROVIDED', 'static_resources.clusters[0].lb_policy'],
    ['a cluster type', 'static_resources.clusters[0].type', 'ORIGINAL_DST', 'static_resources.clusters[0].type'],
    ['a negative connect_timeout', 'static_resources.clusters[0].connect_timeout', '-1s', 'static_resources.clusters[0].connect_timeout'],
    ['an endpoint field', `${FIRST_ENDPOINT}.hostname`, 'x', `${FIRST_ENDPOINT}.hostname`],
    ['a listener field', 'static_resources.listeners[0].per_connection_buffer_limit_bytes', 1024, 'static_resources.listeners[0].per_connection_buffer_limit_bytes'],
    ['an HCM codec', `${HCM}.codec_type`, 'HTTP3', `${HCM}.codec_type`],
    ['a route field', `${HCM}.route_config.virtual_hosts[0].routes[0].route.cors`, {}, `${HCM}.route_config.virtual_hosts[0].routes[0].route.cors`],
    ['a missing route config', `${HCM}.route_config`, null, `${HCM}.route_config`],
    ['the ADS api_type', 'dynamic_resources.ads_config.api_type', 'DELTA_GRPC', 'dynamic_resources.ads_config.api_type'],
    ['an LDS source other than ADS', 'dynamic_resources.lds_config', { path: '/etc/lds.yaml' }, 'dynamic_resources.lds_config.path'],
    [
      'an xDS cluster that does not exist',
      'dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name',
      'nope',
      'dynamic_resources.ads_config.grpc_services[0].envoy_grpc.cluster_name',
    ],
    ['a second cluster of the same name', 'static_resources.clusters[1]', staticCluster('xds-grpc', 1), 'static_resources.clusters[1].name'],
  ])('refuses %s, naming the file, the line where the field is and the field path', (_what, fieldPath, value, reported) => {
    const text = withField(fieldPath, value);
    const error = refusal(text, 'envoy.yaml');
    expect(error.code).toBe('MESHKIT_PROXY_BOOTSTRAP');
    expectPlaced(error, text, 'envoy.yaml', reported);
  });

  it('refuses an SDS reference when the proxy will have no identity to serve it', () => {
    const listener = httpListener('tls', 8443, {
      transport_socket: {
        name: 'envoy.transport_sockets.tls',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
          common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'default', sds_config: { ads: {} } }] },
        },
      },
    });
    const clusters = [staticCluster('alpha', 1), staticCluster('beta', 2)];
    const text = stringify({ static_resources: { listeners: [listener], clusters } });
    const error = refusal(text, 'plain.yaml');
    expectPlaced(error, text, 'plain.yaml', 'static_resources.listeners[0].filter_chains[0].transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].name');
    expect(error.message).toContain('no workload identity');
    // With ADS and NAMESPACE/SERVICE_ACCOUNT the identity comes from the CA, so the same reference passes.
    expect(() => parseBootstrap(withField('static_resources.listeners[1]', listener), 'mesh.yaml')).not.toThrow();
  });

  it('refuses inline routes naming a cluster that does not exist (validate_clusters), unless told not to or CDS may add it', () => {
    const listener = httpListener('http', 8080);
    const error = refusal(stringify({ static_resources: { listeners: [listener], clusters: [staticCluster('alpha', 1)] } }), 'typo.yaml');
    expect(error.message).toMatch(/^typo\.yaml:\d+:\d+: static_resources\.listeners\[0\]\.filter_chains\[0\]\.filters\[0\]\.typed_config\.route_config\.virtual_hosts\[/);
    expect(error.message).toContain("names cluster 'beta', which does not exist (validate_clusters)");
    const unchecked = structuredClone(listener) as { filter_chains: { filters: { typed_config: { route_config: Record<string, unknown> } }[] }[] };
    const routeConfig = unchecked.filter_chains[0]?.filters[0]?.typed_config.route_config;
    if (routeConfig !== undefined) routeConfig['validate_clusters'] = false;
    expect(() => parseBootstrap(stringify({ static_resources: { listeners: [unchecked], clusters: [staticCluster('alpha', 1)] } }), 'lenient.yaml')).not.toThrow();
    // With ADS, CDS may still bring the cluster: the bootstrap alone cannot tell.
    expect(() => parseBootstrap(withField('static_resources.listeners[0]', listener), 'ads.yaml')).not.toThrow();
  });

  it('refuses malformed YAML with the parser message', () => {
    const error = refusal('node: {id: [unclosed\n', 'broken.yaml');
    expect(error.message).toMatch(/^broken\.yaml: \(document\): /);
    expect(refusal('- just\n- a list\n', 'list.yaml').message).toBe('list.yaml: (root): expected an object');
  });

  it('refuses wrong shapes with the field path', () => {
    expect(refusal('admin: {address: {socket_address: {address: 127.0.0.1, port_value: lots}}}', 'a.yaml').message).toBe(
      'a.yaml:1:56: admin.address.socket_address.port_value: expected a number',
    );
    expect(refusal('static_resources: {clusters: {name: x}}', 'c.yaml').message).toBe('c.yaml:1:20: static_resources.clusters: expected a list');
  });
});
