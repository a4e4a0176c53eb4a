import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsServer, SnapshotCache, TYPE_URLS, decodeResource } from '../src/index.js';
import type { EnvoyNode, EnvoyResource } from '../src/index.js';
import { AggregatedDiscoveryService } from './envoy-grpc-definitions.js';
import type { RawRequest, RawResponse } from './envoy-grpc-definitions.js';
import { Inbox, eventually, listen } from './harness.js';

// Drives the ADS server with Envoy's service definition through @grpc/proto-loader, checking
// versions, nonces, ACK/NACK and subscriptions on the wire rather than through our client.

const NODE_ID = 'router~127.10.0.2~gateway.istio-system~istio-system.svc.cluster.local';
const RAW_NODE = {
  id: NODE_ID,
  cluster: 'gateway.istio-system',
  metadata: { fields: { NAMESPACE: { stringValue: 'istio-system' }, LABELS: { structValue: { fields: { app: { stringValue: 'gw' } } } } } },
};

const cluster = (name: string, timeout = '1s'): EnvoyResource => ({ name, connect_timeout: timeout });
const cla = (name: string): EnvoyResource => ({ cluster_name: name, endpoints: [] });

interface Events {
  opened: EnvoyNode[];
  closed: string[];
  acks: string[];
  nacks: { typeUrl: string; detail: { code: number; message: string }; version: string }[];
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

async function setup() {
  const cache = new SnapshotCache();
  const events: Events = { opened: [], closed: [], acks: [], nacks: [] };
  const server = new grpc.Server();
  new AdsServer({
    cache,
    onStreamOpen: (node) => events.opened.push(node),
    onStreamClose: (node) => events.closed.push(node.id),
    onAck: (nodeId, typeUrl, version) => events.acks.push(`${nodeId === NODE_ID ? 'gw' : nodeId} ${typeUrl} ${version}`),
    onNack: (_nodeId, typeUrl, detail, version) => events.nacks.push({ typeUrl, detail, version }),
  }).addTo(server);
  const port = await listen(server);
  cleanups.push(() => server.forceShutdown());
  const client = new AggregatedDiscoveryService(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  cleanups.push(() => client.close());
  return { cache, events, client };
}

function openStream(client: grpc.Client) {
  const call = (client as unknown as { StreamAggregatedResources(): grpc.ClientDuplexStream<RawRequest, RawResponse> }).StreamAggregatedResources();
  const responses = new Inbox<RawResponse>();
  const statuses = new Inbox<grpc.StatusObject>();
  call.on('data', (response: RawResponse) => responses.push(response));
  call.on('error', () => undefined);
  call.on('status', (status: grpc.StatusObject) => statuses.push(status));
  cleanups.push(() => call.cancel());
  return { call, responses, statuses };
}

const namesOf = (response: RawResponse): string[] =>
  (response.resources ?? []).map((any) => {
    expect(any.type_url).toBe(response.type_url);
    const resource = decodeResource(any.type_url, any.value);
    return String(resource['name'] ?? resource['cluster_name']);
  });

describe('ADS server seen by a proto-loader client', () => {
  it('answers, ACKs, ignores stale nonces, NACKs without resending, and pushes fixes', async () => {
    const { cache, events, client } = await setup();
    cache.setSnapshot(NODE_ID, { version: 'v1', resources: { [TYPE_URLS.cluster]: [cluster('a'), cluster('b')] } });
    const { call, responses } = openStream(client);

    call.write({ node: RAW_NODE, type_url: TYPE_URLS.cluster, resource_names: [], version_info: '', response_nonce: '' });
    const first = await responses.next('the CDS response');
    expect(first.version_info).toBe('v1');
    expect(first.type_url).toBe(TYPE_URLS.cluster);
    expect(first.nonce).toMatch(/.+/);
    expect(namesOf(first)).toEqual(['a', 'b']);
    expect(events.opened).toEqual([
      { id: NODE_ID, cluster: 'gateway.istio-system', metadata: { NAMESPACE: 'istio-system', LABELS: { app: 'gw' } } },
    ]);

    // ACK: recorded, and answered with silence.
    call.write({ type_url: TYPE_URLS.cluster, version_info: 'v1', response_nonce: first.nonce ?? '' });
    await eventually(() => events.acks[0], 'onAck');
    expect(events.acks).toEqual([`gw ${TYPE_URLS.cluster} v1`]);
    await responses.expectNothing(150, 'response to an ACK');

    cache.setSnapshot(NODE_ID, { version: 'v2', resources: { [TYPE_URLS.cluster]: [cluster('a'), cluster('b', '2s')] } });
    const second = await responses.next('the v2 push');
    expect(second.version_info).toBe('v2');
    expect(second.nonce).not.toBe(first.nonce);

    // An answer carrying the old nonce is stale: neither ACK nor NACK, no response.
    call.write({ type_url: TYPE_URLS.cluster, version_info: 'v1', response_nonce: first.nonce ?? '', error_detail: { code: 3, message: 'late' } });
    await responses.expectNothing(150, 'response to a stale nonce');
    expect(events.nacks).toEqual([]);
    expect(events.acks).toHaveLength(1);

    // NACK of v2: reported with the rejected version; v2 is not sent again.
    call.write({ type_url: TYPE_URLS.cluster, version_info: 'v1', response_nonce: second.nonce ?? '', error_detail: { code: 3, message: 'b: bad timeout' } });
    await eventually(() => events.nacks[0], 'onNack');
    expect(events.nacks).toEqual([{ typeUrl: TYPE_URLS.cluster, detail: { code: 3, message: 'b: bad timeout' }, version: 'v2' }]);
    cache.setSnapshot(NODE_ID, { version: 'v3', resources: { [TYPE_URLS.cluster]: [cluster('a'), cluster('b', '2s')], [TYPE_URLS.listener]: [] } });
    await responses.expectNothing(150, 'the rejected clusters again');

    cache.setSnapshot(NODE_ID, { version: 'v4', resources: { [TYPE_URLS.cluster]: [cluster('a'), cluster('b', '3s')] } });
    const fixed = await responses.next('the fixed clusters');
    expect(fixed.version_info).toBe('v4');
    expect(new Set([first.nonce, second.nonce, fixed.nonce]).size).toBe(3);
    call.end();
    await eventually(() => events.closed[0], 'onStreamClose');
  });

  it('sends EDS only for requested names and follows name changes, including to none', async () => {
    const { cache, client } = await setup();
    cache.setSnapshot(NODE_ID, { version: 'v1', resources: { [TYPE_URLS.endpoint]: [cla('c1'), cla('c2'), cla('c3')] } });
    const { call, responses } = openStream(client);
    call.write({ node: RAW_NODE, type_url: TYPE_URLS.endpoint, resource_names: ['c2'] });
    const first = await responses.next('EDS c2');
    expect(namesOf(first)).toEqual(['c2']);
    call.write({ type_url: TYPE_URLS.endpoint, resource_names: ['c2', 'c3'], version_info: 'v1', response_nonce: first.nonce ?? '' });
    const second = await responses.next('EDS c2+c3');
    expect(namesOf(second)).toEqual(['c2', 'c3']);
    call.write({ type_url: TYPE_URLS.endpoint, resource_names: [], version_info: 'v1', response_nonce: second.nonce ?? '' });
    const third = await responses.next('EDS for no names');
    expect(third.resources ?? []).toEqual([]);
    // LDS with no names is a wildcard, and "*" asks for everything of any type.
    cache.setSnapshot(NODE_ID, { version: 'v2', resources: { [TYPE_URLS.endpoint]: [cla('c1')], [TYPE_URLS.route]: [{ name: 'r1' }, { name: 'r2' }] } });
    call.write({ type_url: TYPE_URLS.route, resource_names: ['*'] });
    const routes = await responses.next('RDS wildcard');
    expect(namesOf(routes)).toEqual(['r1', 'r2']);
  });

  it('waits for a snapshot before answering, and answers a restarted subscription again', async () => {
    const { cache, client } = await setup();
    const { call, responses } = openStream(client);
    call.write({ node: RAW_NODE, type_url: TYPE_URLS.listener });
    await responses.expectNothing(100, 'a response without a snapshot');
    cache.setSnapshot(NODE_ID, { version: 'v1', resources: { [TYPE_URLS.listener]: [{ name: 'l1' }] } });
    const first = await responses.next('LDS once the snapshot exists');
    expect(namesOf(first)).toEqual(['l1']);
    call.write({ type_url: TYPE_URLS.listener, version_info: 'v1', response_nonce: '' });
    const again = await responses.next('LDS for an empty nonce');
    expect(again.version_info).toBe('v1');
    expect(again.nonce).not.toBe(first.nonce);
  });

  it('rejects a stream whose first request has no node, and answers Delta with UNIMPLEMENTED', async () => {
    const { client } = await setup();
    const { call, statuses } = openStream(client);
    call.write({ type_url: TYPE_URLS.cluster });
    const status = await statuses.next('the stream status');
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/node\.id/);

    const delta = (client as unknown as { DeltaAggregatedResources(): grpc.ClientDuplexStream<unknown, unknown> }).DeltaAggregatedResources();
    const deltaStatus = new Inbox<grpc.StatusObject>();
    delta.on('error', () => undefined);
    delta.on('status', (s: grpc.StatusObject) => deltaStatus.push(s));
    delta.write({ type_url: TYPE_URLS.cluster });
    expect((await deltaStatus.next('the delta status')).code).toBe(grpc.status.UNIMPLEMENTED);
  });
});
