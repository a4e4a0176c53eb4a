import { maxHeaderSize } from 'node:http';
import { errors } from 'undici';
import { dial } from '../dial.js';
import { rejectDispatch } from '../failed-dispatch.js';
import { OriginPool } from '../origin-pool.js';
import { RequestQueue } from '../request-queue.js';
import { Http1Connection } from './http1-connection.js';
import { isControllerHandler, LegacyHandlerAdapter } from './legacy-handler.js';
import { createRequest } from './request-head.js';
import type { Socket } from 'node:net';
import type { Dispatcher, buildConnector } from 'undici';
import type { DialOptions, SessionCache } from '../dial.js';
import type { ConnectionObserver, OriginPoolOptions, PoolStats, SharedConnectionLimit } from '../origin-pool.js';
import type { ConnectionSettings } from './connection-settings.js';
import type { ConnectionOwner } from './http1-connection.js';
import type { Http1Request, RequestSite } from './http1-request.js';

export interface Http1PoolOptions extends OriginPoolOptions {
  /** Cap on a server's `Keep-Alive: timeout` hint. Default 600 000. */
  readonly keepAliveMaxTimeout?: number | undefined;
  /** Taken off the server's hint. Default 2000. */
  readonly keepAliveTimeoutThreshold?: number | undefined;
  /** Response head size limit in bytes. Default node:http's `maxHeaderSize` (16 KiB). */
  readonly maxHeaderSize?: number | undefined;
  /** Response header field count limit. Default 100 (Envoy's `max_headers_count`). */
  readonly maxHeaderFields?: number | undefined;
  /** Request field names in proper case (`Content-Type`), Envoy's `header_key_format.proper_case_words`. Default false. */
  readonly properCaseHeaderNames?: boolean | undefined;
  /** Read a response with both `Transfer-Encoding: chunked` and Content-Length as chunked, Envoy's `allow_chunked_length`. Default false: refused. */
  readonly allowChunkedLength?: boolean | undefined;
}

/** A connect in progress: how to abandon it, and the request it was opened for (a retry), if any. */
interface Dialing {
  cancel: () => void;
  readonly reserved: Http1Request | null;
}

const MIN_WATCHDOG_PERIOD_MS = 100;

/**
 * A keep-alive pool of hand-framed HTTP/1.1 connections to one origin, as an undici `Dispatcher`
 * (so `request()`, `stream()`, `pipeline()` and `fetch()` work on it). One request per connection
 * at a time, never pipelined; idle connections are reused most-recent-first and closed after
 * `keepAliveTimeout`; requests wait FIFO when every connection is busy and `connections` are open.
 * A request that meets a server's idle close on a reused connection (reset before any response
 * byte) is sent once more on a fresh connection if it is idempotent and has no streamed body.
 */
export class Http1Pool extends OriginPool implements ConnectionOwner, RequestSite {
  readonly #hostHeader: string;
  readonly #connect: DialOptions | buildConnector.connector | undefined;
  readonly #settings: ConnectionSettings;
  readonly #observer: ConnectionObserver | undefined;
  readonly #sharedLimit: SharedConnectionLimit | undefined;
  readonly #session: SessionCache = { session: undefined };
  /** Free connections; the last one freed is reused first (its server is least likely to have timed it out). */
  readonly #idle: Http1Connection[] = [];
  readonly #open = new Set<Http1Connection>();
  readonly #dialing = new Set<Dialing>();
  #reservedDials = 0;
  readonly #queue = new RequestQueue<Http1Request>();
  #needDrain = false;

