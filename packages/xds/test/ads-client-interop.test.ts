import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AdsClient, TYPE_URLS, encodeResource } from '../src/index.js';
import type { AdsConnectionState, EnvoyResource } from '../src/index.js';
import { AggregatedDiscoveryService } from './envoy-grpc-definitions.js';
import type { RawRequest, RawResponse } from './envoy-grpc-definitions.js';
import { Inbox, eventually, listen } from './harness.js';

// The ADS client against a control plane written with Envoy's service definition through
// @grpc/proto-loader: the requests it sends are checked field by field.

interface RawStream {
  requests: Inbox<RawRequest>;
  call: grpc.ServerDuplexStream<RawRequest, RawResponse>;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

async function rawControlPlane() {
  const streams = new Inbox<RawStream>();
  const server = new grpc.Server();
  server.addService(AggregatedDiscoveryService.service, {
    StreamAggregatedResources: (call: grpc.ServerDuplexStream<RawRequest, RawResponse>) => {
      const requests = new Inbox<RawRequest>();
      call.on('data', (request: RawRequest) => requests.push(request));
      call.on('error', () => undefined);
      streams.push({ requests, call });
    },
  });
  const port = await listen(server);
  cleanups.push(() => server.forceShutdown());
  return { streams, port };
}

const clusterAny = (resource: EnvoyResource) => ({ type_url: TYPE_URLS.cluster, value: Buffer.from(encodeResource(TYPE_URLS.cluster, resource)) });

describe('ADS client seen by a proto-loader control plane', () => {
  it('sends node once, ACKs, NACKs bad responses, and resumes from the ACKed version after a broken stream', async () => {
    const { streams, port } = await rawControlPlane();
    const client = new AdsClient({
      address: `127.0.0.1:${port}`,
      node: { id: 'sidecar~127.10.1.7~ratings-v1.default~default.svc.cluster.local', metadata: { NAMESPACE: 'default' } },
      backoff: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    cleanups.push(() => client.close());
    const states: AdsConnectionState[] = [];
    client.onConnectionState((state) => states.push(state));
    const delivered: string[] = [];
    client.watch(TYPE_URLS.cluster, [], (resources, version) => {
      if (resources.some((resource) => resource['name'] === 'reject-me')) throw new Error('cluster reject-me: not today');
      delivered.push(`${version}:${resources.map((resource) => String(resource['name'])).join(',')}`);
    });
    client.watch(TYPE_URLS.endpoint, ['c1'], () => undefined);
    client.start();

    const first = await streams.next('the first stream');
    const cds = await first.requests.next('CDS request');
    expect(cds).toMatchObject({
      type_url: TYPE_URLS.cluster,
      node: { id: 'sidecar~127.10.1.7~ratings-v1.default~default.svc.cluster.local', metadata: { fields: { NAMESPACE: { stringValue: 'default' } } } },
    });
    expect(cds.resource_names ?? []).toEqual([]);
    expect(cds.response_nonce ?? '').toBe('');
    const eds = await first.requests.next('EDS request');
    expect(eds).toMatchObject({ type_url: TYPE_URLS.endpoint, resource_names: ['c1'] });
    expect(eds.node).toBeUndefined();

    first.call.write({ version_info: 'v1', nonce: 'n1', type_url: TYPE_URLS.cluster, resources: [clusterAny({ name: 'a', connect_timeout: '1s' })] });
    const ack = await first.requests.next('ACK');
    expect(ack).toMatchObject({ type_url: TYPE_URLS.cluster, version_info: 'v1', response_nonce: 'n1' });
    expect(ack.error_detail).toBeUndefined();
    expect(delivered).toEqual(['v1:a']);
    expect(states).toContain('ready');

    first.call.write({ version_info: 'v2', nonce: 'n2', type_url: TYPE_URLS.cluster, resources: [clusterAny({ name: 'reject-me' })] });
    expect(await first.requests.next('NACK of a rejected config')).toMatchObject({
      version_info: 'v1',
      response_nonce: 'n2',
      error_detail: { code: 3, message: 'cluster reject-me: not today' },
    });

    first.call.write({ version_info: 'v3', nonce: 'n3', type_url: TYPE_URLS.cluster, resources: [{ type_url: TYPE_URLS.cluster, value: Buffer.from([0x0a, 0xff]) }] });
    const malformed = await first.requests.next('NACK of undecodable bytes');
    expect(malformed).toMatchObject({ version_info: 'v1', response_nonce: 'n3' });
    expect(malformed.error_detail?.message).toMatch(/cannot decode envoy\.config\.cluster\.v3\.Cluster/);

    first.call.write({ version_info: 'v4', nonce: 'n4', type_url: TYPE_URLS.cluster, resources: [{ type_url: TYPE_URLS.listener, value: Buffer.alloc(0) }] });
    const mismatched = await first.requests.next('NACK of a resource of another type');
    expect(mismatched.error_detail?.message).toMatch(/resources\[0\] is .*Listener/);
    expect(delivered).toEqual(['v1:a']);
    expect(client.ackedVersion(TYPE_URLS.cluster)).toBe('v1');

    client.watch(TYPE_URLS.endpoint, ['c1', 'c2'], () => undefined);
    expect(await first.requests.next('new EDS names')).toMatchObject({ type_url: TYPE_URLS.endpoint, resource_names: ['c1', 'c2'] });

    first.call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'control plane restarting' });
    const second = await streams.next('the reconnected stream');
    const resumedCds = await second.requests.next('CDS on the new stream');
    expect(resumedCds).toMatchObject({ type_url: TYPE_URLS.cluster, version_info: 'v1', node: { id: 'sidecar~127.10.1.7~ratings-v1.default~default.svc.cluster.local' } });
    expect(resumedCds.response_nonce ?? '').toBe('');
    const resumedEds = await second.requests.next('EDS on the new stream');
    expect(resumedEds).toMatchObject({ type_url: TYPE_URLS.endpoint, resource_names: ['c1', 'c2'] });
    expect(resumedEds.node).toBeUndefined();
    expect(states).toContain('reconnecting');
    expect(client.state).toBe('reconnecting');
    second.call.write({ version_info: 'v5', nonce: 'm1', type_url: TYPE_URLS.cluster, resources: [clusterAny({ name: 'b' })] });
    expect(await second.requests.next('ACK on the new stream')).toMatchObject({ version_info: 'v5', response_nonce: 'm1' });
    expect(delivered).toEqual(['v1:a', 'v5:b']);
    expect(client.state).toBe('ready');
  });

  it('keeps retrying with backoff while nothing listens, then connects', async () => {
    const { port } = await rawControlPlane();
    cleanups.splice(0).forEach((cleanup) => cleanup()); // the port is now closed
    const client = new AdsClient({ address: `127.0.0.1:${port}`, node: { id: 'n' }, backoff: { initialDelayMs: 20, maxDelayMs: 60 } });
    cleanups.push(() => client.close());
    let failures = 0;
    client.onConnectionState((state) => {
      if (state === 'reconnecting') failures += 1;
    });
    client.watch(TYPE_URLS.cluster, [], () => undefined);
    client.start();
    await eventually(() => (client.state === 'reconnecting' ? true : undefined), 'a failed attempt');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.state).toBe('reconnecting');

    const streams = new Inbox<RawStream>();
    const server = new grpc.Server();
    server.addService(AggregatedDiscoveryService.service, {
      StreamAggregatedResources: (call: grpc.ServerDuplexStream<RawRequest, RawResponse>) => {
        const requests = new Inbox<RawRequest>();
        call.on('data', (request: RawRequest) => requests.push(request));
        streams.push({ requests, call });
      },
    });
    await listen(server, port);
    cleanups.push(() => server.forceShutdown());
    const stream = await streams.next('a stream once the server is up', 10_000);
    expect((await stream.requests.next('CDS')).type_url).toBe(TYPE_URLS.cluster);
    expect(failures).toBeGreaterThanOrEqual(1);
    client.close();
    expect(client.state).toBe('closed');
  });
});
