import http from 'node:http';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { CertificateAuthority, addCertificateService } from '@meshkit/identity';
import { AdsServer, SnapshotCache, TYPE_URLS } from '@meshkit/xds';
import type { EnvoyNode, EnvoyResource } from '@meshkit/xds';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseBootstrap, startProxy } from '../src/index.js';
import type { RunningProxy } from '../src/index.js';
import { curl, eventually } from './support/clients.js';
import { startGrpcServer } from './support/grpc-server.js';
import { HCM_TYPE, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';
import { closeServer, listenOnLoopback, startUpstream } from './support/upstreams.js';
import type { TestUpstream } from './support/upstreams.js';

const NODE_ID = 'sidecar~127.0.0.1~web.shop~shop.svc.cluster.local';
const SPIFFE_ID = 'spiffe://cluster.local/ns/shop/sa/web';
const sds = (name: string) => ({ name, sds_config: { ads: {}, resource_api_version: 'V3' } });

function hcm(extra: Record<string, unknown>) {
  return { name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM_TYPE, stat_prefix: 'ads_http', http_filters: [ROUTER_FILTER], ...extra } };
}

function listeners(): EnvoyResource[] {
  return [
    {
      name: 'plain',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [{ filters: [hcm({ rds: { route_config_name: 'routes', config_source: { ads: {}, resource_api_version: 'V3' } } })] }],
    },
    {
      // Served with the identity the proxy got from the CA (Istio's SDS secret names).
      name: 'mtls',
      address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
      filter_chains: [
        {
          filters: [hcm({ rds: { route_config_name: 'routes', config_source: { ads: {} } } })],
          transport_socket: {
            name: 'envoy.transport_sockets.tls',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
              common_tls_context: { tls_certificate_sds_secret_configs: [sds('default')], combined_validation_context: { default_validation_context: {}, validation_context_sds_secret_config: sds('ROOTCA') } },
            },
          },
        },
      ],
    },
  ];
}

const edsCluster = (name: string, extra: Record<string, unknown> = {}): EnvoyResource => ({
  name,
  type: 'EDS',
  connect_timeout: '1s',
  lb_policy: 'ROUND_ROBIN',
  eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
  ...extra,
});

const assignment = (name: string, port: number): EnvoyResource => ({
  cluster_name: name,
  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }],
});

const routes = (cluster: string, routeExtra: Record<string, unknown> = {}): EnvoyResource => ({
  name: 'routes',
  virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster, ...routeExtra } }] }],
});