  constructor(origin: string | URL, options: Http1PoolOptions = {}) {
    super(origin, options, false);
    this.#hostHeader = this.origin.host;
    this.#connect = options.connect;
    this.#observer = options.observer;
    this.#sharedLimit = options.sharedLimit;
    const headersTimeout = options.headersTimeout ?? 300_000;
    const bodyTimeout = options.bodyTimeout ?? 300_000;
    const shortest = Math.min(headersTimeout || Infinity, bodyTimeout || Infinity);
    this.#settings = {
      parser: {
        maxHeadBytes: options.maxHeaderSize ?? maxHeaderSize,
        maxHeaderFields: options.maxHeaderFields ?? 100,
        allowChunkedLength: options.allowChunkedLength ?? false,
      },
      keepAliveTimeout: options.keepAliveTimeout ?? 4000,
      keepAliveMaxTimeout: options.keepAliveMaxTimeout ?? 600_000,
      keepAliveTimeoutThreshold: options.keepAliveTimeoutThreshold ?? 2000,
      maxRequestsPerConnection: options.maxRequestsPerConnection ?? 0,
      properCaseHeaderNames: options.properCaseHeaderNames ?? false,
      headersTimeout,
      bodyTimeout,
      watchdogPeriod: shortest === Infinity ? 0 : Math.max(MIN_WATCHDOG_PERIOD_MS, Math.floor(shortest / 4)),
    };
  }

  get stats(): PoolStats {
    const running = this.#open.size - this.#idle.length;
    return { connected: this.#open.size, free: this.#idle.length, connecting: this.#dialing.size, queued: this.#queue.size, running, size: this.#queue.size + running };
  }

  /**
   * Sends a request; the handler may use undici's controller API or its legacy callbacks.
   * Returns false when the request had to wait for a connection ('drain' follows once the queue empties).
   */
  // HOT PATH: one request object and its head; an idle connection takes it at once.
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (handler === null || typeof handler !== 'object') throw new errors.InvalidArgumentError('handler must be an object');
    const target = isControllerHandler(handler) ? handler : new LegacyHandlerAdapter(handler);
    if (this.isClosed) return rejectDispatch(target, this.isDestroyed ? new errors.ClientDestroyedError() : new errors.ClientClosedError());
    const request = createRequest(options, target, this.#hostHeader);
    if (request instanceof Error) return rejectDispatch(target, request);
    const connection = this.#idle.pop();
    if (connection !== undefined) {
      connection.start(request);
      return true;
    }
    this.#enqueue(request);
    this.#grow();
    this.#needDrain = true;
    return false;
  }

  onReusable(connection: Http1Connection): void {
    const next = this.#dequeue();
    if (next !== null) {
      connection.start(next);
      return;
    }
    if (this.isDestroyed) {
      connection.destroy(null);
      return;
    }
    this.#idle.push(connection);
    if (this.#needDrain) {
      this.#needDrain = false;
      this.emit('drain', this.origin);
    }
    if (this.isClosed) this.settle();
  }

  onClosed(connection: Http1Connection): void {
    if (!this.#open.delete(connection)) return;
    this.#sharedLimit?.give();
    const at = this.#idle.lastIndexOf(connection);
    if (at !== -1) this.#idle.splice(at, 1);
    this.#observer?.onDisconnect?.();
    if (this.#queue.size > 0) this.#grow();
    if (this.isClosed) this.settle();
  }

  retry(request: Http1Request): void {
    if (this.isDestroyed) {
      request.fail(new errors.ClientDestroyedError());
      return;
    }
    // A fresh connection of its own: an idle one could have been closed by the server as well.
    if (this.#mayOpen()) {
      request.site = this;
      this.#dial(request);
      return;
    }
    this.#enqueue(request, true);
  }

  abortRequest(request: Http1Request, reason: Error): void {
    if (request.site !== this) return;
    // Queued (it stays linked and is passed over) or waiting for its own connection.
    if (!this.#isReserved(request)) this.#queue.forget();
    request.fail(reason);
    if (this.isClosed) this.settle();
  }

  pauseRequest(): void {}

  resumeRequest(): void {}

  #enqueue(request: Http1Request, front = false): void {
    request.site = this;
    this.#queue.push(request, front);
  }

  #dequeue(): Http1Request | null {
    const request = this.#queue.shift();
    if (request !== null) request.site = null;
    return request;
  }

  /** Opens connections for queued requests no connect in progress will serve, up to the limit. */
  #grow(): void {
    // Connects opened for a retried request serve that request only.
    while (this.#dialing.size - this.#reservedDials < this.#queue.size && this.#mayOpen()) this.#dial(null);
  }

  /** Whether one more connection may open; a yes has taken it from the shared limit. */
  #mayOpen(): boolean {
    const count = this.#open.size + this.#dialing.size;
    if (count >= this.maxConnections) return false;
    return this.#sharedLimit?.take(count === 0) ?? true;
  }

  #dial(reserved: Http1Request | null): void {
    const attempt: Dialing = { cancel: ignore, reserved };
    this.#dialing.add(attempt);
    if (reserved !== null) this.#reservedDials++;
    let finished = false;
    const cancel = dial(this.target, this.#connect, this.#session, (error, socket) => {
      finished = true;
      if (!this.#dialing.delete(attempt)) {
        socket?.destroy(); // abandoned by destroy()
        return;
      }
      if (reserved !== null) this.#reservedDials--;
      if (error === null) {
        this.#onDialed(socket as Socket, reserved);
        return;
      }
      this.#sharedLimit?.give();
      this.#onDialFailed(error, reserved);
    });
    if (!finished) attempt.cancel = cancel;
  }

  #onDialed(socket: Socket, reserved: Http1Request | null): void {
    const connection = new Http1Connection(socket, this, this.#settings);
    this.#open.add(connection);
    this.#observer?.onConnect?.();
    if (reserved !== null && !reserved.done) {
      reserved.site = null;
      connection.start(reserved);
      return;
    }
    this.onReusable(connection);
  }

  /** A failed connect fails one waiting request (its own, or the oldest) and lets the rest try again. */
  #onDialFailed(error: Error, reserved: Http1Request | null): void {
    this.#observer?.onConnectError?.(error);
    const victim = reserved !== null && !reserved.done ? reserved : this.#dequeue();
    victim?.fail(error);
    if (this.#queue.size > 0) this.#grow();
    if (this.isClosed) this.settle();
  }

  #isReserved(request: Http1Request): boolean {
    for (const attempt of this.#dialing) if (attempt.reserved === request) return true;
    return false;
  }

  /** Closing: once nothing is queued, running or reserved, close the idle connections and finish. */
  protected settle(): void {
    if (this.isDestroyed) return;
    if (this.#queue.size > 0 || this.#open.size > this.#idle.length) return;
    for (const attempt of this.#dialing) if (attempt.reserved !== null && !attempt.reserved.done) return;
    this.destroyAll(null);
  }

  protected destroyAll(error: Error | null): void {
    this.markDestroyed();
    const failure = error ?? new errors.ClientClosedError();
    this.#queue.clear((request) => request.fail(failure));
    for (const attempt of this.#dialing) {
      attempt.cancel();
      this.#sharedLimit?.give();
      attempt.reserved?.fail(failure);
    }
    this.#dialing.clear();
    this.#reservedDials = 0;
    this.#idle.length = 0;
    for (const connection of [...this.#open]) connection.destroy(failure);
  }
}

function ignore(): void {}
