import { Buffer } from 'node:buffer';
import type { Socket } from 'node:net';
import { flushAfterReads, newHeaderFields } from '@meshkit/core';
import { Http1ParseError, Http1RequestParser } from '@meshkit/core/http1';
import type { HeaderFields, Http1MessageHandler, RequestHead } from '@meshkit/core/http1';
import type { ResolvedConnectionOptions } from '../connection-options.js';
import type { HeaderMap } from '../http-filter.js';
import { isAbsoluteForm, parseAbsoluteTarget } from './absolute-url.js';
import type { AbsoluteTarget } from './absolute-url.js';
import { isValidAuthority } from './authority.js';
import { Http1Stream } from './http1-stream.js';
import type { Http1StreamOwner } from './http1-stream.js';
import { isStandardMethod } from './standard-methods.js';
import { refusesUnderscoreHeaders } from './underscore-headers.js';
import type { CodecStats } from './underscore-headers.js';
import { codecReply, inWireCase } from './codec-reply.js';
import type { ServerHeader } from './server-header.js';

/** What the connection manager does with what an HTTP/1.1 connection reads. */
export interface Http1ConnectionHost {
  readonly draining: boolean;
  /** Where `headers_with_underscores_action` counts what it drops and refuses. */
  readonly codecStats: CodecStats;
  /** A request head arrived: open a stream for it (its request headers in Envoy's form). */
  openStream(stream: Http1Stream, headers: HeaderMap, endOfStream: boolean): void;
  /** An Upgrade or CONNECT request: the socket is handed over with the bytes read past the head. */
  upgrade(head: RequestHead, headers: HeaderMap, socket: Socket, rest: Buffer): void;
  /** A request the codec refused before it became a stream (answered here, then closed). */
  protocolError(status: number): void;
  /** A request body the codec refused mid-stream: answer it on its stream, or reset. */
  streamProtocolError(stream: Http1Stream, status: number): void;
}

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';
const EMPTY = Buffer.alloc(0);
/** How long a closed connection waits for the client's FIN before it is destroyed. */
const CLOSE_GRACE_MS = 5_000;

/**
 * One downstream HTTP/1.1 connection, framed by hand: reads requests with the strict parser,
 * one exchange at a time (a pipelined request waits, unread, until the response before it is
 * out), and batches each tick's response writes into one system call. Upgrades leave with the
 * raw socket.
 */
export class Http1Connection implements Http1MessageHandler<RequestHead>, Http1StreamOwner {
  private readonly parser: Http1RequestParser;
  private stream: Http1Stream | undefined;
  /** Bytes read while an exchange was in flight: the next pipelined request. */
  private unread: Buffer | null = null;
  private waitingForResponse = false;
  private filterPaused = false;
  private corked = false;
  private closing = false;
  private headerTimer: NodeJS.Timeout | undefined;
  /** Envoy's connection idle_timeout: runs from the end of the last exchange (or the accept). */
  private idleTimer: NodeJS.Timeout | undefined;
  private upgradeHead: RequestHead | undefined;
  /** The upgrade request's absolute-form target, when it had one. */
  private upgradeTarget: AbsoluteTarget | undefined;
  /** The socket went to an upgrade (a WebSocket tunnel): it is no longer this codec's to close. */
  private handedOver = false;
  private readonly scheme: string;

  constructor(
    readonly socket: Socket,
    private readonly options: ResolvedConnectionOptions,
    private readonly host: Http1ConnectionHost,
    private readonly server: ServerHeader,
  ) {
    this.parser = new Http1RequestParser(this, {
      maxHeadBytes: options.maxRequestHeadersBytes,
      maxHeaderFields: options.maxHeadersCount,
      allowChunkedLength: options.allowChunkedLength,
    });
    this.scheme = 'encrypted' in socket ? 'https' : 'http';
    // The codec decides when to close after the client's FIN (a response may still be going out).
    socket.allowHalfOpen = true;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.once('close', this.onSocketClose);
    if (options.idleTimeoutMs > 0) this.idleTimer = setTimeout(this.onIdle, options.idleTimeoutMs).unref();
    socket.resume();
  }

