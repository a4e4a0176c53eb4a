import { errors } from 'undici';
import { dial } from '../dial.js';
import { rejectDispatch } from '../failed-dispatch.js';
import { isControllerHandler, LegacyHandlerAdapter } from '../http1/legacy-handler.js';
import { OriginPool } from '../origin-pool.js';
import { RequestQueue } from '../request-queue.js';
import { Http2Connection } from './http2-connection.js';
import { Http2Exchange } from './http2-exchange.js';
import { http2RequestParts } from './request-headers.js';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Dispatcher, buildConnector } from 'undici';
import type { Http2Keepalive, Http2Windows } from '../cluster-options.js';
import type { DialOptions, SessionCache } from '../dial.js';
import type { ConnectionObserver, OriginPoolOptions, PoolStats, SharedConnectionLimit } from '../origin-pool.js';
import type { Http2ConnectionOwner, Http2ConnectionSettings } from './http2-connection.js';
import type { ExchangeSite, ExchangeTimeouts } from './http2-exchange.js';

export interface Http2PoolOptions extends OriginPoolOptions {
  /** Streams a connection carries at once, unless the server allows fewer. Default 2147483647 (Envoy's): the server decides. */
  readonly maxConcurrentStreams?: number | undefined;
  /** Envoy's `connection_keepalive`: PING a connection quiet for `intervalMs`; no ACK within `timeoutMs` closes it. */
  readonly keepalive?: Http2Keepalive | undefined;
  /** Flow-control windows offered to the server; node's 65535 where undefined. */
  readonly windows?: Http2Windows | undefined;
}

/**
 * HTTP/2 connections to one origin on node:http2, as an undici `Dispatcher`: h2c with prior
 * knowledge, or h2 by ALPN over TLS. Requests are streams on the oldest connection with a free
 * stream; when every connection is at its stream limit another is dialled (up to `connections`
 * and the shared limit), and requests beyond that wait FIFO. Request bodies stream with
 * back-pressure and may end with trailers; an Upgrade is sent as extended CONNECT (RFC 8441).
 */
export class Http2Pool extends OriginPool implements Http2ConnectionOwner, ExchangeSite {
  readonly #scheme: 'http' | 'https';
  readonly #authority: string;
  readonly #connect: DialOptions | buildConnector.connector | undefined;
  readonly #settings: Http2ConnectionSettings;
  readonly #timeouts: ExchangeTimeouts;
  readonly #observer: ConnectionObserver | undefined;
  readonly #sharedLimit: SharedConnectionLimit | undefined;
  readonly #tlsSession: SessionCache = { session: undefined };
  /** Oldest first: new streams fill the oldest connection, so younger ones can go idle and close. */
  readonly #open: Http2Connection[] = [];
  /** Connects in progress, each with how to abandon it. */
  readonly #dialing = new Set<{ cancel: () => void }>();
  readonly #queue = new RequestQueue<Http2Exchange>();
  #needDrain = false;

