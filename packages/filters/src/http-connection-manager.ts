import { Buffer } from 'node:buffer';
import http2 from 'node:http2';
import type { Http2Server, IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { RequestHead } from '@meshkit/core/http1';
import type { RouteTable } from '@meshkit/router';
import { applyForwardedClientCert } from './client-cert-header.js';
import { Http1Connection } from './codec/http1-connection.js';
import type { Http1ConnectionHost } from './codec/http1-connection.js';
import type { Http1Stream, Http1StreamCloser } from './codec/http1-stream.js';
import { extendedConnectProtocol, toUpgradeRequest } from './codec/extended-connect.js';
import { createHttp2Server, Http2StreamCodec, http2RequestHeaders } from './codec/http2-codec.js';
import { watchSessionLiveness } from './codec/http2-liveness.js';
import { sniffHttp2Preface } from './codec/preface-sniffer.js';
import { PrematureResets } from './codec/premature-resets.js';
import { newCodecStats, refusesUnderscoreHeaders } from './codec/underscore-headers.js';
import type { CodecStats } from './codec/underscore-headers.js';
import { codecReply } from './codec/codec-reply.js';
import { ServerHeader } from './codec/server-header.js';
import { UpgradeCodec } from './codec/upgrade-codec.js';
import { resolveConnectionOptions } from './connection-options.js';
import type { HttpConnectionOptions, ResolvedConnectionOptions } from './connection-options.js';
import { FilterManager } from './filter-manager.js';
import type { DownstreamCodec, StreamPolicy } from './filter-manager.js';
import { isGrpcRequest } from './grpc-local-reply.js';
import { HttpConnectionManagerStats } from './hcm-stats.js';
import type { CompiledHttpFilter, HeaderMap } from './http-filter.js';
import { normalizeRequestPath } from './path-normalization.js';
import { mutateRequestHeaders, stripAuthorityPort, trustedClientAddress } from './request-headers.js';
import { ResponseFlag } from './response-flags.js';
import { StreamInfo } from './stream-info.js';
import type { TrafficDirection } from './stream-info.js';
import { streamDurationLimitMs } from './stream-duration.js';
import { StreamTimeouts } from './stream-timeouts.js';
import type { StreamTimeoutKind } from './stream-timeouts.js';

export { HttpConnectionManagerStats } from './hcm-stats.js';

export interface HttpConnectionManagerConfig extends HttpConnectionOptions {
  /** Envoy's `stat_prefix`: names this manager's stats. */
  readonly statPrefix: string;
  readonly trafficDirection: TrafficDirection;
  readonly filters: readonly CompiledHttpFilter[];
  /** The route table to use for a new stream (inline config, or the latest RDS answer). */
  readonly routeTable: () => RouteTable | null;
  /** Value of the `server` response header (Envoy's `server_name`). */
  readonly serverName?: string;
  /** The SPIFFE ID the downstream proved with its client certificate, if any. */
  readonly peerIdentity?: (socket: Socket) => string | null;
  /** Where stream-level failures that are the proxy's own fault (a filter threw) are reported. Default: stderr. */
  readonly log?: (message: string) => void;
  /** Envoy's `http1.*` and `http2.*` counters, which every connection manager of a proxy shares. Default: this manager's own. */
  readonly codecStats?: CodecStats;
}

const EMPTY = Buffer.alloc(0);
const END_STREAM_FLAG = 0x1;

interface ConnectionState {
  session: ServerHttp2Session | undefined;
  http1: Http1Connection | undefined;
  /** Read off the socket by the connection's first stream; every later stream reuses them. */
  addresses: DownstreamAddresses | undefined;
  /** HTTP/2 only: the rapid-reset guard's count of this connection's closed streams. */
  resets: PrematureResets | undefined;
  /** Requests (streams) this connection has opened, for `max_requests_per_connection`. */
  requests: number;
  /** Fires at `max_connection_duration`. */
  durationTimer: NodeJS.Timeout | undefined;
}

/** The connection's two ends as its streams report them (socket getters and strings cost per call). */
interface DownstreamAddresses {
  readonly peerIp: string;
  /** `ip:port` of the peer. */
  readonly remote: string;
  /** `ip:port` this proxy accepted the connection on. */
  readonly local: string;
  readonly localPort: number | undefined;
}

function downstreamAddresses(socket: Socket): DownstreamAddresses {
  const peerIp = socket.remoteAddress ?? '';
  const localPort = socket.localPort;
  return { peerIp, remote: `${peerIp}:${socket.remotePort ?? 0}`, local: `${socket.localAddress ?? ''}:${localPort ?? 0}`, localPort };
}

/** Envoy's `drain_timeout` default: how long an HTTP/2 connection drained at `max_connection_duration` keeps its streams before it is closed. */
const DRAIN_TIMEOUT_MS = 5_000;

/**
 * Envoy's drain of one connection: idle HTTP/1.1 closes now, busy after its current response (sent
 * with `connection: close`); HTTP/2 gets a GOAWAY and finishes its open streams.
 */
function drainConnection(socket: Socket, state: ConnectionState): void {
  if (state.session !== undefined) state.session.close();
  else if (state.http1 !== undefined) state.http1.drain();
  else socket.end();
}

function serverHeaderOf(config: HttpConnectionManagerConfig, options: ResolvedConnectionOptions): ServerHeader {
  return new ServerHeader(config.serverName ?? 'meshkit', options.serverHeaderTransformation);
}

/**
 * The HTTP connection manager: takes the connections a listener accepted, picks the codec
 * (HTTP/1.1 framed by hand, HTTP/2 on node:http2; Envoy's `codec_type`), and turns each request
 * into a stream of headers, body and trailers through the filter chain. The config is swapped
 * atomically; a stream keeps the config it started with.
 */
export class HttpConnectionManager implements Http1ConnectionHost, Http1StreamCloser {
  readonly stats = new HttpConnectionManagerStats();
  readonly codecStats: CodecStats;
  private config: HttpConnectionManagerConfig;
  private options: ResolvedConnectionOptions;
  private policy: StreamPolicy;
  /** `server_name` under `server_header_transformation`; a connection keeps the one it started with. */
  private server: ServerHeader;
  private http2: Http2Server;
  /** Open connections and how many streams each has in flight, for draining. */
  private readonly connections = new Map<Socket, ConnectionState>();
  draining = false;

  constructor(config: HttpConnectionManagerConfig) {
    this.config = config;
    this.codecStats = config.codecStats ?? newCodecStats();
    this.options = resolveConnectionOptions(config);
    this.policy = this.streamPolicy();
    this.server = serverHeaderOf(config, this.options);
    this.http2 = createHttp2Server(this.options);
  }

  /**
   * Takes a connection a listener accepted (already TLS-terminated when its filter chain has
   * TLS), as Envoy's listener hands a connection to its network filter chain.
   */
  acceptConnection(socket: Socket): void {
    const stats = this.stats;
    // Whatever accepted it: a response split over two ticks must not wait for a delayed ACK (Nagle).
    socket.setNoDelay(true);
    stats.downstream_cx_total++;
    stats.downstream_cx_active++;
    const state: ConnectionState = { session: undefined, http1: undefined, addresses: undefined, resets: undefined, requests: 0, durationTimer: undefined };
    this.connections.set(socket, state);
    const maxDuration = this.options.maxConnectionDurationMs;
    if (maxDuration > 0) state.durationTimer = setTimeout(() => this.onMaxDuration(socket, state), maxDuration).unref();
    // A reset while the codec is being chosen must not reach the process as an unhandled error.
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      stats.downstream_cx_active--;
      clearTimeout(state.durationTimer);
      this.connections.delete(socket);
    });
    const codec = this.options.codec;
    if (codec === 'HTTP1') this.startHttp1(socket);
    else if (codec === 'HTTP2') this.startHttp2(socket);
    else if ('encrypted' in socket) {
      if ((socket as TLSSocket).alpnProtocol === 'h2') this.startHttp2(socket);
      else this.startHttp1(socket);
    } else {
      sniffHttp2Preface(socket, (isHttp2) => (isHttp2 ? this.startHttp2(socket) : this.startHttp1(socket)));
    }
  }

  /** Envoy's drain, of every connection (see `drainConnection`); connections that arrive meanwhile drain as they start. */
  drainConnections(): void {
    this.draining = true;
    for (const [socket, state] of this.connections) drainConnection(socket, state);
  }

  /** `max_connection_duration`: the connection drains, and an HTTP/2 one still busy after Envoy's drain timeout is closed. */
  private onMaxDuration(socket: Socket, state: ConnectionState): void {
    this.stats.downstream_cx_max_duration_reached++;
    drainConnection(socket, state);
    if (state.session !== undefined) setTimeout(() => socket.destroy(), DRAIN_TIMEOUT_MS).unref();
  }

  get activeConnections(): number {
    return this.connections.size;
  }

  get statPrefix(): string {
    return this.config.statPrefix;
  }

  update(config: HttpConnectionManagerConfig): void {
    const options = resolveConnectionOptions(config);
    // Open HTTP/2 connections keep the server object (and settings) they started on.
    const http2Changed = options.http2MaxConcurrentStreams !== this.options.http2MaxConcurrentStreams || options.http2AllowConnect !== this.options.http2AllowConnect;
    if (http2Changed) this.http2 = createHttp2Server(options);
    this.options = options;
    this.config = config;
    this.policy = this.streamPolicy();
    this.server = serverHeaderOf(config, options);
  }

  private startHttp1(socket: Socket): void {
    this.stats.downstream_cx_http1_total++;
    const state = this.connections.get(socket);
    const connection = new Http1Connection(socket, this.options, this, this.server);
    if (state !== undefined) state.http1 = connection;
  }

  private startHttp2(socket: Socket): void {
    this.stats.downstream_cx_http2_total++;
    const server = this.http2;
    // node creates the session synchronously inside 'connection'.
    server.once('session', (session: ServerHttp2Session) => {
      const state = this.connections.get(socket);
      if (state !== undefined) {
        state.session = session;
        state.resets = new PrematureResets();
      }
      session.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number) => this.onHttp2Stream(socket, stream, headers, flags));
      watchSessionLiveness(session, this.options.http2Keepalive, this.options.idleTimeoutMs);
      const connectionWindow = this.options.http2InitialConnectionWindowSize;
      if (connectionWindow !== undefined) session.setLocalWindowSize(connectionWindow);
      if (this.draining) session.close();
    });
    // The session takes what the sniffer put back on its own (node reads a socket's buffer into it).
    server.emit('connection', socket);
  }

  // HOT PATH: runs per HTTP/1.1 request. No config parsing, no regex compilation, no awaits.
  openStream(stream: Http1Stream, headers: HeaderMap, endOfStream: boolean): void {
    const socket = stream.socket;
    const timeouts = this.streamTimeouts();
    stream.timeouts = timeouts;
    let manager: FilterManager;
    try {
      manager = this.startStream(socket, stream.protocol, headers, stream, timeouts);
    } catch {
      // A fault of this proxy's while setting the stream up: 500 and close rather than no answer.
      this.stats.recordResponse(500);
      stream.writeHeaders({ ':status': '500', 'content-length': '0' }, true);
      return;
    }
    stream.manager = manager;
    stream.closer = this;
    if (this.isLastRequest(socket)) stream.closeAfterResponse();
    if (endOfStream) timeouts.requestComplete();
    manager.decodeHeaders(endOfStream);
  }

  /** @internal Http1StreamCloser */
  streamClosed(stream: Http1Stream, completed: boolean): void {
    if (stream.manager !== undefined && stream.timeouts !== undefined) this.closeStream(stream.manager, stream.timeouts, completed);
  }

  /**
   * An HTTP/1.1 request with `Connection: upgrade`, or CONNECT. Envoy refuses upgrades no
   * `upgrade_configs` entry allows with 403 before any filter runs; allowed ones go through the
   * filter chain like any request, and the router tunnels bytes once upstream says 101.
   */
  upgrade(head: RequestHead, headers: HeaderMap, socket: Socket, rest: Buffer): void {
    // CONNECT is an upgrade no `upgrade_configs` entry can allow here yet.
    if (head.method === 'CONNECT' || !this.options.upgradeTypes.has(String(headers['upgrade']).toLowerCase())) {
      if (head.method !== 'CONNECT') this.stats.downstream_rq_ws_on_non_ws_route++;
      this.protocolError(403);
      socket.end(codecReply(403, 'Forbidden', '', this.server, this.options.properCaseHeaderNames));
      return;
    }
    const timeouts = this.streamTimeouts();
    const codec = new UpgradeCodec(socket, this.server, this.options.via, timeouts, this.options.properCaseHeaderNames);
    const manager = this.startStream(socket, head.minorVersion === 1 ? 'HTTP/1.1' : 'HTTP/1.0', headers, codec, timeouts);
    socket.once('close', () => this.closeStream(manager, timeouts, codec.ended));
    manager.decodeHeaders(false);
    if (rest.length > 0) manager.decodeData(rest, false);
    socket.on('data', (chunk: Buffer) => {
      timeouts.touch();
      manager.decodeData(chunk, false);
    });
    socket.once('end', () => manager.decodeData(EMPTY, true));
    socket.resume();
  }

  /** An extended CONNECT no `upgrade_configs` entry allows: 403, as for its HTTP/1.1 form. */
  private refuseHttp2Upgrade(stream: ServerHttp2Stream, protocol: string): void {
    if (protocol === 'websocket') this.stats.downstream_rq_ws_on_non_ws_route++;
    this.stats.recordResponse(403);
    const server = this.server.proxyValue(undefined);
    stream.respond(server === undefined ? { ':status': 403 } : { ':status': 403, server }, { endStream: true });
  }

  /**
   * A path normalization refused (400), or, for escaped slashes under UNESCAPE_AND_REDIRECT, a
   * 307 to the unescaped path (a gRPC client cannot follow one, so it gets the 400's INTERNAL).
   * The filters never see the request.
   */
  private refusePath(manager: FilterManager, verdict: 'reject' | 'redirect', headers: HeaderMap): void {
    const details = 'path_normalization_failed';
    if (verdict === 'redirect' && !isGrpcRequest(headers)) {
      this.stats.downstream_rq_redirected_with_normalized_path++;
      manager.connectionManagerReply(307, '', { details, headers: { location: String(headers[':path']) } });
      return;
    }
    this.stats.downstream_rq_failed_path_normalization++;
    manager.connectionManagerReply(400, '', { details });
  }

  /** The codec refused a request before it became a stream; it answers and closes. */
  protocolError(status: number): void {
    this.stats.downstream_cx_protocol_error++;
    this.stats.recordResponse(status);
  }

  /**
   * The codec refused a request body mid-stream (bad chunk framing): as Envoy does, the stream
   * gets a 400 if nothing went downstream yet, else a reset; either way the connection closes.
   */
  streamProtocolError(stream: Http1Stream, status: number): void {
    const manager = stream.manager;
    if (manager === undefined) return;
    this.stats.downstream_cx_protocol_error++;
    if (manager.responseStarted) {
      manager.resetStream(ResponseFlag.DownstreamProtocolError);
      return;
    }
    manager.connectionManagerReply(status, 'Bad Request', { flag: ResponseFlag.DownstreamProtocolError, details: 'http1.codec_error' });
  }

  private onHttp2Stream(socket: Socket, stream: ServerHttp2Stream, rawHeaders: IncomingHttpHeaders, flags: number): void {
    // A stream the peer resets reports it as an error; the close handler accounts for it.
    stream.on('error', () => undefined);
    try {
      this.startHttp2Stream(socket, stream, rawHeaders, flags);
    } catch {
      // A fault of this proxy's while setting the stream up: reset it rather than leave it unanswered.
      this.stats.downstream_rq_tx_reset++;
      if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    }
  }

  // HOT PATH: runs per HTTP/2 stream.
  private startHttp2Stream(socket: Socket, stream: ServerHttp2Stream, rawHeaders: IncomingHttpHeaders, flags: number): void {
    let headers = http2RequestHeaders(rawHeaders);
    if (this.refusesForUnderscores(stream, headers)) return;
    const protocol = extendedConnectProtocol(headers);
    if (protocol !== undefined) {
      // A WebSocket (or other upgrade) over HTTP/2: allowed exactly as its HTTP/1.1 form would be.
      if (!this.options.upgradeTypes.has(protocol)) {
        this.refuseHttp2Upgrade(stream, protocol);
        return;
      }
      headers = toUpgradeRequest(headers, protocol);
    }
    const timeouts = this.streamTimeouts();
    const codec = new Http2StreamCodec(stream, this.server, this.options.via, timeouts);
    const manager = this.startStream(socket, 'HTTP/2', headers, codec, timeouts);
    // GOAWAY: this stream and those already open finish; the client opens a new connection for more.
    if (this.isLastRequest(socket)) stream.session?.close();
    stream.once('close', () => {
      this.closeStream(manager, timeouts, codec.ended && stream.rstCode === 0);
      this.countPrematureReset(socket, manager.streamInfo);
    });
    const endOfStream = (flags & END_STREAM_FLAG) !== 0;
    if (endOfStream) {
      // Not resumed: node resumes an unread stream itself once it closes, after the response's
      // last write is done. A stream read to its end is destroyed as soon as nghttp2 closes it,
      // before that write completes, and node then builds an unused Error for the late write.
      timeouts.requestComplete();
      manager.decodeHeaders(true);
      return;
    }
    manager.decodeHeaders(false);
    let trailers: HeaderMap | undefined;
    let refused = false;
    stream.on('data', (chunk: Buffer) => {
      timeouts.touch();
      manager.decodeData(chunk, false);
    });
    stream.once('trailers', (received: IncomingHttpHeaders) => {
      trailers = http2RequestHeaders(received);
      refused = this.refusesForUnderscores(stream, trailers);
    });
    stream.once('end', () => {
      if (refused) return;
      timeouts.requestComplete();
      if (trailers !== undefined) manager.decodeTrailers(trailers);
      else manager.decodeData(EMPTY, true);
    });
  }

  /**
   * `headers_with_underscores_action` on a stream's headers or trailers: true when it reset the
   * stream, as Envoy's HTTP/2 codec does (nghttp2 resets a stream whose header callback refuses a
   * field with INTERNAL_ERROR); DROP_HEADER edits `fields`.
   */
  private refusesForUnderscores(stream: ServerHttp2Stream, fields: HeaderMap): boolean {
    if (!refusesUnderscoreHeaders(fields, this.options.headersWithUnderscoresAction, this.codecStats.http2)) return false;
    stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    return true;
  }

  private startStream(socket: Socket, protocol: string, headers: HeaderMap, codec: DownstreamCodec, timeouts: StreamTimeouts): FilterManager {
    const config = this.config;
    const stats = this.stats;
    const info = new StreamInfo(config.trafficDirection);
    info.protocol = protocol;
    const addresses = this.addressesOf(socket);
    const peerIp = addresses.peerIp;
    // Envoy's downstream remote address is the trusted client address (from XFF when a hop in
    // front is trusted, or on a non-edge listener), read before this hop appends to XFF.
    const client = trustedClientAddress(headers, peerIp, this.options);
    info.downstreamRemoteAddress = client === peerIp ? addresses.remote : `${client}:0`;
    info.downstreamLocalAddress = addresses.local;
    info.downstreamTls = 'encrypted' in socket;
    if (info.downstreamTls && config.peerIdentity !== undefined) info.downstreamPeerSpiffeId = config.peerIdentity(socket);
    info.requestId = mutateRequestHeaders(headers, info.downstreamTls ? 'https' : 'http', peerIp, this.options, client);
    applyForwardedClientCert(headers, socket, this.options.forwardClientCertDetails, this.options.clientCertDetails);
    const strip = this.options.stripHostPort;
    if (strip !== 'none') stripAuthorityPort(headers, strip === 'any' ? undefined : addresses.localPort);
    const normalization = this.options.pathNormalization;
    const pathVerdict = normalization === undefined ? 'continue' : normalizeRequestPath(headers, normalization);

    const table = config.routeTable();
    const manager = new FilterManager(
      config.filters,
      codec,
      info,
      headers,
      (h) => {
        if (table === null) return null;
        const match = table.match({
          authority: (h[':authority'] as string | undefined) ?? '',
          path: (h[':path'] as string | undefined) ?? '/',
          method: (h[':method'] as string | undefined) ?? 'GET',
          headers: h,
        });
        // A route's max_stream_duration and idle_timeout take over from the connection manager's.
        const route = match?.route;
        if (route?.maxStreamDuration !== undefined) timeouts.routeLimit(streamDurationLimitMs(route.maxStreamDuration, h));
        if (route?.idleTimeoutMs !== undefined) timeouts.routeIdleTimeout(route.idleTimeoutMs);
        return match;
      },
      this.policy,
    );
    stats.downstream_rq_total++;
    stats.downstream_rq_active++;
    timeouts.start(manager);
    if (pathVerdict !== 'continue') {
      this.refusePath(manager, pathVerdict, headers);
      return manager;
    }
    // As Envoy's connection manager, the route is resolved before any filter runs, so its stream
    // limits hold from the start whoever answers; the router reuses the cached match.
    manager.route();
    return manager;
  }

  private addressesOf(socket: Socket): DownstreamAddresses {
    const state = this.connections.get(socket);
    if (state === undefined) return downstreamAddresses(socket);
    return (state.addresses ??= downstreamAddresses(socket));
  }

  private closeStream(manager: FilterManager, timeouts: StreamTimeouts, completed: boolean): void {
    const stats = this.stats;
    timeouts.stop();
    stats.downstream_rq_active--;
    if (!completed) {
      if (manager.resetLocally) stats.downstream_rq_tx_reset++;
      else stats.downstream_rq_rx_reset++;
    }
    stats.recordResponse(manager.streamInfo.responseCode);
    manager.destroy(completed);
  }

  /** Envoy's `max_requests_per_connection`: true for a connection's last request, counted once. */
  private isLastRequest(socket: Socket): boolean {
    const limit = this.options.maxRequestsPerConnection;
    const state = limit === 0 ? undefined : this.connections.get(socket);
    if (state === undefined || ++state.requests !== limit) return false;
    this.stats.downstream_cx_max_requests_reached++;
    return true;
  }

  /** Envoy's rapid-reset guard: aborts an HTTP/2 connection whose streams are mostly reset before any answer. */
  private countPrematureReset(socket: Socket, info: StreamInfo): void {
    const resets = this.connections.get(socket)?.resets;
    if (resets === undefined || !resets.streamClosed(info.durationMs(), info.responseCode !== undefined)) return;
    this.stats.downstream_rq_too_many_premature_resets++;
    socket.destroy();
  }

  private streamTimeouts(): StreamTimeouts {
    const options = this.options;
    return new StreamTimeouts(options.streamIdleTimeoutMs, options.requestTimeoutMs, options.maxStreamDurationMs, this.onStreamTimeout);
  }

  private readonly onStreamTimeout = (kind: StreamTimeoutKind): void => {
    if (kind === 'idle') this.stats.downstream_rq_idle_timeout++;
    else if (kind === 'request') this.stats.downstream_rq_timeout++;
    else this.stats.downstream_rq_max_duration_reached++;
  };

  private streamPolicy(): StreamPolicy {
    const log = this.config.log ?? ((message: string) => process.stderr.write(`${message}\n`));
    const prefix = this.config.statPrefix;
    return {
      bufferLimitBytes: this.options.bufferLimitBytes,
      requestIdInResponse: this.options.alwaysSetRequestIdInResponse,
      onFilterError: (name, error) => log(`http connection manager ${prefix}: filter ${name} threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    };
  }
}