  /** Envoy's drain: close now if idle, else after the response in flight; a tunnel lives on until the drain time ends. */
  drain(): void {
    if (this.handedOver) return;
    if (this.stream === undefined) this.closeConnection();
    else this.stream.closeAfterResponse();
  }

  // ---- reading

  private readonly onData = (chunk: Buffer): void => {
    if (this.waitingForResponse) {
      // A pipelined request: hold it (and stop reading) until the response before it is out.
      this.unread = this.unread === null ? chunk : Buffer.concat([this.unread, chunk]);
      this.socket.pause();
      return;
    }
    this.execute(chunk);
  };

  private execute(chunk: Buffer): void {
    if (this.headerTimer === undefined && this.stream === undefined && this.options.requestHeadersTimeoutMs > 0) {
      this.headerTimer = setTimeout(this.onHeaderTimeout, this.options.requestHeadersTimeoutMs);
    }
    let consumed: number;
    try {
      consumed = this.parser.execute(chunk);
    } catch (error) {
      this.onParseError(error);
      return;
    }
    const upgrade = this.upgradeHead;
    if (upgrade !== undefined) {
      this.upgradeHead = undefined;
      this.handedOver = true;
      this.detach();
      // Nothing reads the socket until the upgrade's own handlers take it.
      this.socket.pause();
      this.host.upgrade(upgrade, this.requestHeaders(upgrade, this.upgradeTarget), this.socket, chunk.subarray(consumed));
      return;
    }
    if (consumed < chunk.length) this.unread = chunk.subarray(consumed);
  }

  onHead(head: RequestHead): void {
    this.clearHeaderTimer();
    if (head.minorVersion === 0 && !this.options.acceptHttp10) {
      // Envoy's default: HTTP/1.0 is refused unless `accept_http_10` is set.
      this.parser.pause();
      this.refuse(426, '', 'Upgrade Required');
      return;
    }
    // A proxy's clients send absolute-form targets; the URL's authority stands in for the Host.
    const absolute = this.options.allowAbsoluteUrl && isAbsoluteForm(head.method, head.target) ? parseAbsoluteTarget(head.target) : undefined;
    // The underscore action runs only on a head otherwise accepted: DROP_HEADER edits the fields.
    if (absolute === null || !this.isAcceptable(head, absolute) || this.refusesForUnderscores(head.headers)) {
      this.parser.pause();
      this.refuse(400, 'Bad Request', 'Bad Request');
      return;
    }
    if (head.upgrade) {
      this.upgradeHead = head;
      this.upgradeTarget = absolute;
      return;
    }
    const headers = this.requestHeaders(head, absolute);
    if (headers['upgrade'] !== undefined) {
      // An h2c upgrade offer (the only kind that is not an upgrade here): dropped, as Envoy drops it.
      delete headers['upgrade'];
      delete headers['http2-settings'];
    }
    if (headers['expect'] !== undefined && head.bodyLength !== 0 && head.minorVersion === 1) {
      // As Envoy does by default, the proxy answers 100-continue itself and does not forward it.
      if (String(headers['expect']).toLowerCase() === '100-continue') {
        delete headers['expect'];
        this.write(CONTINUE);
      }
    }
    const keepAlive = head.keepAlive && !this.host.draining && !this.closing;
    const stream = new Http1Stream(this, head.method === 'HEAD', head.minorVersion === 0, keepAlive, this.server, this.options.via);
    this.stream = stream;
    stream.requestComplete = head.bodyLength === 0;
    this.host.openStream(stream, headers, stream.requestComplete);
  }

  onBody(chunk: Buffer): void {
    const stream = this.stream;
    if (stream === undefined) return;
    stream.timeouts?.touch();
    stream.manager?.decodeData(chunk, false);
  }

