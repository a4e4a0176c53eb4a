import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import type { RouteMatch } from '@meshkit/router';
import { DEFAULT_BUFFER_LIMIT_BYTES } from './connection-options.js';
import { FilterContext } from './filter-context.js';
import { FilterIteration } from './filter-iteration.js';
import { grpcLocalReplyHeaders, isGrpcRequest } from './grpc-local-reply.js';
import type { IterationHost, StreamEntry } from './filter-iteration.js';
import type {
  CompiledHttpFilter,
  FilterStatus,
  HeaderMap,
  HttpFilter,
  LocalReplyOptions,
} from './http-filter.js';
import { ResponseFlag } from './response-flags.js';
import type { StreamInfo } from './stream-info.js';

/** The downstream half of a stream, as the filter manager writes to it (one per codec). */
export interface DownstreamCodec {
  /** `info` tells what the response came from (a codec that can carry trailers asks whether more may follow). */
  writeHeaders(headers: HeaderMap, endOfStream: boolean, info: StreamInfo): void;
  /** `false` when the downstream is full. */
  writeData(data: Buffer, endOfStream: boolean): boolean;
  writeTrailers(trailers: HeaderMap): void;
  onDrain(listener: () => void): void;
  setReadPaused(paused: boolean): void;
  reset(): void;
}

export type RouteResolver = (headers: HeaderMap) => RouteMatch | null;

/** What a connection manager imposes on each of its streams. */
export interface StreamPolicy {
  /** Request body bytes stopped filters may hold before the stream gets a 413. Default 1 MiB. */
  readonly bufferLimitBytes?: number;
  /** A filter threw; the stream has been answered (500) or reset. Default: ignored. */
  readonly onFilterError?: (filterName: string, error: unknown) => void;
  /** Envoy's `always_set_request_id_in_response`: the response carries the request's `x-request-id`. */
  readonly requestIdInResponse?: boolean;
}


const EMPTY = Buffer.alloc(0);

/**
 * Runs one HTTP stream through its filter chain: request entries in chain order, response
 * entries in reverse from the filter that produced them, local replies, and teardown.
 */
export class FilterManager implements IterationHost {
  private readonly filters: HttpFilter[] = [];
  readonly bufferLimit: number;
  /** Reads were paused because a filter stopped on headers while the body piled up. */
  private readPausedForBuffer = false;
  private readonly decoding: FilterIteration;
  private encoding: FilterIteration | undefined;
  private cachedRoute: RouteMatch | null | undefined;
  private drainListeners: (() => void)[] = [];
  private destroyed = false;
  private downstreamFull = false;
  /** True once response headers have been written to the downstream codec. */
  responseStarted = false;
  /** True when this side reset the stream (not the downstream going away). */
  resetLocally = false;

  constructor(
    private readonly compiled: readonly CompiledHttpFilter[],
    private readonly codec: DownstreamCodec,
    readonly streamInfo: StreamInfo,
    readonly requestHeaders: HeaderMap,
    private readonly resolveRoute: RouteResolver,
    private readonly policy: StreamPolicy = {},
  ) {
    this.bufferLimit = policy.bufferLimitBytes ?? DEFAULT_BUFFER_LIMIT_BYTES;
    let failed: { name: string; error: unknown } | undefined;
    for (let i = 0; i < compiled.length; i++) {
      const filter = compiled[i] as CompiledHttpFilter;
      try {
        this.filters.push(filter.create(new FilterContext(this, i)));
      } catch (error) {
        // The stream still needs a full chain of objects; a filter that failed to start does nothing.
        this.filters.push({});
        failed ??= { name: filter.name, error };
      }
    }
    this.decoding = new FilterIteration(0, 1, this.filters.length, this);
    if (failed !== undefined) this.filterThrew(failed.name, failed.error);
  }

  /** @internal IterationHost: request entries go to filters in chain order, responses in reverse. */
  visit(decoding: boolean, index: number, entry: StreamEntry): FilterStatus {
    return decoding ? this.decodeAt(index, entry) : this.encodeAt(index, entry);
  }

  /** @internal IterationHost: a request entry past every filter goes nowhere; a response entry goes downstream. */
  deliver(decoding: boolean, entry: StreamEntry): void {
    if (!decoding) this.writeDownstream(entry);
  }

  /** @internal IterationHost */
  idle(decoding: boolean): void {
    if (decoding) this.decodingIdle();
    else this.flushDrainListeners();
  }

  private nameOf(index: number): string {
    return this.compiled[index]?.name ?? '';
  }

  decodeHeaders(endOfStream: boolean): void {
    this.decoding.push({ kind: 'headers', headers: this.requestHeaders, endOfStream });
  }

