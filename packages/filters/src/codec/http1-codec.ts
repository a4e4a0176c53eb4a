import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ResolvedConnectionOptions } from '../connection-options.js';
import type { DownstreamCodec } from '../filter-manager.js';
import type { HeaderMap } from '../http-filter.js';
import { appendResponseVia } from '../request-headers.js';

/** Something that wants to know the stream moved (the idle timer). */
export interface StreamActivity {
  touch(): void;
}

/** Writes an encoded response to node's ServerResponse. */
export class Http1StreamCodec implements DownstreamCodec {
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly serverName: string,
    private readonly via: string,
    private readonly activity: StreamActivity,
  ) {}

  writeHeaders(headers: HeaderMap, endOfStream: boolean): void {
    const out: Record<string, string | string[]> = {};
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined && name.charCodeAt(0) !== 58 /* ':' */) out[name] = value;
    }
    out['server'] = this.serverName;
    appendResponseVia(out, this.via);
    this.activity.touch();
    this.res.writeHead(Number(headers[':status']), out);
    if (endOfStream) this.res.end();
  }

  writeData(data: Buffer, endOfStream: boolean): boolean {
    this.activity.touch();
    if (endOfStream) {
      this.res.end(data);
      return true;
    }
    return this.res.write(data);
  }

  writeTrailers(trailers: HeaderMap): void {
    this.res.addTrailers(trailers);
    this.res.end();
  }

  onDrain(listener: () => void): void {
    this.res.once('drain', listener);
  }

  setReadPaused(paused: boolean): void {
    if (paused) this.req.pause();
    else this.req.resume();
  }

  reset(): void {
    this.res.destroy();
  }
}

/** node's HTTP/1.1 codec for one connection manager; it never listens: listeners hand it connections. */
export function createHttp1Server(
  options: ResolvedConnectionOptions,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  onProtocolError: (status: number) => void,
  onStreamProtocolError: (socket: Socket, status: number) => boolean,
): http.Server {
  const headersTimeout = options.requestHeadersTimeoutMs;
  const server = http.createServer(
    {
      maxHeaderSize: options.maxRequestHeadersBytes,
      // Envoy's request_timeout is per stream and disabled by default; the stream timers own it.
      requestTimeout: 0,
      headersTimeout,
      // node checks header deadlines on this interval; it bounds how late a slow client is cut off.
      connectionsCheckingInterval: headersTimeout > 0 ? Math.max(50, Math.min(1_000, headersTimeout / 4)) : 30_000,
    },
    handle,
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const status = clientErrorStatus(error.code);
    if (status === 0 || !socket.writable) {
      socket.destroy();
      return;
    }
    // A malformed body arrives while its request is a stream already: that stream answers it.
    if ((socket as { _httpMessage?: unknown })._httpMessage) {
      if (!onStreamProtocolError(socket, status)) socket.destroy();
      return;
    }
    onProtocolError(status);
    socket.end(codecErrorResponse(status));
  });
  // CONNECT is an upgrade no `upgrade_configs` allows here: refused as Envoy refuses it.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    onProtocolError(403);
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  });
  return server;
}

/** The status a codec-level failure gets (Envoy answers and closes the connection), 0 for none. */
function clientErrorStatus(code: string | undefined): number {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === undefined) return 0;
  return 400;
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' };

function codecErrorResponse(status: number): string {
  const body = status === 408 ? 'request header timeout' : (REASONS[status] ?? 'Bad Request');
  return `HTTP/1.1 ${status} ${REASONS[status] ?? 'Bad Request'}\r\ncontent-length: ${body.length}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${body}`;
}
