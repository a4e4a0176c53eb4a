import { ClusterManager, Cluster } from '@meshkit/upstream';
import { afterEach, describe, expect, it } from 'vitest';
import { istioStatsFilterFactory, metadataExchangeFilterFactory, routerFilterFactory } from '../src/builtin/index.js';
import type { LocalPeer } from '../src/builtin/index.js';
import { HttpFilterRegistry } from '../src/index.js';
import type { HttpConnectionManagerConfig, TrafficDirection } from '../src/index.js';
import type { IstioMetrics } from '@meshkit/telemetry';
import { Closer, startApp, waitFor } from './support/net.js';
import { prometheusMetrics, samples } from './support/otel-sdk.js';
import { client, routesTo, startProxy } from './support/proxy.js';
import type { RunningProxy } from './support/proxy.js';

const closer = new Closer();
afterEach(() => closer.closeAll());

const productpage: LocalPeer = {
  nodeId: 'sidecar~127.10.1.1~productpage-v1.default~default.svc.cluster.local',
  trustDomain: 'cluster.local',
  metadata: { workloadName: 'productpage-v1', namespace: 'default', labels: { app: 'productpage', version: 'v1' }, serviceAccount: 'bookinfo-productpage' },
};

const reviews: LocalPeer = {
  nodeId: 'sidecar~127.10.1.2~reviews-v2.default~default.svc.cluster.local',
  trustDomain: 'cluster.local',
  metadata: { workloadName: 'reviews-v2', namespace: 'default', labels: { app: 'reviews', version: 'v2' }, serviceAccount: 'bookinfo-reviews' },
};

const REVIEWS_CLUSTER = 'outbound|9080||reviews.default.svc.cluster.local';

