import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsClient, AdsServer, SnapshotCache, TYPE_URLS } from '../src/index.js';
import type { AdsConnectionState, AdsServerOptions, EnvoyNode, EnvoyResource, Snapshot } from '../src/index.js';
import { edsCluster, inboundListener, routeConfiguration } from './envoy-fixtures.js';
import { eventually, listen, sleep } from './harness.js';

const NODE: EnvoyNode = {
  id: 'sidecar~127.10.1.3~reviews-v1.default~default.svc.cluster.local',
  cluster: 'reviews.default',
  metadata: { NAMESPACE: 'default', LABELS: { app: 'reviews', version: 'v1' }, INSTANCE_IPS: '127.10.1.3' },
};

const cluster = (name: string, timeout = '1s'): EnvoyResource => ({ name, type: 'EDS', connect_timeout: timeout, eds_cluster_config: { eds_config: { ads: {} } } });
const cla = (name: string, port: number): EnvoyResource => ({
  cluster_name: name,
  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.10.1.9', port_value: port } } } }] }],
});

interface Delivery {
  resources: EnvoyResource[];
  version: string;
}

const started: { close(): void }[] = [];
afterEach(() => {
  for (const thing of started.splice(0).reverse()) thing.close();
});

async function startAds(options: Omit<AdsServerOptions, 'cache'> & { cache?: SnapshotCache }, port = 0) {
  const cache = options.cache ?? new SnapshotCache();
  const server = new grpc.Server();
  new AdsServer({ ...options, cache }).addTo(server);
  const boundPort = await listen(server, port);
  const handle = { cache, server, port: boundPort, close: () => server.forceShutdown() };
  started.push(handle);
  return handle;
}

function startClient(port: number): AdsClient {
  const client = new AdsClient({ address: `127.0.0.1:${port}`, node: NODE, backoff: { initialDelayMs: 20, maxDelayMs: 200 } });
  started.push(client);
  client.start();
  return client;
}

function recorder(): { deliveries: Delivery[]; handler: (resources: EnvoyResource[], version: string) => void } {
  const deliveries: Delivery[] = [];
  return { deliveries, handler: (resources, version) => deliveries.push({ resources, version }) };
}