  decodeData(data: Buffer, endOfStream: boolean): void {
    this.streamInfo.bytesReceived += data.length;
    this.decoding.push({ kind: 'data', data, endOfStream });
    if (this.decoding.queuedBytes > this.bufferLimit) this.overBufferLimit();
  }

  /**
   * Envoy's decoder buffer limit: a filter that stopped on body data is buffering it, and a body
   * beyond the limit gets 413; one that stopped on headers (waiting on a check) only has the
   * downstream's reads paused until it lets go.
   */
  private overBufferLimit(): void {
    if (this.decoding.stoppedOn === 'data' || this.decoding.stoppedOn === 'trailers') {
      this.localReply(this.filters.length, 413, 'Payload Too Large', { details: 'request_payload_too_large' });
    } else if (!this.readPausedForBuffer) {
      this.readPausedForBuffer = true;
      this.codec.setReadPaused(true);
    }
  }

  private decodingIdle(): void {
    if (!this.readPausedForBuffer) return;
    this.readPausedForBuffer = false;
    this.codec.setReadPaused(false);
  }

  decodeTrailers(trailers: HeaderMap): void {
    this.decoding.push({ kind: 'trailers', trailers });
  }

  route(): RouteMatch | null {
    if (this.cachedRoute === undefined) this.cachedRoute = this.resolveRoute(this.requestHeaders);
    return this.cachedRoute;
  }

  clearRouteCache(): void {
    this.cachedRoute = undefined;
  }

  resume(filterIndex: number): void {
    if (this.decoding.stoppedBy === filterIndex) this.decoding.resume();
    else if (this.encoding?.stoppedBy === filterIndex) this.encoding.resume();
  }

  /** Starts (or continues) the response from filter `origin`, through the filters before it. */
  encode(origin: number, entry: StreamEntry): void {
    if (this.destroyed) return;
    if (this.encoding === undefined) {
      this.encoding = new FilterIteration(origin - 1, -1, origin, this);
    }
    this.encoding.push(entry);
  }

  get encodePaused(): boolean {
    return this.encoding?.isPaused ?? false;
  }

  onDownstreamDrain(listener: () => void): void {
    if (this.encodePaused) this.drainListeners.push(listener);
    else if (this.downstreamFull) this.codec.onDrain(() => this.downstreamDrained(listener));
    // Nothing is holding the response: the caller may go on, but not from inside its own call.
    else queueMicrotask(listener);
  }

  setDownstreamReadPaused(paused: boolean): void {
    this.codec.setReadPaused(paused);
  }

  localReply(origin: number, status: number, body: string, options: LocalReplyOptions | undefined, bypassFilters = false): void {
    if (this.destroyed) return;
    this.decoding.halted = true;
    if (options?.flag !== undefined) this.streamInfo.setResponseFlag(options.flag);
    if (options?.details !== undefined) this.streamInfo.responseCodeDetails = options.details;
    if (this.responseStarted) {
      // Headers are already downstream: the only honest signal left is a reset.
      this.resetStream();
      return;
    }
    const grpc = isGrpcRequest(this.requestHeaders);
    const bytes = body === '' || grpc ? EMPTY : Buffer.from(body);
    const headers: HeaderMap = grpc ? grpcLocalReplyHeaders(status, body, options?.headers, options?.grpcStatus) : { ':status': String(status), ...options?.headers };
    if (bytes.length > 0) {
      headers['content-type'] ??= 'text/plain';
      headers['content-length'] = String(bytes.length);
    }
    const headersEntry: StreamEntry = { kind: 'headers', headers, endOfStream: bytes.length === 0 };
    const dataEntry: StreamEntry | null = bytes.length > 0 ? { kind: 'data', data: bytes, endOfStream: true } : null;
    if (this.encoding !== undefined || bypassFilters) {
      // A response is already inside the encoder filters but nothing has gone downstream. As Envoy
      // does, the reply bypasses the filters (whose response state it would confuse) and the
      // response they hold is dropped.
      if (this.encoding !== undefined) this.encoding.halted = true;
      this.writeDownstream(headersEntry);
      if (dataEntry !== null) this.writeDownstream(dataEntry);
      return;
    }
    this.encode(origin, headersEntry);
    if (dataEntry !== null) this.encode(origin, dataEntry);
  }

  /** A reply of the connection manager's own (timeouts, refused upgrades): through every filter. */
  connectionManagerReply(status: number, body: string, options?: LocalReplyOptions): void {
    this.localReply(this.filters.length, status, body, options);
  }