describe('a proxy configured over ADS by an in-test control plane', () => {
  const cache = new SnapshotCache();
  const nacks: { typeUrl: string; message: string; version: string }[] = [];
  const acks: { typeUrl: string; version: string }[] = [];
  const nodes: EnvoyNode[] = [];
  let controlPlane: Awaited<ReturnType<typeof startGrpcServer>>;
  let v1: TestUpstream;
  let v2: TestUpstream;
  let proxy: RunningProxy;
  let plainUrl: string;
  const agent = new Agent({ connections: 8 });

  const snapshot = (version: string, route: EnvoyResource, clusters = [edsCluster('v1'), edsCluster('v2')]) =>
    cache.setSnapshot(NODE_ID, {
      version,
      resources: {
        [TYPE_URLS.listener]: listeners(),
        [TYPE_URLS.route]: [route],
        [TYPE_URLS.cluster]: clusters,
        [TYPE_URLS.endpoint]: [assignment('v1', v1.port), assignment('v2', v2.port)],
      },
    });

  beforeAll(async () => {
    v1 = await startUpstream('v1');
    v2 = await startUpstream('v2');
    const ca = await CertificateAuthority.create();
    const ads = new AdsServer({
      cache,
      onStreamOpen: (node) => nodes.push(node),
      onAck: (_node, typeUrl, version) => acks.push({ typeUrl, version }),
      onNack: (_node, typeUrl, detail, version) => nacks.push({ typeUrl, message: detail.message, version }),
    });
    controlPlane = await startGrpcServer((server) => {
      ads.addTo(server);
      addCertificateService(server, ca);
    });
    snapshot('1', routes('v1'));
    const [host, port] = controlPlane.address.split(':');
    const bootstrap = {
      node: { id: NODE_ID, cluster: 'web.shop', locality: { region: 'eu', zone: 'eu-1a' }, metadata: { NAMESPACE: 'shop', SERVICE_ACCOUNT: 'web', LABELS: { app: 'web' } } },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
      dynamic_resources: {
        ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
        cds_config: { ads: {}, resource_api_version: 'V3' },
        lds_config: { ads: {}, resource_api_version: 'V3' },
      },
      static_resources: { clusters: [staticCluster('xds-grpc', Number(port))] },
    };
    expect(host).toBe('127.0.0.1');
    proxy = await startProxy(parseBootstrap(stringify(bootstrap), 'ads.yaml'), { log: () => undefined });
    await proxy.ready;
    const plain = proxy.runtime.listenerManager.listeners.find((l) => l.spec.name === 'plain');
    plainUrl = `http://127.0.0.1:${(plain?.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await proxy.close();
    await agent.close();
    await controlPlane.close();
    await Promise.all([v1.close(), v2.close()]);
  });

  async function upstreamOf(): Promise<string> {
    const res = await request(`${plainUrl}/`, { dispatcher: agent });
    const body = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${body}`);
    return (JSON.parse(body) as { upstream: string }).upstream;
  }

  it('gets its SPIFFE identity from the CA and serves mTLS with it', async () => {
    expect(proxy.identity?.spiffeId).toBe(SPIFFE_ID);
    const mtls = proxy.runtime.listenerManager.listeners.find((l) => l.spec.name === 'mtls');
    const port = (mtls?.server.address() as AddressInfo).port;
    const socket = tls.connect({ host: '127.0.0.1', port, ca: proxy.identity?.identity.rootCertPem, checkServerIdentity: () => undefined });
    const san = await new Promise<string | undefined>((resolve, reject) => {
      socket.once('secureConnect', () => resolve(socket.getPeerCertificate().subjectaltname));
      socket.once('error', reject);
    });
    socket.destroy();
    expect(san).toBe(`URI:${SPIFFE_ID}`);
  });

  it('applies LDS, RDS, CDS and EDS, ACKs them, and serves traffic', async () => {
    expect(await upstreamOf()).toBe('v1');
    // The node the control plane sees carries the bootstrap's locality.
    expect(nodes[0]?.locality).toMatchObject({ region: 'eu', zone: 'eu-1a' });
    await eventually(() => [TYPE_URLS.listener, TYPE_URLS.route, TYPE_URLS.cluster, TYPE_URLS.endpoint].every((t) => acks.some((a) => a.typeUrl === t && a.version === '1')), 5000, 'ACKs of version 1');
    const dump = JSON.parse((await curl(`http://127.0.0.1:${proxy.adminAddress?.port ?? 0}/config_dump?include_eds`)).body) as { configs: Record<string, unknown>[] };
    const eds = dump.configs.find((c) => String(c['@type']).endsWith('EndpointsConfigDump'));
    expect((eds?.['dynamic_endpoint_configs'] as unknown[]).length).toBe(2);
    const secrets = dump.configs.find((c) => String(c['@type']).endsWith('SecretsConfigDump'));
    expect(JSON.stringify(secrets)).toContain('[redacted]');
  });

  it('swaps a route while requests run, without failing one', async () => {
    const failures: string[] = [];
    const seen: string[] = [];
    let pushed = false;
    const deadline = Date.now() + 8000;
    const worker = async (): Promise<void> => {
      // Bounded: stops once v2 has answered 20 times after the push, or at the deadline.
      while (Date.now() < deadline && seen.filter((s) => s === 'v2').length < 20) {
        try {
          seen.push(await upstreamOf());
        } catch (error) {
          failures.push((error as Error).message);
        }
        if (!pushed && seen.length >= 20) {
          pushed = true;
          snapshot('2', routes('v2'));
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(failures).toEqual([]);
    expect(pushed).toBe(true);
    expect(seen.slice(0, 20).every((s) => s === 'v1')).toBe(true);
    expect(seen.filter((s) => s === 'v2').length).toBeGreaterThanOrEqual(20);
    // Once switched, it stays switched.
    expect(seen.slice(seen.indexOf('v2')).every((s) => s === 'v2')).toBe(true);
  });

  it('NACKs a route it cannot apply, naming the field, and keeps serving the last good one', async () => {
    snapshot('3', routes('v1', { request_mirror_policies: [{ cluster: 'v1' }] }));
    await eventually(() => nacks.some((n) => n.version === '3'), 5000, 'a NACK of version 3');
    const nack = nacks.find((n) => n.version === '3');
    expect(nack?.typeUrl).toBe(TYPE_URLS.route);
    expect(nack?.message).toBe('RouteConfiguration routes: virtual_hosts[0].routes[0].route.request_mirror_policies: is not supported by this proxy yet (there is no request mirroring)');
    for (let i = 0; i < 5; i++) expect(await upstreamOf()).toBe('v2');
  });

  it('NACKs a cluster it cannot apply and keeps the clusters it has', async () => {
    snapshot('4', routes('v2'), [edsCluster('v1', { lb_policy: 'CLUSTER_PROVIDED' }), edsCluster('v2')]);
    await eventually(() => nacks.some((n) => n.version === '4' && n.typeUrl === TYPE_URLS.cluster), 5000, 'a CDS NACK of version 4');
    expect(nacks.find((n) => n.version === '4')?.message).toBe('Cluster v1: lb_policy: CLUSTER_PROVIDED is not supported yet (ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH and MAGLEV are)');
    expect(proxy.runtime.clusters.get('v1')).toBeDefined();
    expect(await upstreamOf()).toBe('v2');
  });

  it('warms a CDS cluster with health checks before it serves (Envoy\'s dynamic_warming_clusters)', async () => {
    // The new cluster's only endpoint holds its health check until the test lets it answer.
    let releaseHealth: (() => void) | undefined;
    const healthAnswered = new Promise<void>((resolve) => (releaseHealth = resolve));
    const gate = http.createServer((req, res) => {
      if (req.url === '/healthz') void healthAnswered.then(() => res.end('ok'));
      else res.end(JSON.stringify({ upstream: 'v3' }));
    });
    const gatePort = await listenOnLoopback(gate);
    try {
      const v3 = staticCluster('v3', gatePort, {
        health_checks: [{ timeout: '10s', interval: '30s', unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: '/healthz' } }],
      });
      snapshot('5', routes('v2'), [edsCluster('v1'), edsCluster('v2'), v3]);
      await eventually(() => acks.some((a) => a.typeUrl === TYPE_URLS.cluster && a.version === '5'), 5000, 'the CDS ACK of version 5');
      const clusterDump = async (): Promise<Record<string, unknown[]>> => {
        const dump = JSON.parse((await curl(`http://127.0.0.1:${proxy.adminAddress?.port ?? 0}/config_dump`)).body) as { configs: Record<string, unknown[]>[] };
        return dump.configs.find((c) => String(c['@type']).endsWith('ClustersConfigDump')) ?? {};
      };
      const names = (entries: unknown[] | undefined): string[] => (entries ?? []).map((e) => (e as { cluster: { name: string } }).cluster.name);
      expect(proxy.runtime.clusters.get('v3')).toBeUndefined();
      expect(proxy.runtime.clusters.warming('v3')).toBeDefined();
      expect(names((await clusterDump())['dynamic_warming_clusters'])).toEqual(['v3']);
      expect(await upstreamOf()).toBe('v2');

      releaseHealth?.();
      await eventually(() => proxy.runtime.clusters.get('v3') !== undefined, 5000, 'v3 to finish warming');
      const dump = await clusterDump();
      expect(names(dump['dynamic_warming_clusters'])).toEqual([]);
      expect(names(dump['dynamic_active_clusters'])).toContain('v3');
      snapshot('6', routes('v3'), [edsCluster('v1'), edsCluster('v2'), v3]);
      await eventually(async () => (await upstreamOf().catch(() => '')) === 'v3', 5000, 'traffic on v3');
    } finally {
      releaseHealth?.();
      await closeServer(gate);
    }
  });

  it('warms a new EDS cluster until its first assignment, or until its initial_fetch_timeout ends', async () => {
    const withTimeout = { eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3', initial_fetch_timeout: '0.3s' } } };
    const clusters = [edsCluster('v1'), edsCluster('v2'), edsCluster('v4'), edsCluster('v5', withTimeout)];
    const publish = (version: string, extra: EnvoyResource[]): void =>
      cache.setSnapshot(NODE_ID, {
        version,
        resources: {
          [TYPE_URLS.listener]: listeners(),
          [TYPE_URLS.route]: [routes('v2')],
          [TYPE_URLS.cluster]: clusters,
          [TYPE_URLS.endpoint]: [assignment('v1', v1.port), assignment('v2', v2.port), ...extra],
        },
      });
    publish('7', []);
    await eventually(() => acks.some((a) => a.typeUrl === TYPE_URLS.cluster && a.version === '7'), 5000, 'the CDS ACK of version 7');
    expect(proxy.runtime.clusters.get('v4')).toBeUndefined();
    expect(proxy.runtime.clusters.warming('v4')).toBeDefined();
    // v5 stops waiting when its initial_fetch_timeout ends and serves with no endpoints, as Envoy's does.
    await eventually(() => proxy.runtime.clusters.get('v5') !== undefined, 5000, 'v5 to stop waiting');
    expect(proxy.runtime.clusters.get('v5')?.members).toEqual([]);
    expect(proxy.runtime.clusters.warming('v4')).toBeDefined(); // no timeout given: Envoy's 15 s

    publish('8', [assignment('v4', v1.port)]);
    await eventually(() => proxy.runtime.clusters.get('v4') !== undefined, 5000, 'v4 to warm with its assignment');
    expect(proxy.runtime.clusters.get('v4')?.members.map((m) => m.port)).toEqual([v1.port]);
    expect(await upstreamOf()).toBe('v2');
  });

  it('warms an LDS listener until its route config arrives; an updated one serves its old routes meanwhile', async () => {
    const rdsHcm = (routeName: string) => hcm({ rds: { route_config_name: routeName, config_source: { ads: {}, resource_api_version: 'V3' } } });
    const late: EnvoyResource = { name: 'late', address: { socket_address: { address: '127.0.0.1', port_value: 0 } }, filter_chains: [{ filters: [rdsHcm('late-routes')] }] };
    const named = (name: string, cluster: string): EnvoyResource => ({ ...routes(cluster), name });
    const publish = (version: string, plainRoutes: string, routeConfigs: EnvoyResource[]): void => {
      const [plain, mtls] = listeners();
      const rewired = { ...plain, filter_chains: [{ filters: [rdsHcm(plainRoutes)] }] };
      cache.setSnapshot(NODE_ID, {
        version,
        resources: {
          [TYPE_URLS.listener]: [rewired, mtls as EnvoyResource, late],
          [TYPE_URLS.route]: [routes('v2'), ...routeConfigs],
          [TYPE_URLS.cluster]: [edsCluster('v1'), edsCluster('v2')],
          [TYPE_URLS.endpoint]: [assignment('v1', v1.port), assignment('v2', v2.port)],
        },
      });
    };
    const listener = (name: string) => proxy.runtime.listenerManager.listeners.find((l) => l.spec.name === name);
    const listenerStates = async (): Promise<Record<string, string>> => {
      const dump = JSON.parse((await curl(`http://127.0.0.1:${proxy.adminAddress?.port ?? 0}/config_dump`)).body) as { configs: Record<string, unknown>[] };
      const entries = (dump.configs.find((c) => String(c['@type']).endsWith('ListenersConfigDump'))?.['dynamic_listeners'] ?? []) as Record<string, unknown>[];
      return Object.fromEntries(entries.map((e) => [String(e['name']), 'warming_state' in e ? 'warming' : 'active']));
    };

    // A new listener and an update to `plain`, both naming route configs the control plane has not sent.
    publish('9', 'routes-b', []);
    await eventually(() => listener('late') !== undefined && listener('plain')?.pendingSpec !== undefined, 5000, 'LDS version 9 to be applied');
    expect(listener('late')?.warming).toBe(true);
    expect(listener('late')?.server.listening).toBe(false);
    expect(await listenerStates()).toMatchObject({ late: 'warming', plain: 'warming', mtls: 'active' });
    for (let i = 0; i < 3; i++) expect(await upstreamOf()).toBe('v2'); // plain still on its old routes

    publish('10', 'routes-b', [named('late-routes', 'v1'), named('routes-b', 'v1')]);
    await eventually(() => listener('late')?.server.listening === true, 5000, 'late to bind once its routes arrive');
    const latePort = (listener('late')?.server.address() as AddressInfo).port;
    const res = await request(`http://127.0.0.1:${latePort}/`, { dispatcher: agent });
    expect((JSON.parse(await res.body.text()) as { upstream: string }).upstream).toBe('v1');
    await eventually(async () => (await upstreamOf()) === 'v1', 5000, 'plain to take its new routes');
    expect(await listenerStates()).toMatchObject({ late: 'active', plain: 'active' });
  });
});

describe('a proxy whose control plane never answers', () => {
  it('initializes without the first CDS and LDS answers once their initial_fetch_timeout ends', async () => {
    const silent = await startGrpcServer((server) => new AdsServer({ cache: new SnapshotCache() }).addTo(server));
    const port = Number(silent.address.split(':')[1]);
    const bootstrapWith = (timeout: string) => ({
      node: { id: 'silent~127.0.0.1~x.y~y.svc.cluster.local', cluster: 'x' },
      dynamic_resources: {
        ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
        cds_config: { ads: {}, resource_api_version: 'V3', initial_fetch_timeout: timeout },
        lds_config: { ads: {}, resource_api_version: 'V3', initial_fetch_timeout: timeout },
      },
      static_resources: { clusters: [staticCluster('xds-grpc', port)] },
    });
    const waiting = await startProxy(parseBootstrap(stringify(bootstrapWith('0s')), 'forever.yaml'), { log: () => undefined });
    const giving = await startProxy(parseBootstrap(stringify(bootstrapWith('0.3s')), 'brief.yaml'), { log: () => undefined });
    try {
      const started = Date.now();
      await giving.ready;
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      // `0s` waits for good, as in Envoy (Istio's bootstrap sets it).
      const stillWaiting = await Promise.race([waiting.ready.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 300))]);
      expect(stillWaiting).toBe(true);
    } finally {
      await Promise.all([waiting.close(), giving.close()]);
      await silent.close();
    }
  });
});

describe('a static listener that names an RDS route config', () => {
  /** A control plane that answers CDS, EDS and LDS but holds `front-routes` back until `publishRoutes()`. */
  async function setUp(port = 0) {
    const upstream = await startUpstream('from-rds');
    const cache = new SnapshotCache();
    const publish = (version: string, routeConfigs: EnvoyResource[]): void =>
      cache.setSnapshot(NODE_ID, {
        version,
        resources: {
          [TYPE_URLS.listener]: [],
          [TYPE_URLS.route]: routeConfigs,
          [TYPE_URLS.cluster]: [edsCluster('web')],
          [TYPE_URLS.endpoint]: [assignment('web', upstream.port)],
        },
      });
    publish('1', []);
    const controlPlane = await startGrpcServer((server) => new AdsServer({ cache }).addTo(server));
    const frontListener = {
      name: 'front',
      address: { socket_address: { address: '127.0.0.1', port_value: port } },
      filter_chains: [{ filters: [hcm({ rds: { route_config_name: 'front-routes', config_source: { ads: {}, initial_fetch_timeout: '0s' } } })] }],
    };
    const bootstrap = {
      node: { id: NODE_ID, cluster: 'web.shop' },
      admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
      dynamic_resources: {
        ads_config: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds-grpc' } }] },
        cds_config: { ads: {} },
        lds_config: { ads: {} },
      },
      static_resources: { listeners: [frontListener], clusters: [staticCluster('xds-grpc', Number(controlPlane.address.split(':')[1]))] },
    };
    const proxy = await startProxy(parseBootstrap(stringify(bootstrap), 'static-rds.yaml'), { log: () => undefined });
    return {
      proxy,
      publishRoutes: () => publish('2', [{ ...routes('web'), name: 'front-routes' }]),
      front: () => proxy.runtime.listenerManager.listeners.find((l) => l.spec.name === 'front'),
      tearDown: async () => {
        await proxy.close();
        await controlPlane.close();
        await upstream.close();
      },
    };
  }

  it('warms until ADS brings its routes, and readiness waits for it, as Envoy initializes', async () => {
    const { proxy, publishRoutes, front, tearDown } = await setUp();
    try {
      const admin = `http://127.0.0.1:${proxy.adminAddress?.port ?? 0}`;
      // CDS, EDS and LDS are answered; the listener's route config is not.
      const early = await Promise.race([proxy.ready.then(() => 'ready'), new Promise((resolve) => setTimeout(() => resolve('waiting'), 500))]);
      expect(early).toBe('waiting');
      expect(front()?.warming).toBe(true);
      expect(front()?.server.listening).toBe(false);
      expect((await curl(`${admin}/ready`)).status).toBe(503);

      publishRoutes();
      await proxy.ready;
      expect((await curl(`${admin}/ready`)).status).toBe(200);
      const res = await request(`http://127.0.0.1:${(front()?.server.address() as AddressInfo).port}/`);
      expect(res.statusCode).toBe(200);
      expect((JSON.parse(await res.body.text()) as { upstream: string }).upstream).toBe('from-rds');
    } finally {
      await tearDown();
    }
  });

  it('fails readiness, naming the listener, when it cannot bind once warm', async () => {
    const taken = http.createServer();
    const { proxy, publishRoutes, tearDown } = await setUp(await listenOnLoopback(taken));
    try {
      publishRoutes();
      const error = (await proxy.ready.then(() => null, (reason: unknown) => reason)) as { code?: string; message?: string } | null;
      expect(error?.code).toBe('MESHKIT_PROXY_LISTENER_BIND');
      expect(error?.message).toContain('front');
    } finally {
      await tearDown();
      await closeServer(taken);
    }
  });
});