  onMessageEnd(trailers: HeaderFields | null): void {
    const stream = this.stream;
    if (stream === undefined) return;
    if (trailers !== null && this.refusesForUnderscores(trailers)) {
      // Envoy's codec reads trailers as it reads headers; the request is already on its way, so
      // this is a protocol error of the stream (400 if nothing was answered yet) and the close.
      throw new Http1ParseError('http1.unexpected_underscore', 'a trailer name with an underscore');
    }
    // The next request waits until this response is out (or the exchange is reset).
    if (!stream.responseEnded) {
      this.parser.pause();
      this.waitingForResponse = true;
    }
    if (!stream.requestComplete) {
      // A request with a body ends here; one without ended with its headers.
      stream.requestComplete = true;
      stream.timeouts?.requestComplete();
      if (trailers !== null) stream.manager?.decodeTrailers(trailers);
      else stream.manager?.decodeData(EMPTY, true);
    }
    if (stream.responseEnded) this.finishExchange(stream);
  }

  // ---- the exchange's end

  responseComplete(stream: Http1Stream, keepOpen: boolean): void {
    if (!keepOpen) this.closing = true;
    // A response that finished before its request did: Envoy closes rather than read the rest.
    if (!stream.requestComplete) this.closing = true;
    if (stream.requestComplete || this.closing) this.finishExchange(stream);
  }

  private finishExchange(stream: Http1Stream): void {
    if (this.stream !== stream) return;
    this.stream = undefined;
    stream.close(true);
    if (this.closing) {
      this.closeConnection();
      return;
    }
    this.waitingForResponse = false;
    this.idleTimer?.refresh();
    // A read pause belongs to the stream that asked for it; the next request starts unpaused.
    this.filterPaused = false;
    this.parser.resume();
    const unread = this.unread;
    this.unread = null;
    if (unread !== null) this.execute(unread);
    if (!this.filterPaused && !this.waitingForResponse) this.socket.resume();
  }

  /**
   * The client's FIN. As Envoy does for HTTP/1.1, a half-close while an exchange is in flight
   * ends the connection and resets the stream (DC); between requests it just closes.
   */
  private readonly onEnd = (): void => {
    if (this.stream === undefined && this.parser.idle) this.closeConnection();
    else this.socket.destroy();
  };

  private readonly onSocketClose = (): void => {
    this.clearHeaderTimer();
    this.clearIdleTimer();
    // A stream still open here never completed: the exchange finishing takes it off first.
    const stream = this.stream;
    this.stream = undefined;
    stream?.close(false);
  };

  private readonly onIdle = (): void => {
    // Only a connection with no stream in flight is closed; a stream's end starts the count again.
    if (this.stream === undefined) this.closeConnection();
  };

  private readonly onHeaderTimeout = (): void => {
    this.headerTimer = undefined;
    if (this.stream !== undefined || this.parser.idle) return;
    this.refuse(408, 'request header timeout', 'Request Timeout');
  };

  private onParseError(error: unknown): void {
    this.clearHeaderTimer();
    const status = error instanceof Http1ParseError ? error.status : 400;
    this.detach();
    const stream = this.stream;
    if (stream !== undefined && !stream.requestComplete) {
      stream.closeAfterResponse();
      this.closing = true;
      this.host.streamProtocolError(stream, status);
      return;
    }
    this.refuse(status, status === 431 ? 'Request Header Fields Too Large' : 'Bad Request', status === 431 ? 'Request Header Fields Too Large' : 'Bad Request');
  }

  /** Answers a request that never became a stream, and closes. */
  private refuse(status: number, body: string, reason: string): void {
    this.host.protocolError(status);
    this.closeConnection(codecReply(status, reason, body, this.server, this.options.properCaseHeaderNames));
  }

  // ---- writing

