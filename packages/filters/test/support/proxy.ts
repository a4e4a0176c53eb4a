import { compileRouteConfig } from '@meshkit/router';
import type { RouteConfigInput, RouteTable } from '@meshkit/router';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { HttpConnectionManager } from '../../src/index.js';
import type { CompiledHttpFilter, HttpConnectionManagerConfig, StreamInfo, TrafficDirection } from '../../src/index.js';
import { listen } from './net.js';
import type { Closer, RunningServer } from './net.js';

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

export interface RunningProxy extends RunningServer {
  readonly hcm: HttpConnectionManager;
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

/** An HttpConnectionManager behind a real node:http server on 127.0.0.1. */
export async function startProxy(options: ProxyOptions, closer: Closer): Promise<RunningProxy> {
  const streams: StreamInfo[] = [];
  const hcm = new HttpConnectionManager(hcmConfig(options, streams));
  const running = await listen(hcm.handle, closer);
  return Object.assign(running, { hcm, streams });
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