  resetStream(flag?: ResponseFlag): void {
    if (this.destroyed) return;
    if (flag !== undefined) this.streamInfo.setResponseFlag(flag);
    this.resetLocally = true;
    this.codec.reset();
  }

  /** The stream is over: completed when the response was fully written, else reset. */
  destroy(completed: boolean): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.decoding.halted = true;
    if (this.encoding !== undefined) this.encoding.halted = true;
    // A reset of our own making already carries its reason; only the downstream's is DC.
    if (!completed && !this.resetLocally) this.streamInfo.setResponseFlag(ResponseFlag.DownstreamConnectionTermination);
    this.streamInfo.endTime = performance.now();
    for (let i = 0; i < this.filters.length; i++) {
      try {
        this.filters[i]?.onDestroy?.();
      } catch (error) {
        // The stream is gone; the other filters still get to release what they hold.
        this.policy.onFilterError?.(this.nameOf(i), error);
      }
    }
  }

  /**
   * A filter threw. Its state is unknown, so the stream cannot go on: as Envoy does for a failed
   * filter, answer 500 if nothing went downstream yet, else reset. The proxy itself goes on.
   */
  private filterThrew(name: string, error: unknown): void {
    this.policy.onFilterError?.(name, error);
    if (this.destroyed) return;
    // The reply goes straight downstream: the filters (the failed one among them) are not trusted with it.
    if (this.responseStarted) this.resetStream(ResponseFlag.LocalReset);
    else this.localReply(this.filters.length, 500, 'filter error', { details: 'filter_threw_exception' }, true);
  }

  private decodeAt(index: number, entry: StreamEntry): FilterStatus {
    try {
      return this.decodeAtUnguarded(index, entry);
    } catch (error) {
      this.filterThrew(this.nameOf(index), error);
      return 'stop';
    }
  }

  private encodeAt(index: number, entry: StreamEntry): FilterStatus {
    try {
      return this.encodeAtUnguarded(index, entry);
    } catch (error) {
      this.filterThrew(this.nameOf(index), error);
      return 'stop';
    }
  }

  private decodeAtUnguarded(index: number, entry: StreamEntry): FilterStatus {
    const filter = this.filters[index] as HttpFilter;
    switch (entry.kind) {
      case 'headers':
        return filter.onRequestHeaders?.(entry.headers, entry.endOfStream) ?? 'continue';
      case 'data':
        return filter.onRequestData?.(entry.data, entry.endOfStream) ?? 'continue';
      case 'trailers':
        return filter.onRequestTrailers?.(entry.trailers) ?? 'continue';
    }
  }

  private encodeAtUnguarded(index: number, entry: StreamEntry): FilterStatus {
    const filter = this.filters[index] as HttpFilter;
    switch (entry.kind) {
      case 'headers':
        return filter.onResponseHeaders?.(entry.headers, entry.endOfStream) ?? 'continue';
      case 'data':
        return filter.onResponseData?.(entry.data, entry.endOfStream) ?? 'continue';
      case 'trailers':
        return filter.onResponseTrailers?.(entry.trailers) ?? 'continue';
    }
  }

  private writeDownstream(entry: StreamEntry): void {
    switch (entry.kind) {
      case 'headers':
        this.streamInfo.responseCode = Number(entry.headers[':status']);
        this.responseStarted = true;
        if (this.policy.requestIdInResponse === true && this.streamInfo.requestId !== '') entry.headers['x-request-id'] = this.streamInfo.requestId;
        this.codec.writeHeaders(entry.headers, entry.endOfStream, this.streamInfo);
        return;
      case 'data':
        this.streamInfo.bytesSent += entry.data.length;
        this.downstreamFull = !this.codec.writeData(entry.data, entry.endOfStream);
        return;
      case 'trailers':
        this.codec.writeTrailers(entry.trailers);
        return;
    }
  }

  /**
   * The encoder filters let go of the response. Producers that were told to wait go on now, or
   * at the socket's next 'drain' if the last write filled it; a socket that never filled will
   * never emit 'drain', so waiting for one would stall the stream forever.
   */
  private flushDrainListeners(): void {
    if (this.drainListeners.length === 0) return;
    const listeners = this.drainListeners;
    this.drainListeners = [];
    for (const listener of listeners) this.onDownstreamDrain(listener);
  }

  private downstreamDrained(listener: () => void): void {
    this.downstreamFull = false;
    listener();
  }

  /** Encodes a body chunk; `false` when it is held by a filter or the downstream is full. */
  encodeData(origin: number, data: Buffer, endOfStream: boolean): boolean {
    this.encode(origin, { kind: 'data', data, endOfStream });
    return !this.encodePaused && !this.downstreamFull;
  }
}