describe('ADS server and client over a real gRPC stream', () => {
  it('pushes the initial snapshot, then only the types whose resources changed', async () => {
    const opened: EnvoyNode[] = [];
    const acks: string[] = [];
    const ads = await startAds({
      onStreamOpen: (node) => opened.push(node),
      onAck: (nodeId, typeUrl, version) => acks.push(`${nodeId === NODE.id ? 'node' : nodeId} ${typeUrl.split('.').pop() ?? ''} ${version}`),
    });
    ads.cache.setSnapshot(NODE.id, { version: 'v1', resources: { [TYPE_URLS.listener]: [inboundListener], [TYPE_URLS.cluster]: [edsCluster] } });
    const client = startClient(ads.port);
    const listeners = recorder();
    const clusters = recorder();
    client.watch(TYPE_URLS.listener, [], listeners.handler);
    client.watch(TYPE_URLS.cluster, [], clusters.handler);

    await eventually(() => (acks.length === 2 ? true : undefined), 'two ACKs');
    expect(listeners.deliveries).toEqual([{ resources: [inboundListener], version: 'v1' }]);
    expect(clusters.deliveries).toEqual([{ resources: [edsCluster], version: 'v1' }]);
    expect(acks.sort()).toEqual(['node Cluster v1', 'node Listener v1']);
    expect(opened).toEqual([NODE]);
    expect(client.state).toBe('ready');

    ads.cache.setSnapshot(NODE.id, {
      version: 'v2',
      resources: { [TYPE_URLS.listener]: [inboundListener], [TYPE_URLS.cluster]: [edsCluster, cluster('extra')] },
    });
    await eventually(() => clusters.deliveries[1], 'the updated clusters');
    expect(clusters.deliveries[1]).toEqual({ resources: [edsCluster, cluster('extra')], version: 'v2' });
    await eventually(() => (client.ackedVersion(TYPE_URLS.cluster) === 'v2' ? true : undefined), 'ACK of v2');
    await sleep(100);
    expect(listeners.deliveries).toHaveLength(1);
    expect(client.ackedVersion(TYPE_URLS.listener)).toBe('v1');
  });

  it('NACKs when the handler throws: the server hears why, the client keeps the last good version', async () => {
    const nacks: unknown[] = [];
    const ads = await startAds({ onNack: (nodeId, typeUrl, detail, version) => nacks.push({ nodeId, typeUrl, detail, version }) });
    ads.cache.setSnapshot(NODE.id, { version: 'v1', resources: { [TYPE_URLS.cluster]: [cluster('good')] } });
    const client = startClient(ads.port);
    const accepted: Delivery[] = [];
    let offered = 0;
    client.watch(TYPE_URLS.cluster, [], (resources, version) => {
      offered += 1;
      if (resources.some((resource) => resource['name'] === 'poison')) throw new Error('cluster poison: unsupported');
      accepted.push({ resources, version });
    });
    await eventually(() => (client.ackedVersion(TYPE_URLS.cluster) === 'v1' ? true : undefined), 'v1 accepted');

    ads.cache.setSnapshot(NODE.id, { version: 'v2', resources: { [TYPE_URLS.cluster]: [cluster('good'), cluster('poison')] } });
    await eventually(() => nacks[0], 'the NACK');
    expect(nacks).toEqual([{ nodeId: NODE.id, typeUrl: TYPE_URLS.cluster, detail: { code: 3, message: 'cluster poison: unsupported' }, version: 'v2' }]);
    expect(client.ackedVersion(TYPE_URLS.cluster)).toBe('v1');

    // The same resources under a new version are not resent; a fix is.
    ads.cache.setSnapshot(NODE.id, { version: 'v3', resources: { [TYPE_URLS.cluster]: [cluster('good'), cluster('poison')] } });
    await sleep(150);
    expect(offered).toBe(2);
    ads.cache.setSnapshot(NODE.id, { version: 'v4', resources: { [TYPE_URLS.cluster]: [cluster('good'), cluster('fixed')] } });
    await eventually(() => (client.ackedVersion(TYPE_URLS.cluster) === 'v4' ? true : undefined), 'v4 accepted');
    expect(accepted.map((delivery) => delivery.version)).toEqual(['v1', 'v4']);
    expect(nacks).toHaveLength(1);
  });

  it('serves RDS and EDS by name and follows subscription changes', async () => {
    const ads = await startAds({});
    const routeB = { ...routeConfiguration, name: 'b' };
    ads.cache.setSnapshot(NODE.id, {
      version: 'v1',
      resources: { [TYPE_URLS.route]: [routeConfiguration, routeB], [TYPE_URLS.endpoint]: [cla('c1', 1), cla('c2', 2), cla('c3', 3)] },
    });
    const client = startClient(ads.port);
    const routes = recorder();
    const endpoints = recorder();
    client.watch(TYPE_URLS.route, ['b'], routes.handler);
    client.watch(TYPE_URLS.endpoint, ['c1'], endpoints.handler);
    await eventually(() => (routes.deliveries.length === 1 && endpoints.deliveries.length === 1 ? true : undefined), 'first RDS/EDS');
    expect(routes.deliveries[0]?.resources).toEqual([routeB]);
    expect(endpoints.deliveries[0]?.resources).toEqual([cla('c1', 1)]);

    client.watch(TYPE_URLS.endpoint, ['c1', 'c3', 'missing'], endpoints.handler);
    await eventually(() => endpoints.deliveries[1], 'EDS after the names changed');
    expect(endpoints.deliveries[1]?.resources).toEqual([cla('c1', 1), cla('c3', 3)]);

    // A change to an endpoint nobody here asked for is not pushed.
    ads.cache.setSnapshot(NODE.id, {
      version: 'v2',
      resources: { [TYPE_URLS.route]: [routeConfiguration, routeB], [TYPE_URLS.endpoint]: [cla('c1', 1), cla('c2', 22), cla('c3', 3)] },
    });
    await sleep(150);
    expect(endpoints.deliveries).toHaveLength(2);
    expect(routes.deliveries).toHaveLength(1);
    ads.cache.setSnapshot(NODE.id, {
      version: 'v3',
      resources: { [TYPE_URLS.route]: [routeConfiguration, routeB], [TYPE_URLS.endpoint]: [cla('c1', 1), cla('c2', 22), cla('c3', 33)] },
    });
    await eventually(() => endpoints.deliveries[2], 'EDS v3');
    expect(endpoints.deliveries[2]).toEqual({ resources: [cla('c1', 1), cla('c3', 33)], version: 'v3' });
  });

  it('pushes a snapshot that onStreamOpen sets synchronously or a little later', async () => {
    const cache = new SnapshotCache();
    const ads = await startAds({
      cache,
      onStreamOpen: (node) => {
        if (node.id === 'sync') cache.setSnapshot('sync', { version: 's1', resources: { [TYPE_URLS.cluster]: [cluster('now')] } });
        else setTimeout(() => cache.setSnapshot(node.id, { version: 'l1', resources: { [TYPE_URLS.cluster]: [cluster('later')] } }), 50);
      },
    });
    const deliveries: string[] = [];
    for (const id of ['sync', 'async']) {
      const client = new AdsClient({ address: `127.0.0.1:${ads.port}`, node: { id } });
      started.push(client);
      client.watch(TYPE_URLS.cluster, [], (resources, version) => deliveries.push(`${id} ${version} ${String(resources[0]?.['name'])}`));
      client.start();
    }
    await eventually(() => (deliveries.length === 2 ? true : undefined), 'both snapshots');
    expect(deliveries.sort()).toEqual(['async l1 later', 'sync s1 now']);
  });

  it('calls onStreamClose when the proxy goes away', async () => {
    const closed: string[] = [];
    const ads = await startAds({ onStreamClose: (node) => closed.push(node.id) });
    ads.cache.setSnapshot(NODE.id, { version: 'v1', resources: {} });
    const client = startClient(ads.port);
    const clusters = recorder();
    client.watch(TYPE_URLS.cluster, [], clusters.handler);
    await eventually(() => clusters.deliveries[0], 'an (empty) CDS response');
    expect(clusters.deliveries[0]).toEqual({ resources: [], version: 'v1' });
    client.close();
    await eventually(() => closed[0], 'onStreamClose');
    expect(closed).toEqual([NODE.id]);
  });

  it('reconnects after the server restarts and picks up the new server state', async () => {
    const first = await startAds({});
    first.cache.setSnapshot(NODE.id, { version: 'v1', resources: { [TYPE_URLS.cluster]: [cluster('a')] } });
    const client = startClient(first.port);
    const states: AdsConnectionState[] = [];
    client.onConnectionState((state) => states.push(state));
    const clusters = recorder();
    client.watch(TYPE_URLS.cluster, [], clusters.handler);
    await eventually(() => clusters.deliveries[0], 'v1 from the first server');

    first.close();
    await eventually(() => (states.includes('reconnecting') ? true : undefined), 'reconnecting state');
    const acksOnSecond: string[] = [];
    const snapshot: Snapshot = { version: 'v9', resources: { [TYPE_URLS.cluster]: [cluster('a', '2s'), cluster('b')] } };
    const cache = new SnapshotCache();
    cache.setSnapshot(NODE.id, snapshot);
    await startAds({ cache, onAck: (_node, _type, version) => acksOnSecond.push(version) }, first.port);

    await eventually(() => clusters.deliveries[1], 'v9 from the restarted server', 10_000);
    expect(clusters.deliveries[1]).toEqual({ resources: snapshot.resources[TYPE_URLS.cluster], version: 'v9' });
    await eventually(() => acksOnSecond[0], 'ACK to the new server');
    expect(acksOnSecond).toEqual(['v9']);
    expect(states.at(-1)).toBe('ready');
  });
});
