import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseBootstrap, startProxy } from '../src/index.js';
import type { RunningProxy } from '../src/index.js';
import { startGrpcServer } from './support/grpc-server.js';
import { bootstrapWith, hcmListener, httpProtocolOptions, ROUTER_FILTER, staticCluster } from './support/static-bootstrap.js';

// Messages are raw bytes: the proxy never looks inside them, so no .proto is needed.
const bytes = { serialize: (value: Buffer): Buffer => value, deserialize: (value: Buffer): Buffer => value };
const method = (name: string, requestStream: boolean, responseStream: boolean): grpc.MethodDefinition<Buffer, Buffer> => ({
  path: `/meshkit.test.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: bytes.serialize,
  requestDeserialize: bytes.deserialize,
  responseSerialize: bytes.serialize,
  responseDeserialize: bytes.deserialize,
});
const ECHO_SERVICE = {
  unary: method('Unary', false, false),
  serverStream: method('ServerStream', false, true),
  clientStream: method('ClientStream', true, false),
  slow: method('Slow', false, false),
} satisfies grpc.ServiceDefinition;
const EchoClient = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');

type EchoClient = grpc.Client & {
  unary(request: Buffer, metadata: grpc.Metadata, callback: grpc.requestCallback<Buffer>): grpc.ClientUnaryCall;
  serverStream(request: Buffer): grpc.ClientReadableStream<Buffer>;
  clientStream(callback: grpc.requestCallback<Buffer>): grpc.ClientWritableStream<Buffer>;
  slow(request: Buffer, callback: grpc.requestCallback<Buffer>): grpc.ClientUnaryCall;
  slow(request: Buffer, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<Buffer>): grpc.ClientUnaryCall;
};

/** Calls so far of each `flaky:<failures>:<id>` request. */
const flakyCalls = new Map<string, number>();

const handlers: grpc.UntypedServiceImplementation = {
  unary: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
    const text = call.request.toString();
    const [flaky, failures, id] = text.split(':');
    if (flaky === 'flaky') {
      const calls = (flakyCalls.get(text) ?? 0) + 1;
      flakyCalls.set(text, calls);
      // Fails UNAVAILABLE the first `failures` calls, as a server shedding load does.
      if (calls <= Number(failures)) return void callback({ code: grpc.status.UNAVAILABLE, details: `call ${calls} of ${String(id)} shed` });
      return void callback(null, Buffer.from(`served on call ${calls}`));
    }
    if (text === 'missing') {
      callback({ code: grpc.status.NOT_FOUND, details: 'no such thing: missing' });
      return;
    }
    const trailer = new grpc.Metadata();
    trailer.set('x-served-by', 'echo');
    callback(null, Buffer.from(`echo:${text}:${String(call.metadata.get('x-client')[0] ?? '')}`), trailer);
  },
  serverStream: (call: grpc.ServerWritableStream<Buffer, Buffer>) => {
    const count = Number(call.request.toString());
    for (let i = 0; i < count; i++) call.write(Buffer.from(`item-${i}`));
    call.end();
  },
  slow: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
    setTimeout(() => callback(null, Buffer.from('too late')), 1_500);
  },
  clientStream: (call: grpc.ServerReadableStream<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
    let total = 0;
    let messages = 0;
    call.on('data', (chunk: Buffer) => {
      total += chunk.length;
      messages++;
    });
    call.on('end', () => callback(null, Buffer.from(`${messages}/${total}`)));
  },
};

function bootstrap(grpcPort: number, clusterExtra: Record<string, unknown>): Record<string, unknown> {
  const routes = [
    {
      // Istio's max_stream_duration, with an offset so the proxy's deadline comes before the client's.
      match: { prefix: '/meshkit.test.Echo/Slow', headers: [{ name: 'x-deadline', present_match: true }] },
      route: { cluster: 'echo', timeout: '5s', max_stream_duration: { max_stream_duration: '0s', grpc_timeout_header_max: '0s', grpc_timeout_header_offset: '0.2s' } },
    },
    {
      // Envoy's older max_grpc_timeout: a gRPC call's deadline (less the offset) replaces the route timeout.
      match: { prefix: '/meshkit.test.Echo/Slow', headers: [{ name: 'x-grpc-route-timeout', present_match: true }] },
      route: { cluster: 'echo', timeout: '0.1s', max_grpc_timeout: '0s', grpc_timeout_offset: '0.3s' },
    },
    { match: { prefix: '/meshkit.test.Echo/Slow' }, route: { cluster: 'echo', timeout: '0.2s' } },
    {
      match: { prefix: '/', headers: [{ name: 'x-retry', present_match: true }] },
      route: { cluster: 'echo', timeout: '5s', retry_policy: { retry_on: 'unavailable,cancelled', num_retries: 2, retry_back_off: { base_interval: '0.005s' } } },
    },
    { match: { prefix: '/' }, route: { cluster: 'echo', timeout: '5s' } },
  ];
  const listener = hcmListener('grpc_in', 0, {
    stat_prefix: 'grpc_in',
    codec_type: 'AUTO',
    route_config: { name: 'grpc', virtual_hosts: [{ name: 'all', domains: ['*'], routes }] },
    http_filters: [ROUTER_FILTER],
  });
  return bootstrapWith('grpc-edge', { listeners: [listener], clusters: [staticCluster('echo', grpcPort, clusterExtra)] });
}

const HTTP2_OPTIONS = httpProtocolOptions({ explicit_http_config: { http2_protocol_options: {} } });

function unary(client: EchoClient, text: string, metadata = new grpc.Metadata()): Promise<{ value: Buffer; trailers: grpc.Metadata }> {
  return new Promise((resolve, reject) => {
    let value: Buffer | undefined;
    const call = client.unary(Buffer.from(text), metadata, (error, received) => {
      if (error !== null) reject(error);
      value = received;
    });
    // grpc-js calls back before it emits the status that carries the trailers.
    call.on('status', (status: grpc.StatusObject) => {
      if (value !== undefined) resolve({ value, trailers: status.metadata });
    });
  });
}

describe('gRPC through the proxy (grpc-js client → h2c listener → HTTP/2 cluster → grpc-js server)', () => {
  let proxy: RunningProxy | undefined;
  let upstream: { address: string; close(): Promise<void> } | undefined;
  let client: EchoClient | undefined;

  async function start(clusterExtra: Record<string, unknown>, grpcPort?: number): Promise<EchoClient> {
    upstream = await startGrpcServer((server) => server.addService(ECHO_SERVICE, handlers));
    const port = grpcPort ?? Number(upstream.address.split(':')[1]);
    proxy = await startProxy(parseBootstrap(stringify(bootstrap(port, clusterExtra)), 'grpc.yaml'), { log: () => undefined });
    await proxy.ready;
    const bound = proxy.runtime.listenerManager.listeners[0]?.server.address() as AddressInfo;
    client = new EchoClient(`127.0.0.1:${bound.port}`, grpc.credentials.createInsecure()) as unknown as EchoClient;
    return client;
  }

  beforeEach(() => {
    proxy = undefined;
    upstream = undefined;
    client = undefined;
  });
  afterEach(async () => {
    client?.close();
    await proxy?.close();
    await upstream?.close();
  });

  it('retries UNAVAILABLE under retry_on: unavailable, and passes it on once retries run out', async () => {
    const echo = await start(HTTP2_OPTIONS);
    const retried = new grpc.Metadata();
    retried.set('x-retry', 'yes');
    expect((await unary(echo, 'flaky:2:a', retried)).value.toString()).toBe('served on call 3');
    await expect(unary(echo, 'flaky:3:b', retried)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'call 3 of b shed' });
    // The route without a retry policy passes the first UNAVAILABLE straight on.
    await expect(unary(echo, 'flaky:1:c')).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'call 1 of c shed' });
    const stats = proxy?.runtime.clusters.get('echo')?.stats;
    expect(stats?.upstream_rq_retry).toBe(4);
    expect(stats?.upstream_rq_retry_success).toBe(1);
    expect(stats?.upstream_rq_retry_limit_exceeded).toBe(1);
  });

  it('carries unary calls with metadata both ways and trailers back', async () => {
    const echo = await start(HTTP2_OPTIONS);
    const metadata = new grpc.Metadata();
    metadata.set('x-client', 'c1');
    const { value, trailers } = await unary(echo, 'hello', metadata);
    expect(value.toString()).toBe('echo:hello:c1');
    expect(trailers.get('x-served-by')).toEqual(['echo']);
    const cluster = proxy?.runtime.clusters.get('echo');
    expect(cluster?.stats.upstream_cx_http2_total).toBe(1);
  });

  it('carries server streaming and client streaming calls', async () => {
    const echo = await start(HTTP2_OPTIONS);
    const items: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = echo.serverStream(Buffer.from('250'));
      call.on('data', (item: Buffer) => items.push(item.toString()));
      call.on('end', resolve);
      call.on('error', reject);
    });
    expect(items).toHaveLength(250);
    expect(items[249]).toBe('item-249');

    const summary = await new Promise<string>((resolve, reject) => {
      const call = echo.clientStream((error, value) => (error === null && value !== undefined ? resolve(value.toString()) : reject(new Error(error?.message))));
      for (let i = 0; i < 40; i++) call.write(Buffer.alloc(1000 + i));
      call.end();
    });
    expect(summary).toBe(`40/${40 * 1000 + (39 * 40) / 2}`);
  });

  it("delivers the server's status and message (NOT_FOUND) unchanged", async () => {
    const echo = await start({ http2_protocol_options: {} });
    const error = (await unary(echo, 'missing').catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.NOT_FOUND);
    expect(error.details).toBe('no such thing: missing');
  });

  it("maps a route timeout to UNAVAILABLE, as Envoy's local reply does (504 → 14, not DEADLINE_EXCEEDED)", async () => {
    const echo = await start(HTTP2_OPTIONS);
    const error = await new Promise<grpc.ServiceError>((resolve, reject) =>
      echo.slow(Buffer.from('x'), (e) => (e === null ? reject(new Error('the slow call succeeded')) : resolve(e))),
    );
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toBe('upstream request timeout');
  });

  /** A Slow call with a deadline `deadlineMs` away, routed by `routeHeader`; it must fail. */
  async function slowCallFailing(echo: EchoClient, routeHeader: string, deadlineMs: number): Promise<{ error: grpc.ServiceError; elapsedMs: number }> {
    const metadata = new grpc.Metadata();
    metadata.set(routeHeader, 'yes');
    const started = performance.now();
    const error = await new Promise<grpc.ServiceError>((resolve, reject) =>
      echo.slow(Buffer.from('x'), metadata, { deadline: Date.now() + deadlineMs }, (e) => (e === null ? reject(new Error('the slow call succeeded')) : resolve(e))),
    );
    return { error, elapsedMs: performance.now() - started };
  }

  it("answers DEADLINE_EXCEEDED when the call's grpc-timeout (less the route's offset) runs out first", async () => {
    const { error, elapsedMs } = await slowCallFailing(await start(HTTP2_OPTIONS), 'x-deadline', 700);
    // The proxy's own answer (the client's deadline would say "Deadline exceeded"), about 200 ms early.
    expect(error.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(error.details).toBe('downstream duration timeout');
    expect(elapsedMs).toBeLessThan(690);
  });

  it("times a call out by its own deadline under max_grpc_timeout, not the route's timeout", async () => {
    const { error, elapsedMs } = await slowCallFailing(await start(HTTP2_OPTIONS), 'x-grpc-route-timeout', 1000);
    // The route's 0.1 s does not apply; the deadline less 0.3 s does, answered as a route timeout.
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toBe('upstream request timeout');
    expect(elapsedMs).toBeGreaterThan(600);
    expect(elapsedMs).toBeLessThan(990);
  });

  it('answers UNAVAILABLE with the reason when the upstream is down', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = startGrpcServer(() => undefined);
      void probe.then(async (server) => {
        const port = Number(server.address.split(':')[1]);
        await server.close();
        resolve(port);
      });
    });
    const echo = await start(HTTP2_OPTIONS, closedPort);
    const error = (await unary(echo, 'anyone').catch((e: unknown) => e)) as grpc.ServiceError;
    expect(error.code).toBe(grpc.status.UNAVAILABLE);
    expect(error.details).toContain('upstream connect error or disconnect/reset before headers');
  });
});
