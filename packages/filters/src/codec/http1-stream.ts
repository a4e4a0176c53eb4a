import type { Socket } from 'node:net';
import { appendHeaderLines, statusLine } from '@meshkit/core/http1';
import type { DownstreamCodec, FilterManager } from '../filter-manager.js';
import type { HeaderMap } from '../http-filter.js';
import { appendResponseVia } from '../request-headers.js';
import type { StreamTimeouts } from '../stream-timeouts.js';
import { httpDate } from './http-date.js';
import type { ServerHeader } from './server-header.js';

/** Who accounts for a stream once it is over: the connection manager. */
export interface Http1StreamCloser {
  streamClosed(stream: Http1Stream, completed: boolean): void;
}

/** What a stream tells its connection. */
export interface Http1StreamOwner {
  readonly socket: Socket;
  /** The response went out whole; `keepOpen` is false when the connection must close after it. */
  responseComplete(stream: Http1Stream, keepOpen: boolean): void;
  setReadPaused(paused: boolean): void;
  /** Batches writes into one system call per poll phase. */
  write(data: string | Buffer): boolean;
  /** Writes a head or a trailer block, its field names in the configured case. */
  writeHead(head: string): void;
  /** Cuts the connection after what was written so far. */
  abort(): void;
}

const CHUNKED_END = '0\r\n\r\n';
/** Headers this codec writes itself: framing, connection management, and the proxy's own. */
const CODEC_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'via']);
/** The same, when the proxy writes its own `server` in place of the response's. */
const CODEC_HEADERS_AND_SERVER: ReadonlySet<string> = new Set([...CODEC_HEADERS, 'server']);

/** A status whose response never has a body (RFC 9110 §6.4.1). */
function bodyless(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

/**
 * One request/response exchange on a downstream HTTP/1.1 connection: the response side of the
 * codec. It frames the response by hand — one string for the head, Content-Length when the
 * response says it, chunked coding otherwise (close-delimited for HTTP/1.0 clients) — and tells
 * its connection when the exchange is over so the next pipelined request can be read.
 */
export class Http1Stream implements DownstreamCodec {
  /** The filter chain reading this request; set by the connection manager. */
  manager: FilterManager | undefined;
  timeouts: StreamTimeouts | undefined;
  /** Told once that the exchange completed (true) or was cut off (false). */
  closer: Http1StreamCloser | undefined;
  requestComplete = false;
  responseEnded = false;
  private chunked = false;
  private noBody = false;
  private keepAlive: boolean;
  private closed = false;

  constructor(
    private readonly owner: Http1StreamOwner,
    private readonly isHead: boolean,
    private readonly http10: boolean,
    keepAlive: boolean,
    private readonly server: ServerHeader,
    private readonly via: string,
  ) {
    this.keepAlive = keepAlive;
  }

  get socket(): Socket {
    return this.owner.socket;
  }

  get protocol(): string {
    return this.http10 ? 'HTTP/1.0' : 'HTTP/1.1';
  }

  /** Make the connection close after this response (drain, a broken request). */
  closeAfterResponse(): void {
    this.keepAlive = false;
  }

  writeHeaders(headers: HeaderMap, endOfStream: boolean): void {
    if (this.closed) return;
    this.timeouts?.touch();
    const status = Number(headers[':status']);
    // Answered before the request was read whole: the rest of it cannot be trusted to frame the next.
    if (!this.requestComplete) this.keepAlive = false;
    const server = this.server.proxyValue(headers['server']);
    let head = appendHeaderLines(statusLine(status), headers, server === undefined ? CODEC_HEADERS : CODEC_HEADERS_AND_SERVER);
    if (server !== undefined) head += `server: ${server}\r\n`;
    if (headers['date'] === undefined) head += `date: ${httpDate()}\r\n`;
    const via = viaHeader(headers, this.via);
    if (via !== undefined) head += `via: ${via}\r\n`;
    head += this.framing(status, headers, endOfStream);
    if (!this.keepAlive) head += 'connection: close\r\n';
    else if (this.http10) head += 'connection: keep-alive\r\n';
    this.owner.writeHead(`${head}\r\n`);
    if (endOfStream) this.end();
  }

  // HOT PATH: per response body chunk.
  writeData(data: Buffer, endOfStream: boolean): boolean {
    if (this.closed) return true;
    this.timeouts?.touch();
    let more = true;
    if (data.length > 0 && !this.noBody) {
      if (this.chunked) {
        this.owner.write(`${data.length.toString(16)}\r\n`);
        this.owner.write(data);
        more = this.owner.write(endOfStream ? `\r\n${CHUNKED_END}` : '\r\n');
        if (endOfStream) this.chunked = false;
      } else {
        more = this.owner.write(data);
      }
    }
    if (endOfStream) this.end();
    return more;
  }

  writeTrailers(trailers: HeaderMap): void {
    if (this.closed) return;
    if (this.chunked) {
      this.owner.writeHead(`${appendHeaderLines('0\r\n', trailers)}\r\n`);
      this.chunked = false;
    }
    this.end();
  }

  onDrain(listener: () => void): void {
    this.owner.socket.once('drain', listener);
  }

  setReadPaused(paused: boolean): void {
    this.owner.setReadPaused(paused);
  }

  reset(): void {
    this.owner.abort();
  }

  /** The connection went away, or the exchange is over: tell the connection manager once. */
  close(completed: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.closer?.streamClosed(this, completed);
  }

  /** The framing headers for this response, and how its body will be written. */
  private framing(status: number, headers: HeaderMap, endOfStream: boolean): string {
    const length = headers['content-length'];
    if (this.isHead || bodyless(status)) {
      this.noBody = true;
      // A HEAD response keeps the length the GET would have had.
      return this.isHead && typeof length === 'string' ? `content-length: ${length}\r\n` : '';
    }
    if (endOfStream) return 'content-length: 0\r\n';
    if (typeof length === 'string') return `content-length: ${length}\r\n`;
    if (!this.http10) {
      this.chunked = true;
      return 'transfer-encoding: chunked\r\n';
    }
    // An HTTP/1.0 client knows a body of unknown length only by the close.
    this.keepAlive = false;
    return '';
  }

  private end(): void {
    if (this.responseEnded) return;
    if (this.chunked) this.owner.write(CHUNKED_END);
    this.chunked = false;
    this.responseEnded = true;
    this.owner.responseComplete(this, this.keepAlive);
  }
}

/** The response's `via`, with the proxy's own appended when configured. */
function viaHeader(headers: HeaderMap, via: string): string | undefined {
  if (via === '') {
    const current = headers['via'];
    return typeof current === 'string' ? current : current?.join(', ');
  }
  const out: HeaderMap = { via: headers['via'] };
  appendResponseVia(out, via);
  return out['via'] as string;
}
