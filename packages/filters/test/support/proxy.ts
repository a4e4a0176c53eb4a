import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { compileRouteConfig } from '@meshkit/router';
import type { RouteConfigInput, RouteTable } from '@meshkit/router';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { HttpConnectionManager } from '../../src/index.js';
import type { CompiledHttpFilter, HttpConnectionManagerConfig, StreamInfo, TrafficDirection } from '../../src/index.js';
import type { Closer } from './net.js';

/** One route table with a single virtual host for every domain. */
export function routesTo(routes: RouteConfigInput['virtualHosts'][number]['routes'], name = 'test'): RouteTable {
  return compileRouteConfig({ name, virtualHosts: [{ name: 'all', domains: ['*'], routes }] });
}

export interface ProxyOptions {
  readonly filters: readonly CompiledHttpFilter[];
  readonly routes?: RouteTable | null;
  readonly direction?: TrafficDirection;
  readonly serverName?: string;
  readonly statPrefix?: string;
}

export interface RunningProxy {
  readonly hcm: HttpConnectionManager;
  readonly port: number;
  readonly origin: string;
  /** StreamInfo of every stream, in arrival order, filled in as streams progress. */
  readonly streams: StreamInfo[];
}

export function hcmConfig(options: ProxyOptions, streams: StreamInfo[]): HttpConnectionManagerConfig {
  const table = options.routes ?? null;
  return {
    statPrefix: options.statPrefix ?? 'test',
    trafficDirection: options.direction ?? 'OUTBOUND',
    // A recorder first in the chain exposes each stream's StreamInfo to the test.
    filters: [{ name: 'test.stream_recorder', create: (ctx) => (streams.push(ctx.streamInfo), {}) }, ...options.filters],
    routeTable: () => table,
    ...(options.serverName === undefined ? {} : { serverName: options.serverName }),
  };
}

/** An HttpConnectionManager behind a TCP listener on 127.0.0.1, as the proxy runs it. */
export function startProxy(options: ProxyOptions, closer: Closer): Promise<RunningProxy> {
  return startAcceptingProxy(options, closer);
}

export interface AcceptingProxy {
  readonly hcm: HttpConnectionManager;
  readonly port: number;
  readonly origin: string;
  readonly streams: StreamInfo[];
}

/**
 * A connection manager behind a plain TCP listener, as the proxy's listeners run it: every
 * connection goes through `acceptConnection`, so the codec is chosen the way it is in production.
 */
export async function startAcceptingProxy(
  options: ProxyOptions,
  closer: Closer,
  extra: Partial<HttpConnectionManagerConfig> = {},
): Promise<AcceptingProxy> {
  const streams: StreamInfo[] = [];
  const hcm = new HttpConnectionManager({ ...hcmConfig(options, streams), ...extra });
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    hcm.acceptConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closer.add(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  );
  const port = (server.address() as AddressInfo).port;
  return { hcm, port, origin: `http://127.0.0.1:${port}`, streams };
}

export interface ClientResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
}

/** An undici client with its own connections, closed with the test. */
export type ClientOptions = Partial<Omit<Dispatcher.RequestOptions, 'origin' | 'path'>>;

export function client(closer: Closer): (url: string, options?: ClientOptions) => Promise<ClientResponse> {
  const agent = new Agent({ keepAliveTimeout: 100 });
  closer.add(() => agent.destroy());
  return async (url, options) => {
    const response = await request(url, { dispatcher: agent, ...options });
    const body = Buffer.from(await response.body.arrayBuffer());
    return { status: response.statusCode, headers: response.headers, body, text: body.toString('utf8') };
  };
}
