import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { constants } from 'node:http2';
import { newHeaderFields } from '@meshkit/core';
import { errors } from 'undici';
import { RequestController } from '../request-controller.js';
import { UpstreamHttp2ProtocolError, UpstreamRefusedStreamError, UpstreamRemoteResetError } from '../errors.js';
import type { IncomingHttpHeaders, ClientHttp2Session, ClientHttp2Stream, IncomingHttpStatusHeader, OutgoingHttpHeaders } from 'node:http2';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { Http2RequestParts } from './request-headers.js';

/** Where an exchange waits before it has a stream: the pool's queue. */
export interface ExchangeSite {
  abandon(exchange: Http2Exchange): void;
}

/** Per-request inactivity limits, as undici names them. */
export interface ExchangeTimeouts {
  /** No response head for this long after the request went out: UND_ERR_HEADERS_TIMEOUT. 0 disables. */
  readonly headersTimeout: number;
  /** No response byte for this long once the head came: UND_ERR_BODY_TIMEOUT. 0 disables. */
  readonly bodyTimeout: number;
}

/** A stream body that carries request trailers, read when it ends (the HTTP/1.1 pool's convention too). */
interface BodyWithTrailers {
  trailers?: Record<string, string | string[] | undefined> | null;
}

/** RFC 6455's GUID, for the accept key an HTTP/1.1 client expects in a 101. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * One request on an HTTP/2 connection, from dispatch to its handler's last callback; it is the
 * handler's controller too. The body streams with back-pressure and, when it is a stream, may end
 * with trailers. A tunnel (CONNECT, or an Upgrade sent as extended CONNECT) is handed over as
 * the stream itself once the server answers 2xx; an Upgrade's 200 is reported as the 101 its
 * HTTP/1.1 form would have had.
 */
export class Http2Exchange extends RequestController {
  /** The next exchange in the pool's queue. */
  next: Http2Exchange | null = null;
  site: ExchangeSite | null = null;
  /** Called when this exchange cancels its stream (the connection may then check it is alive). */
  onCancel: (() => void) | null = null;
  #stream: ClientHttp2Stream | null = null;
  #trailers: IncomingHttpHeaders | null = null;
  #responseStarted = false;
  /** The response's readable side ended, which node:http2 also signals for a stream that was reset. */
  #ended = false;
  /** What node:http2 reported before the stream closed, kept as the cause. */
  #streamError: Error | null = null;
  #session: ClientHttp2Session | null = null;

  constructor(
    readonly handler: Dispatcher.DispatchHandler,
    readonly parts: Http2RequestParts,
    private readonly timeouts: ExchangeTimeouts,
  ) {
    super();
  }

  protected onAbort(error: Error): void {
    this.site?.abandon(this);
    this.site = null;
    this.#closeStream(constants.NGHTTP2_CANCEL);
    this.fail(error);
  }

  protected onPause(): void {
    this.#stream?.pause();
  }

  protected onResume(): void {
    this.#stream?.resume();
  }