  constructor(origin: string | URL, options: Http2PoolOptions = {}) {
    super(origin, options, true);
    this.#scheme = this.target.https ? 'https' : 'http';
    this.#authority = this.origin.host;
    this.#connect = options.connect;
    this.#observer = options.observer;
    this.#sharedLimit = options.sharedLimit;
    this.#settings = {
      maxConcurrentStreams: options.maxConcurrentStreams ?? 2_147_483_647,
      maxRequestsPerConnection: options.maxRequestsPerConnection ?? 0,
      idleTimeout: options.keepAliveTimeout ?? 4000,
      keepalive: options.keepalive,
      windows: options.windows ?? {},
    };
    this.#timeouts = { headersTimeout: options.headersTimeout ?? 300_000, bodyTimeout: options.bodyTimeout ?? 300_000 };
  }

  get stats(): PoolStats {
    let free = 0;
    for (const connection of this.#open) if (connection.capacity > 0) free++;
    const running = this.#running();
    return { connected: this.#open.length, free, connecting: this.#dialing.size, queued: this.#queue.size, running, size: this.#queue.size + running };
  }

  /** Returns false when the request had to wait for a stream ('drain' follows once the queue empties). */
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (handler === null || typeof handler !== 'object') throw new errors.InvalidArgumentError('handler must be an object');
    const target = isControllerHandler(handler) ? handler : new LegacyHandlerAdapter(handler);
    if (this.isClosed) return rejectDispatch(target, this.isDestroyed ? new errors.ClientDestroyedError() : new errors.ClientClosedError());
    const parts = http2RequestParts(options, this.#scheme, this.#authority);
    if (parts instanceof Error) return rejectDispatch(target, parts);
    const timeouts =
      options.headersTimeout == null && options.bodyTimeout == null
        ? this.#timeouts
        : { headersTimeout: options.headersTimeout ?? this.#timeouts.headersTimeout, bodyTimeout: options.bodyTimeout ?? this.#timeouts.bodyTimeout };
    const exchange = new Http2Exchange(target, parts, timeouts);
    const connection = this.#withCapacity();
    if (connection !== null) {
      connection.start(exchange);
      return true;
    }
    this.#enqueue(exchange);
    this.#grow();
    this.#needDrain = true;
    return false;
  }

  onCapacity(connection: Http2Connection): void {
    while (connection.capacity > 0) {
      const next = this.#dequeue();
      if (next === null) break;
      connection.start(next);
    }
    if (this.#queue.size > 0) this.#grow();
    else if (this.#needDrain) {
      this.#needDrain = false;
      this.emit('drain', this.origin);
    }
    if (this.isClosed) this.settle();
  }

  onClosed(connection: Http2Connection): void {
    const at = this.#open.indexOf(connection);
    if (at === -1) return;
    this.#open.splice(at, 1);
    this.#sharedLimit?.give();
    this.#observer?.onDisconnect?.();
    if (this.#queue.size > 0) this.#grow();
    if (this.isClosed) this.settle();
  }

  abandon(exchange: Http2Exchange): void {
    this.#queue.forget();
    exchange.site = null;
    if (this.isClosed) this.settle();
  }

  #running(): number {
    let streams = 0;
    for (const connection of this.#open) streams += connection.active;
    return streams;
  }

  #withCapacity(): Http2Connection | null {
    for (const connection of this.#open) if (connection.capacity > 0) return connection;
    return null;
  }

  #enqueue(exchange: Http2Exchange): void {
    exchange.site = this;
    this.#queue.push(exchange);
  }

  #dequeue(): Http2Exchange | null {
    const exchange = this.#queue.shift();
    if (exchange !== null) exchange.site = null;
    return exchange;
  }

  /** Dials for the queued requests that the connections on their way will not take. */
  #grow(): void {
    let coming = this.#dialing.size;
    for (const connection of this.#open) if (connection.starting) coming++;
    while (coming * this.#settings.maxConcurrentStreams < this.#queue.size && this.#mayOpen()) {
      this.#dial();
      coming++;
    }
  }

  #mayOpen(): boolean {
    const count = this.#open.length + this.#dialing.size;
    if (count >= this.maxConnections) return false;
    return this.#sharedLimit?.take(count === 0) ?? true;
  }

  #dial(): void {
    const attempt = { cancel: ignore };
    this.#dialing.add(attempt);
    let finished = false;
    const cancel = dial(this.target, this.#connect, this.#tlsSession, (error, socket) => {
      finished = true;
      if (!this.#dialing.delete(attempt)) {
        socket?.destroy(); // abandoned by destroy()
        return;
      }
      const problem = error ?? negotiationProblem(socket as Socket);
      if (problem === null) {
        this.#onDialed(socket as Socket);
        return;
      }
      socket?.destroy();
      this.#sharedLimit?.give();
      this.#observer?.onConnectError?.(problem);
      // A failed connect fails the oldest waiting request and lets the rest try again.
      this.#dequeue()?.fail(problem);
      if (this.#queue.size > 0) this.#grow();
      if (this.isClosed) this.settle();
    });
    if (!finished) attempt.cancel = cancel;
  }

  #onDialed(socket: Socket): void {
    const connection = new Http2Connection(socket, `${this.#scheme}://${this.#authority}`, this, this.#settings);
    this.#open.push(connection);
    this.#observer?.onConnect?.();
    this.onCapacity(connection);
  }

  /** Closing: once nothing is queued or running, close the connections and finish. */
  protected settle(): void {
    if (this.isDestroyed || this.#queue.size > 0 || this.#running() > 0) return;
    this.destroyAll(null);
  }

  protected destroyAll(error: Error | null): void {
    this.markDestroyed();
    const failure = error ?? new errors.ClientClosedError();
    this.#queue.clear((exchange) => exchange.fail(failure));
    for (const attempt of this.#dialing) {
      attempt.cancel();
      this.#sharedLimit?.give();
    }
    this.#dialing.clear();
    for (const connection of [...this.#open]) connection.destroy(error);
  }
}

/** A TLS connection that agreed on a protocol other than h2 cannot carry this pool's streams. */
function negotiationProblem(socket: Socket): Error | null {
  const alpn = (socket as Partial<TLSSocket>).alpnProtocol;
  if (typeof alpn !== 'string' || alpn === 'h2') return null;
  return new errors.SocketError(`the upstream negotiated ${alpn} by ALPN, not h2`);
}

function ignore(): void {}