  /**
   * Writes leave in one writev per poll phase (the head, the body, the chunked terminator), after
   * the reads that produced them and together with the other connections' responses. A head
   * goes in as bytes: node's writev encodes each string chunk in C++ after parsing its encoding
   * name twice, which costs more than the copy.
   */
  write(data: string | Buffer): boolean {
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) return true;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      flushAfterReads(this.uncork);
    }
    return socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  writeHead(head: string): void {
    this.write(inWireCase(head, this.options.properCaseHeaderNames));
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
  };

  setReadPaused(paused: boolean): void {
    this.filterPaused = paused;
    if (paused) this.socket.pause();
    else if (!this.waitingForResponse) this.socket.resume();
  }

  /**
   * A reset stream cuts the connection. What the stream wrote before (its head, the body so far)
   * still goes out first, as Envoy flushes before such a close; held until the end of the poll
   * phase, it would be dropped, and the client would see a connection closed with no answer.
   */
  abort(): void {
    if (this.corked) this.uncork();
    this.socket.destroy();
  }

  /** Ends the connection after what was written (and `last`); a client that never closes its side is cut off. */
  private closeConnection(last?: string): void {
    this.detach();
    const socket = this.socket;
    if (socket.destroyed) return;
    if (this.corked) this.uncork();
    socket.setTimeout(CLOSE_GRACE_MS, () => socket.destroy());
    if (last === undefined) socket.end();
    else socket.end(last, 'latin1');
  }

  /** Stops reading HTTP from the socket (closing, failed, or upgraded). */
  private detach(): void {
    this.clearHeaderTimer();
    this.clearIdleTimer();
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('end', this.onEnd);
  }

  private clearIdleTimer(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private clearHeaderTimer(): void {
    if (this.headerTimer !== undefined) clearTimeout(this.headerTimer);
    this.headerTimer = undefined;
  }

  /** `headers_with_underscores_action` on a request's fields or trailers (see `refusesUnderscoreHeaders`). */
  private refusesForUnderscores(fields: HeaderFields): boolean {
    return refusesUnderscoreHeaders(fields, this.options.headersWithUnderscoresAction, this.host.codecStats.http1);
  }

  /**
   * False for what Envoy's codec answers with 400 though the parser took it (besides an
   * absolute-form target that is no http(s) URL, and a header name with `_` under REJECT_REQUEST):
   * a method outside Envoy's list (the parser takes any token) unless `allow_custom_methods`, or a
   * Host that could not be an authority (`Host: a b`, `Host: evil/path`), which would reach routing
   * and the upstream.
   */
  private isAcceptable(head: RequestHead, absolute: AbsoluteTarget | undefined): boolean {
    if (!this.options.allowCustomMethods && !isStandardMethod(head.method)) return false;
    const host = head.headers['host'];
    // With an absolute-form target the URL's authority, already checked, stands in for the Host.
    return absolute !== undefined || typeof host !== 'string' || isValidAuthority(host);
  }

  /**
   * The parsed head in Envoy's form: pseudo-headers, then the fields with `host` as `:authority`.
   * A fresh object rather than the parsed one with `host` deleted: a delete would leave every
   * later lookup on this hot object in V8's slow dictionary mode.
   */
  private requestHeaders(head: RequestHead, absolute: AbsoluteTarget | undefined): HeaderMap {
    const fields = head.headers;
    // The parser admits at most one Host; HTTP/1.0 may have none (`default_host_for_http_10`).
    const authority = absolute?.authority ?? fields['host'] ?? (head.minorVersion === 0 ? this.options.defaultHostForHttp10 : '');
    const headers: HeaderMap = newHeaderFields();
    headers[':method'] = head.method;
    headers[':path'] = absolute?.path ?? head.target;
    headers[':authority'] = authority;
    headers[':scheme'] = absolute?.scheme ?? this.scheme;
    for (const name in fields) if (name !== 'host') headers[name] = fields[name];
    return headers;
  }
}
