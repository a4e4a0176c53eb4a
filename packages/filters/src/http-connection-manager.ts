import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { RouteTable } from '@meshkit/router';
import { FilterManager } from './filter-manager.js';
import type { DownstreamCodec } from './filter-manager.js';
import type { CompiledHttpFilter, HeaderMap } from './http-filter.js';
import { StreamInfo } from './stream-info.js';
import type { TrafficDirection } from './stream-info.js';

export interface HttpConnectionManagerConfig {
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
}

/** Envoy's `http.<stat_prefix>.*` counters for one connection manager. */
export class HttpConnectionManagerStats {
  downstream_cx_total = 0;
  downstream_cx_active = 0;
  downstream_rq_total = 0;
  downstream_rq_active = 0;
  downstream_rq_1xx = 0;
  downstream_rq_2xx = 0;
  downstream_rq_3xx = 0;
  downstream_rq_4xx = 0;
  downstream_rq_5xx = 0;
  /** Streams the downstream reset (went away before the response was complete). */
  downstream_rq_rx_reset = 0;
  /** Streams this proxy reset, e.g. when the upstream failed after response headers were sent. */
  downstream_rq_tx_reset = 0;

  recordResponse(status: number | undefined): void {
    switch (Math.floor((status ?? 0) / 100)) {
      case 1: this.downstream_rq_1xx++; break;
      case 2: this.downstream_rq_2xx++; break;
      case 3: this.downstream_rq_3xx++; break;
      case 4: this.downstream_rq_4xx++; break;
      case 5: this.downstream_rq_5xx++; break;
    }
  }
}

/**
 * The HTTP connection manager over node's HTTP/1.1 codec: turns each request into a stream of
 * headers, body and trailers through the filter chain, and writes what the chain encodes.
 * The config is swapped atomically; a stream keeps the config it started with.
 */
export class HttpConnectionManager {
  readonly stats = new HttpConnectionManagerStats();
  private config: HttpConnectionManagerConfig;
  /** The HTTP/1.1 codec; it never listens: listeners hand it connections. */
  private readonly http1: http.Server;
  /** Open connections and how many streams each has in flight, for draining. */
  private readonly connections = new Map<Socket, number>();
  private draining = false;

  constructor(config: HttpConnectionManagerConfig) {
    this.config = config;
    this.http1 = http.createServer(this.handle);
    this.http1.on('clientError', (_error, socket: Socket) => socket.destroy());
  }

  /**
   * Takes a connection a listener accepted (already TLS-terminated when its filter chain has
   * TLS), as Envoy's listener hands a connection to its network filter chain.
   */
  acceptConnection(socket: Socket): void {
    const stats = this.stats;
    stats.downstream_cx_total++;
    stats.downstream_cx_active++;
    this.connections.set(socket, 0);
    socket.once('close', () => {
      stats.downstream_cx_active--;
      this.connections.delete(socket);
    });
    this.http1.emit('connection', socket);
  }

  /**
   * Envoy's drain: idle connections close now, busy ones after their current response
   * (sent with `connection: close`); new requests on them are still served meanwhile.
   */
  drainConnections(): void {
    this.draining = true;
    for (const [socket, inFlight] of this.connections) if (inFlight === 0) socket.end();
  }

  get activeConnections(): number {
    return this.connections.size;
  }

  get statPrefix(): string {
    return this.config.statPrefix;
  }

  update(config: HttpConnectionManagerConfig): void {
    this.config = config;
  }

  // HOT PATH: runs per request. No config parsing, no regex compilation, no awaits.
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const config = this.config;
    const stats = this.stats;
    const info = new StreamInfo(config.trafficDirection);
    const socket = req.socket;
    info.protocol = `HTTP/${req.httpVersion}`;
    info.downstreamRemoteAddress = `${socket.remoteAddress ?? ''}:${socket.remotePort ?? 0}`;
    info.downstreamLocalAddress = `${socket.localAddress ?? ''}:${socket.localPort ?? 0}`;
    info.downstreamTls = 'encrypted' in socket;
    if (info.downstreamTls && config.peerIdentity !== undefined) info.downstreamPeerSpiffeId = config.peerIdentity(socket);

    const headers = toRequestHeaders(req, info.downstreamTls ? 'https' : 'http');
    let requestId = headers['x-request-id'];
    if (typeof requestId !== 'string' || requestId === '') {
      requestId = randomUUID();
      headers['x-request-id'] = requestId;
    }
    info.requestId = requestId;

    const table = config.routeTable();
    const manager = new FilterManager(config.filters, new NodeHttpCodec(req, res, config.serverName ?? 'meshkit'), info, headers, (h) =>
      table === null
        ? null
        : table.match({
            authority: (h[':authority'] as string | undefined) ?? '',
            path: (h[':path'] as string | undefined) ?? '/',
            method: (h[':method'] as string | undefined) ?? 'GET',
            headers: h,
          }),
    );

    stats.downstream_rq_total++;
    stats.downstream_rq_active++;
    const inFlight = this.connections.get(socket);
    if (inFlight !== undefined) this.connections.set(socket, inFlight + 1);
    if (this.draining) res.setHeader('connection', 'close');
    res.once('close', () => {
      const count = this.connections.get(socket);
      if (count !== undefined) this.connections.set(socket, count - 1);
      stats.downstream_rq_active--;
      if (!res.writableFinished) {
        if (manager.resetLocally) stats.downstream_rq_tx_reset++;
        else stats.downstream_rq_rx_reset++;
      }
      stats.recordResponse(info.responseCode);
      manager.destroy(res.writableFinished);
    });

    const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
    manager.decodeHeaders(!hasBody);
    if (!hasBody) return;
    req.on('data', (chunk: Buffer) => manager.decodeData(chunk, false));
    req.once('end', () => {
      if (req.rawTrailers.length > 0) manager.decodeTrailers(req.trailers);
      else manager.decodeData(Buffer.alloc(0), true);
    });
  };
}

/** Node's parsed headers plus Envoy's pseudo-headers; `host` becomes `:authority`. */
function toRequestHeaders(req: IncomingMessage, scheme: string): HeaderMap {
  const headers = req.headers as HeaderMap;
  headers[':method'] = req.method ?? 'GET';
  headers[':path'] = req.url ?? '/';
  headers[':authority'] = req.headers.host ?? '';
  headers[':scheme'] = scheme;
  delete headers['host'];
  headers['x-forwarded-proto'] ??= scheme;
  return headers;
}

/** Writes an encoded response to node's ServerResponse. */
class NodeHttpCodec implements DownstreamCodec {
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly serverName: string,
  ) {}

  writeHeaders(headers: HeaderMap, endOfStream: boolean): void {
    const out: Record<string, string | string[]> = {};
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined && name.charCodeAt(0) !== 58 /* ':' */) out[name] = value;
    }
    out['server'] = this.serverName;
    this.res.writeHead(Number(headers[':status']), out);
    if (endOfStream) this.res.end();
  }

  writeData(data: Buffer, endOfStream: boolean): boolean {
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
