import type { RouteMatch } from '@meshkit/router';
import type { ResponseFlag } from './response-flags.js';
import type { StreamInfo, TrafficDirection } from './stream-info.js';

/** `'stop'` pauses the stream at this filter until it calls `ctx.resume()` or `ctx.respond()`. */
export type FilterStatus = 'continue' | 'stop';

/**
 * Lower-case header names to values. Requests carry the pseudo-headers `:method`, `:path`,
 * `:authority` and `:scheme`; responses carry `:status`, as in Envoy and HTTP/2.
 */
export type HeaderMap = Record<string, string | string[] | undefined>;

/**
 * One instance per stream. Every callback is optional and synchronous; return `'stop'` to pause
 * iteration (then later call `ctx.resume()` or `ctx.respond()`).
 * Request callbacks run in chain order, response callbacks in reverse order.
 */
export interface HttpFilter {
  onRequestHeaders?(headers: HeaderMap, endOfStream: boolean): FilterStatus;
  onRequestData?(data: Buffer, endOfStream: boolean): FilterStatus;
  onRequestTrailers?(trailers: HeaderMap): FilterStatus;
  onResponseHeaders?(headers: HeaderMap, endOfStream: boolean): FilterStatus;
  onResponseData?(data: Buffer, endOfStream: boolean): FilterStatus;
  onResponseTrailers?(trailers: HeaderMap): FilterStatus;
  /** The stream is over (completed or reset); release what the filter holds. */
  onDestroy?(): void;
}

export interface LocalReplyOptions {
  readonly headers?: HeaderMap;
  readonly flag?: ResponseFlag;
  /** Envoy's `%RESPONSE_CODE_DETAILS%`, e.g. `route_not_found`. */
  readonly details?: string;
  /** For a gRPC request: the `grpc-status` to answer with, instead of the one `status` maps to. */
  readonly grpcStatus?: number;
}

/** What a filter can do to its stream. Each filter instance has its own context. */
export interface HttpFilterContext {
  readonly streamInfo: StreamInfo;
  readonly requestHeaders: HeaderMap;
  /** The route for the current request headers, computed once and cached. */
  route(): RouteMatch | null;
  /** Forget the cached route, after a filter changed headers the route depends on. */
  clearRouteCache(): void;
  /** Continue iteration after this filter returned `'stop'`. */
  resume(): void;
  /** Answer the request locally; the response passes through the filters before this one. */
  respond(status: number, body?: string, options?: LocalReplyOptions): void;
  /** For the filter that produces the response (the router): send headers downstream. */
  encodeHeaders(headers: HeaderMap, endOfStream: boolean): void;
  /** Send body bytes downstream; `false` means the downstream is full, wait for `onDownstreamDrain`. */
  encodeData(data: Buffer, endOfStream: boolean): boolean;
  encodeTrailers(trailers: HeaderMap): void;
  /** Call `listener` once when the downstream can take more data. */
  onDownstreamDrain(listener: () => void): void;
  /** Stop or restart reading the request body from the downstream (back-pressure). */
  setDownstreamReadPaused(paused: boolean): void;
  /** Abort the stream downstream, e.g. when the upstream reset after headers were sent. */
  resetStream(flag?: ResponseFlag): void;
  /** True once response headers have gone downstream. */
  readonly responseStarted: boolean;
  /** The listener's `per_connection_buffer_limit_bytes`: how much of a body a filter may hold. */
  readonly bufferLimitBytes: number;
}

/** Facts about where a filter chain runs, given to factories when they compile config. */
export interface FilterFactoryContext {
  readonly listenerName: string;
  readonly trafficDirection: TrafficDirection;
}

/** A filter config compiled once; makes one filter per stream. */
export interface CompiledHttpFilter {
  readonly name: string;
  create(ctx: HttpFilterContext): HttpFilter;
}

/**
 * Turns a filter's typed config into a `CompiledHttpFilter`. `typeName` is the config's proto type
 * (`envoy.extensions.filters.http.router.v3.Router`), or the `type_url` inside a TypedStruct.
 */
export interface HttpFilterFactory {
  readonly typeName: string;
  compile(config: Readonly<Record<string, unknown>>, context: FilterFactoryContext): CompiledHttpFilter;
}