/** A sidecar's HCM filter chain, compiled the way the proxy compiles an xDS listener. */
function sidecarFilters(local: LocalPeer, metrics: IstioMetrics, clusters: ClusterManager, direction: TrafficDirection): HttpConnectionManagerConfig['filters'] {
  const registry = new HttpFilterRegistry()
    .register(metadataExchangeFilterFactory(local))
    .register(istioStatsFilterFactory(local, metrics))
    .register(routerFilterFactory(clusters));
  const context = { listenerName: direction === 'INBOUND' ? 'inbound' : 'virtualOutbound', trafficDirection: direction };
  const typedStruct = (typeUrl: string): Record<string, unknown> => ({
    '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
    type_url: `type.googleapis.com/${typeUrl}`,
    value: {},
  });
  return [
    registry.compile({ name: 'istio.metadata_exchange', typed_config: typedStruct('io.istio.http.peer_metadata.Config') }, context, 'filters[0]'),
    registry.compile({ name: 'istio.stats', typed_config: typedStruct('stats.PluginConfig') }, context, 'filters[1]'),
    registry.compile(
      { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
      context,
      'filters[2]',
    ),
  ];
}

function clusterManager(name: string, port: number): ClusterManager {
  const manager = new ClusterManager();
  const cluster = new Cluster({ name });
  cluster.setEndpoints([{ address: '127.0.0.1', port }]);
  manager.set(name, cluster);
  closer.add(() => cluster.destroy().then(() => manager.close()));
  return manager;
}

interface Mesh {
  readonly outbound: RunningProxy;
  readonly inbound: RunningProxy;
  readonly app: Awaited<ReturnType<typeof startApp>>;
  readonly scrape: () => Promise<string>;
}

/** client → productpage's outbound HCM → reviews' inbound HCM → reviews app. */
async function startMesh(): Promise<Mesh> {
  const { metrics, scrape } = await prometheusMetrics(closer);
  const app = await startApp('reviews', closer);
  const inbound = await startProxy(
    {
      direction: 'INBOUND',
      filters: sidecarFilters(reviews, metrics, clusterManager('inbound|9080||', app.port), 'INBOUND'),
      routes: routesTo([{ match: { prefix: '/' }, route: { cluster: 'inbound|9080||' } }], 'inbound|9080||'),
    },
    closer,
  );
  const outbound = await startProxy(
    {
      direction: 'OUTBOUND',
      filters: sidecarFilters(productpage, metrics, clusterManager(REVIEWS_CLUSTER, inbound.port), 'OUTBOUND'),
      routes: routesTo([{ match: { prefix: '/' }, route: { cluster: REVIEWS_CLUSTER } }], 'outbound'),
    },
    closer,
  );
  return { outbound, inbound, app, scrape };
}

describe('Istio metadata exchange and stats', () => {
  it('exchanges peer metadata between two sidecars without leaking it to the app or the client', async () => {
    const mesh = await startMesh();
    const response = await client(closer)(`${mesh.outbound.origin}/reviews/0`, { headers: { host: 'reviews:9080' } });
    expect(response.status).toBe(200);
    expect(response.text).toBe('hello from reviews');
    const appHeaders = mesh.app.seen[0]?.headers ?? {};
    expect(Object.keys(appHeaders).filter((name) => name.startsWith('x-envoy-peer-metadata'))).toEqual([]);
    expect(Object.keys(response.headers).filter((name) => name.startsWith('x-envoy-peer-metadata'))).toEqual([]);
    await waitFor(() => mesh.outbound.streams[0]?.endTime !== undefined && mesh.inbound.streams[0]?.endTime !== undefined);
    expect(mesh.inbound.streams[0]?.filterState.get('istio.downstream_peer')).toMatchObject({ workloadName: 'productpage-v1' });
    expect(mesh.outbound.streams[0]?.filterState.get('istio.upstream_peer')).toMatchObject({ workloadName: 'reviews-v2' });
  });

  it('records istio_requests_total for both reporters with Istio labels', async () => {
    const mesh = await startMesh();
    const send = client(closer);
    for (let i = 0; i < 3; i++) expect((await send(`${mesh.outbound.origin}/`, { headers: { host: 'reviews:9080' } })).status).toBe(200);
    await waitFor(() => mesh.outbound.streams.length === 3 && mesh.outbound.streams.every((s) => s.endTime !== undefined));
    await waitFor(() => mesh.inbound.streams.length === 3 && mesh.inbound.streams.every((s) => s.endTime !== undefined));
    const text = await mesh.scrape();
    const requests = samples(text, 'istio_requests_total');
    const source = requests.find((s) => s.labels['reporter'] === 'source');
    const destination = requests.find((s) => s.labels['reporter'] === 'destination');
    expect(source?.value).toBe(3);
    expect(destination?.value).toBe(3);
    const common = {
      source_workload: 'productpage-v1',
      source_workload_namespace: 'default',
      source_app: 'productpage',
      destination_workload: 'reviews-v2',
      destination_workload_namespace: 'default',
      destination_app: 'reviews',
      destination_version: 'v2',
      destination_service: 'reviews.default.svc.cluster.local',
      destination_service_name: 'reviews',
      destination_service_namespace: 'default',
      request_protocol: 'http',
      response_code: '200',
      response_flags: '-',
    };
    expect(source?.labels).toMatchObject({ ...common, connection_security_policy: 'unknown', source_principal: 'spiffe://cluster.local/ns/default/sa/bookinfo-productpage' });
    // Without mTLS the destination cannot prove who called: no principal, policy none.
    expect(destination?.labels).toMatchObject({ ...common, connection_security_policy: 'none', source_principal: 'unknown' });
    expect(samples(text, 'istio_request_duration_milliseconds_count').map((s) => s.value)).toEqual([3, 3]);
  });

  it('labels an upstream failure with its response code and flags', async () => {
    const { metrics, scrape } = await prometheusMetrics(closer);
    const refused = clusterManager(REVIEWS_CLUSTER, 1);
    const outbound = await startProxy(
      {
        direction: 'OUTBOUND',
        filters: sidecarFilters(productpage, metrics, refused, 'OUTBOUND'),
        routes: routesTo([{ match: { prefix: '/' }, route: { cluster: REVIEWS_CLUSTER } }]),
      },
      closer,
    );
    expect((await client(closer)(`${outbound.origin}/`, { headers: { host: 'reviews:9080' } })).status).toBe(503);
    await waitFor(() => outbound.streams[0]?.endTime !== undefined);
    const [sample] = samples(await scrape(), 'istio_requests_total');
    expect(sample?.labels).toMatchObject({
      reporter: 'source',
      response_code: '503',
      response_flags: 'UF',
      destination_service: 'reviews.default.svc.cluster.local',
      destination_workload: 'unknown',
    });
  });

  it('names the inbound destination service from the Host, however the caller spelled it', async () => {
    const { metrics, scrape } = await prometheusMetrics(closer);
    const app = await startApp('reviews', closer);
    const inbound = await startProxy(
      {
        direction: 'INBOUND',
        filters: sidecarFilters(reviews, metrics, clusterManager('inbound|9080||', app.port), 'INBOUND'),
        routes: routesTo([{ match: { prefix: '/' }, route: { cluster: 'inbound|9080||' } }]),
      },
      closer,
    );
    const send = client(closer);
    const hosts = ['reviews:9080', 'reviews.default:9080', 'reviews.default.svc:9080', 'reviews.default.svc.cluster.local:9080', '127.10.1.2:9080'];
    for (const host of hosts) expect((await send(`${inbound.origin}/`, { headers: { host } })).status).toBe(200);
    await waitFor(() => inbound.streams.length === hosts.length && inbound.streams.every((s) => s.endTime !== undefined));
    const services = samples(await scrape(), 'istio_requests_total').map((s) => [s.labels['destination_service'], s.value]);
    expect(Object.fromEntries(services)).toEqual({ 'reviews.default.svc.cluster.local': 4, '127.10.1.2': 1 });
  });
});