  /**
   * Opens the stream on `session` and sends the request. Returns the stream (its 'close' is the
   * connection's cue that the slot is free), or null when the request failed instead.
   */
  start(session: ClientHttp2Session): ClientHttp2Stream | null {
    if (this.done) return null;
    this.site = null;
    const { headers, body, tunnel } = this.parts;
    const streamed = body !== null && typeof body !== 'string' && !Buffer.isBuffer(body);
    let stream: ClientHttp2Stream;
    try {
      stream = session.request(headers, { endStream: body === null && tunnel === null, waitForTrailers: streamed });
    } catch (error) {
      this.fail(error as Error);
      return null;
    }
    this.#stream = stream;
    this.#session = session;
    this.handler.onRequestStart?.(this, null);
    if (this.done) return stream; // aborted from onRequestStart, which cancelled the stream
    stream.on('timeout', () => this.#timedOut());
    stream.setTimeout(this.timeouts.headersTimeout);
    stream.on('response', (head) => this.#onResponse(head));
    stream.on('data', (chunk: Buffer) => this.#onData(chunk));
    stream.on('trailers', (trailers: IncomingHttpHeaders) => {
      this.#trailers = trailers;
    });
    stream.once('end', () => this.#onEnd());
    stream.once('error', (error: Error) => {
      this.#streamError = error;
    });
    stream.once('close', () => this.#onClose());
    if (streamed) this.#sendStream(stream, body);
    else if (body !== null) stream.end(body);
    return stream;
  }

  /** Delivers the handler's last callback: an error. */
  fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    this.site = null;
    this.handler.onResponseError?.(this, error);
  }

  #onResponse(head: IncomingHttpHeaders & IncomingHttpStatusHeader): void {
    if (this.done) return;
    const status = Number(head[':status']);
    const headers = withoutPseudoHeaders(head);
    const stream = this.#stream as ClientHttp2Stream;
    const tunnel = this.parts.tunnel;
    if (tunnel !== null && status >= 200 && status < 300) {
      this.done = true;
      stream.setTimeout(0);
      stream.removeAllListeners('data');
      const upgrade = tunnel === 'extended-connect';
      if (upgrade) {
        headers.upgrade = String(this.parts.headers[':protocol']);
        headers.connection = 'upgrade';
        const key = this.parts.webSocketKey;
        if (key !== undefined) headers['sec-websocket-accept'] = createHash('sha1').update(key + WEBSOCKET_GUID).digest('base64');
      }
      this.handler.onRequestUpgrade?.(this, upgrade ? 101 : status, headers, stream);
      return;
    }
    this.#responseStarted = true;
    stream.setTimeout(this.timeouts.bodyTimeout);
    this.handler.onResponseStart?.(this, status, headers, '');
    // The request body is no longer wanted once a tunnel is refused.
    if (tunnel !== null && !this.done) stream.end();
  }

  #onData(chunk: Buffer): void {
    if (this.done) return;
    this.handler.onResponseData?.(this, chunk);
  }

  #onEnd(): void {
    this.#ended = true;
    const stream = this.#stream as ClientHttp2Stream;
    // The server answered before the request body was done: it wants no more of it (RFC 9113 §8.1).
    // (A stream that was reset is closed already; its 'close' follows.)
    if (!stream.writableFinished) this.#closeStream(constants.NGHTTP2_NO_ERROR);
  }

  /**
   * The stream is over. It completed only if the response ended without a reset; otherwise the
   * failure is named as Envoy names its reset reasons: a reset by the upstream on a live
   * connection, a refused stream, a protocol error, or the connection's end.
   */
  #onClose(): void {
    if (this.done) return;
    const stream = this.#stream as ClientHttp2Stream;
    const code = stream.rstCode;
    if (code === constants.NGHTTP2_NO_ERROR && this.#ended && this.#responseStarted) {
      this.done = true;
      this.handler.onResponseEnd?.(this, this.#trailers === null ? {} : withoutPseudoHeaders(this.#trailers));
      return;
    }
    this.fail(this.#resetError(code));
  }

  #resetError(code: number | undefined): Error {
    const cause = this.#streamError ?? undefined;
    if (code === constants.NGHTTP2_REFUSED_STREAM) return new UpstreamRefusedStreamError({ cause });
    if (code === constants.NGHTTP2_PROTOCOL_ERROR) return new UpstreamHttp2ProtocolError({ cause });
    const session = this.#session as ClientHttp2Session;
    if (session.destroyed || session.closed || code === undefined || code === constants.NGHTTP2_NO_ERROR) {
      return new errors.SocketError('upstream connection closed before the response completed');
    }
    return new UpstreamRemoteResetError(code, { cause });
  }

  #timedOut(): void {
    if (this.done) return;
    this.#closeStream(constants.NGHTTP2_CANCEL);
    this.fail(this.#responseStarted ? new errors.BodyTimeoutError() : new errors.HeadersTimeoutError());
  }

  #closeStream(code: number): void {
    const stream = this.#stream;
    if (stream === null || stream.closed || stream.destroyed) return;
    stream.close(code);
    if (code === constants.NGHTTP2_CANCEL) this.onCancel?.();
  }

  /** Pipes a stream body with back-pressure; its `trailers`, if any, follow it. */
  #sendStream(stream: ClientHttp2Stream, body: Readable): void {
    stream.once('wantTrailers', () => {
      const trailers = (body as BodyWithTrailers).trailers;
      stream.sendTrailers(trailers == null ? {} : sendableTrailers(trailers));
    });
    body.once('error', (error: Error) => this.abort(error));
    stream.once('close', () => body.unpipe(stream));
    body.pipe(stream);
  }
}

function withoutPseudoHeaders(head: IncomingHttpHeaders): Record<string, string | string[] | undefined> {
  const out = newHeaderFields();
  for (const name in head) if (name.charCodeAt(0) !== 0x3a /* ':' */) out[name] = head[name];
  return out;
}

/** Trailers as HTTP/2 may carry them: no pseudo-headers, nothing connection-specific. */
function sendableTrailers(trailers: Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = newHeaderFields();
  for (const name in trailers) {
    const value = trailers[name];
    if (value === undefined || name.charCodeAt(0) === 0x3a || name === 'connection' || name === 'transfer-encoding' || name === 'te') continue;
    out[name.toLowerCase()] = value;
  }
  return out;
}
