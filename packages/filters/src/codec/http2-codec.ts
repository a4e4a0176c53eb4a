import http2 from 'node:http2';
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { copyHeaderFields, newHeaderFields } from '@meshkit/core';
import type { ResolvedConnectionOptions } from '../connection-options.js';
import type { DownstreamCodec } from '../filter-manager.js';
import type { HeaderMap } from '../http-filter.js';
import type { StreamInfo } from '../stream-info.js';
import { appendResponseVia } from '../request-headers.js';
import type { ServerHeader } from './server-header.js';
import type { StreamActivity } from '../stream-timeouts.js';

const { NGHTTP2_INTERNAL_ERROR } = http2.constants;

// Connection-specific headers are forbidden in HTTP/2 (RFC 9113 §8.2.2); node throws on them.
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'http2-settings']);

/** Response (or trailer) headers as node:http2 takes them: no connection-specific ones. */
function toOutgoing(headers: HeaderMap): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = newHeaderFields();
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !CONNECTION_SPECIFIC.has(name)) out[name] = value;
  }
  return out;
}

/**
 * Whether trailers can still come after these response headers. Waiting for them costs node about
 * 5 µs a stream, so it is skipped where they cannot: after a declared length from an HTTP/1.1
 * upstream (its trailers need chunked coding) or from no upstream at all (a local reply).
 */
function trailersMayFollow(headers: HeaderMap, info: StreamInfo): boolean {
  return headers['content-length'] === undefined || info.upstreamProtocol === 'HTTP/2';
}

/**
 * One HTTP/2 stream as the filter manager writes to it. A response that does not end with its
 * headers is opened with `waitForTrailers` when trailers may still follow, so they go out after
 * the body whenever the upstream sends them (gRPC's grpc-status); a body that ends without them
 * closes with empty trailers.
 */
export class Http2StreamCodec implements DownstreamCodec {
  private trailers: OutgoingHttpHeaders | undefined;
  /** The response's last frame was handed to node. */
  ended = false;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly server: ServerHeader,
    private readonly via: string,
    private readonly activity: StreamActivity,
  ) {}

  writeHeaders(headers: HeaderMap, endOfStream: boolean, info: StreamInfo): void {
    const stream = this.stream;
    if (stream.destroyed) return;
    const out = toOutgoing(headers);
    // An upstream's 101 to an extended CONNECT: over HTTP/2 the tunnel opens with a 2xx (RFC 8441),
    // without the key exchange the HTTP/1.1 hop needed.
    const tunnel = String(headers[':status']) === '101';
    if (tunnel) {
      out[':status'] = 200;
      delete out['sec-websocket-accept'];
    }
    const server = this.server.proxyValue(headers['server']);
    if (server !== undefined) out['server'] = server;
    appendResponseVia(out as HeaderMap, this.via);
    this.activity.touch();
    this.ended = endOfStream;
    const waitForTrailers = !endOfStream && !tunnel && trailersMayFollow(headers, info);
    if (waitForTrailers) stream.once('wantTrailers', () => stream.sendTrailers(this.trailers ?? {}));
    stream.respond(out, { endStream: endOfStream, waitForTrailers });
  }

  writeData(data: Buffer, endOfStream: boolean): boolean {
    if (this.stream.destroyed) return true;
    this.activity.touch();
    if (endOfStream) {
      this.ended = true;
      // An empty chunk would go out as a DATA frame of its own; end() sets END_STREAM on the last one.
      if (data.length === 0) this.stream.end();
      else this.stream.end(data);
      return true;
    }
    return this.stream.write(data);
  }

  writeTrailers(trailers: HeaderMap): void {
    if (this.stream.destroyed) return;
    this.trailers = toOutgoing(trailers);
    this.ended = true;
    this.stream.end();
  }

  onDrain(listener: () => void): void {
    this.stream.once('drain', listener);
  }

  setReadPaused(paused: boolean): void {
    if (paused) this.stream.pause();
    else this.stream.resume();
  }

  reset(): void {
    if (!this.stream.destroyed) this.stream.close(NGHTTP2_INTERNAL_ERROR);
  }
}

/** The request headers of a stream as the filters see them: pseudo-headers as sent, `host` folded into `:authority`. */
export function http2RequestHeaders(headers: IncomingHttpHeaders): HeaderMap {
  // Copied without `host` rather than deleting it after: a delete makes the map slow for every later lookup.
  const out: HeaderMap = copyHeaderFields(headers, 'host');
  if (out[':authority'] === undefined && typeof headers.host === 'string') out[':authority'] = headers.host;
  return out;
}

/** node's HTTP/2 codec for one connection manager; it never listens either. */
export function createHttp2Server(options: ResolvedConnectionOptions): http2.Http2Server {
  const server = http2.createServer({
    settings: {
      maxConcurrentStreams: Math.min(options.http2MaxConcurrentStreams, 0xffff_ffff),
      maxHeaderListSize: options.maxRequestHeadersBytes,
      // RFC 8441's SETTINGS_ENABLE_CONNECT_PROTOCOL: clients may open WebSockets as extended CONNECT.
      enableConnectProtocol: options.http2AllowConnect,
      ...(options.http2InitialStreamWindowSize === undefined ? {} : { initialWindowSize: options.http2InitialStreamWindowSize }),
    },
    maxHeaderListPairs: 1_000,
  });
  // A broken session or stream concerns one client; without these listeners node would throw.
  server.on('sessionError', () => undefined);
  server.on('streamError', () => undefined);
  return server;
}
