import { maxHeaderSize } from 'node:http';
import { Dispatcher, errors } from 'undici';
import { dial } from './dial.js';
import { Http1Connection } from './http1-connection.js';
import { isControllerHandler, LegacyHandlerAdapter } from './legacy-handler.js';
import { createRequest } from './request-head.js';
import type { Socket } from 'node:net';
import type { buildConnector } from 'undici';
import type { DialOptions, DialTarget, SessionCache } from './dial.js';
import type { ConnectionSettings } from './connection-settings.js';
import type { ConnectionOwner } from './http1-connection.js';
import type { Http1Request, RequestSite } from './http1-request.js';

/** Connection lifecycle callbacks, for counters (called once per connection event). */
export interface ConnectionObserver {
  onConnect?(): void;
  onDisconnect?(): void;
  onConnectError?(error: Error): void;
}

/** A limit on connections shared with other pools (a cluster's `max_connections`). */
export interface SharedConnectionLimit {
  /** Takes one connection, or refuses; `first` (the pool has none) must always succeed. */
  take(first: boolean): boolean;
  /** Returns a connection that closed or never opened. */
  give(): void;
}

export interface Http1PoolOptions {
  /** Most connections open (or opening) at once; null/undefined is unlimited, as in undici's Pool. */
  readonly connections?: number | null | undefined;
  /** TLS settings and connect `timeout` (ms), or an undici-style connector function. */
  readonly connect?: DialOptions | buildConnector.connector | undefined;
  /** Idle time before a connection is closed, without a server hint. Default 4000 (undici's). */
  readonly keepAliveTimeout?: number | undefined;
  /** Cap on a server's `Keep-Alive: timeout` hint. Default 600 000. */
  readonly keepAliveMaxTimeout?: number | undefined;
  /** Taken off the server's hint. Default 2000. */
  readonly keepAliveTimeoutThreshold?: number | undefined;
  /** Close a connection after this many requests; 0/undefined is unlimited. */
  readonly maxRequestsPerConnection?: number | undefined;
  /** No byte of the response head for this long fails the request (UND_ERR_HEADERS_TIMEOUT). Default 300 000; 0 disables. */
  readonly headersTimeout?: number | undefined;
  /** No byte of the response body for this long fails the request (UND_ERR_BODY_TIMEOUT). Default 300 000; 0 disables. */
  readonly bodyTimeout?: number | undefined;
  /** Response head size limit in bytes. Default node:http's `maxHeaderSize` (16 KiB). */
  readonly maxHeaderSize?: number | undefined;
  /** Response header field count limit. Default 100 (Envoy's `max_headers_count`). */
  readonly maxHeaderFields?: number | undefined;
  readonly observer?: ConnectionObserver | undefined;
  /** Consulted before each connection beyond `connections`' own count; refused, requests wait for a connection of this pool. */
  readonly sharedLimit?: SharedConnectionLimit | undefined;
}

/** A snapshot of the pool, like undici's `PoolStats`. */
export interface Http1PoolStats {
  /** Connections open. */
  readonly connected: number;
  /** Open connections with no request on them. */
  readonly free: number;
  /** Connections being opened. */
  readonly connecting: number;
  /** Requests waiting for a connection. */
  readonly queued: number;
  /** Requests on a connection. */
  readonly running: number;
  readonly size: number;
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
export class Http1Pool extends Dispatcher implements ConnectionOwner, RequestSite {
  readonly #origin: URL;
  readonly #target: DialTarget;
  readonly #hostHeader: string;
  readonly #connect: DialOptions | buildConnector.connector | undefined;
  readonly #settings: ConnectionSettings;
  readonly #maxConnections: number;
  readonly #observer: ConnectionObserver | undefined;
  readonly #sharedLimit: SharedConnectionLimit | undefined;
  readonly #session: SessionCache = { session: undefined };
  /** Free connections; the last one freed is reused first (its server is least likely to have timed it out). */
  readonly #idle: Http1Connection[] = [];
  readonly #open = new Set<Http1Connection>();
  readonly #dialing = new Set<Dialing>();
  #reservedDials = 0;
  #head: Http1Request | null = null;
  #tail: Http1Request | null = null;
  /** Live requests in the queue (aborted ones stay linked until passed over). */
  #queued = 0;
  #needDrain = false;
  #closed = false;
  #destroyed = false;
  #closing: Promise<void> | null = null;
  #closeWaiters: (() => void)[] = [];

  constructor(origin: string | URL, options: Http1PoolOptions = {}) {
    super();
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new errors.InvalidArgumentError('invalid protocol');
    this.#origin = url;
    const https = url.protocol === 'https:';
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.#target = { https, hostname, port: url.port === '' ? (https ? 443 : 80) : Number(url.port) };
    this.#hostHeader = url.host;
    this.#connect = options.connect;
    this.#maxConnections = options.connections == null || options.connections <= 0 ? Infinity : options.connections;
    this.#observer = options.observer;
    this.#sharedLimit = options.sharedLimit;
    const headersTimeout = options.headersTimeout ?? 300_000;
    const bodyTimeout = options.bodyTimeout ?? 300_000;
    const shortest = Math.min(headersTimeout || Infinity, bodyTimeout || Infinity);
    this.#settings = {
      limits: { maxHeadBytes: options.maxHeaderSize ?? maxHeaderSize, maxHeaderFields: options.maxHeaderFields ?? 100 },
      keepAliveTimeout: options.keepAliveTimeout ?? 4000,
      keepAliveMaxTimeout: options.keepAliveMaxTimeout ?? 600_000,
      keepAliveTimeoutThreshold: options.keepAliveTimeoutThreshold ?? 2000,
      maxRequestsPerConnection: options.maxRequestsPerConnection ?? 0,
      headersTimeout,
      bodyTimeout,
      watchdogPeriod: shortest === Infinity ? 0 : Math.max(MIN_WATCHDOG_PERIOD_MS, Math.floor(shortest / 4)),
    };
  }

  get closed(): boolean {
    return this.#closed;
  }

  get destroyed(): boolean {
    return this.#destroyed;
  }

  get stats(): Http1PoolStats {
    const running = this.#open.size - this.#idle.length;
    return { connected: this.#open.size, free: this.#idle.length, connecting: this.#dialing.size, queued: this.#queued, running, size: this.#queued + running };
  }

  /**
   * Sends a request; the handler may use undici's controller API or its legacy callbacks.
   * Returns false when the request had to wait for a connection ('drain' follows once the queue empties).
   */
  // HOT PATH: one request object and its head; an idle connection takes it at once.
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (handler === null || typeof handler !== 'object') throw new errors.InvalidArgumentError('handler must be an object');
    const target = isControllerHandler(handler) ? handler : new LegacyHandlerAdapter(handler);
    if (this.#closed) return reject(target, this.#destroyed ? new errors.ClientDestroyedError() : new errors.ClientClosedError());
    const request = createRequest(options, target, this.#hostHeader);
    if (request instanceof Error) return reject(target, request);
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

  /** Stops taking requests; resolves once the queued and running ones are done and every connection is closed. */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    if (this.#closing === null) {
      if (this.#destroyed) {
        this.#closing = Promise.reject(new errors.ClientDestroyedError());
      } else {
        this.#closed = true;
        this.#closing = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
        this.#settle();
      }
    }
    if (callback === undefined) return this.#closing;
    this.#closing.then(callback, callback);
  }

  /** Fails every queued and running request with `error` (default ClientDestroyedError) and closes every connection. */
  override destroy(): Promise<void>;
  override destroy(error: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(error: Error | null, callback: () => void): void;
  override destroy(first?: Error | null | (() => void), second?: () => void): Promise<void> | void {
    const callback = typeof first === 'function' ? first : second;
    const error = (typeof first === 'function' ? null : first) ?? new errors.ClientDestroyedError();
    this.#destroyAll(error);
    const done = new Promise<void>((resolve) => setImmediate(resolve));
    if (callback === undefined) return done;
    void done.then(callback);
  }

  onReusable(connection: Http1Connection): void {
    const next = this.#dequeue();
    if (next !== null) {
      connection.start(next);
      return;
    }
    if (this.#destroyed) {
      connection.destroy(null);
      return;
    }
    this.#idle.push(connection);
    if (this.#needDrain) {
      this.#needDrain = false;
      this.emit('drain', this.#origin);
    }
    if (this.#closed) this.#settle();
  }

  onClosed(connection: Http1Connection): void {
    if (!this.#open.delete(connection)) return;
    this.#sharedLimit?.give();
    const at = this.#idle.lastIndexOf(connection);
    if (at !== -1) this.#idle.splice(at, 1);
    this.#observer?.onDisconnect?.();
    if (this.#queued > 0) this.#grow();
    if (this.#closed) this.#settle();
  }

  retry(request: Http1Request): void {
    if (this.#destroyed) {
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
    if (!this.#isReserved(request)) this.#queued--;
    request.fail(reason);
    if (this.#closed) this.#settle();
  }

  pauseRequest(): void {}

  resumeRequest(): void {}

  #enqueue(request: Http1Request, front = false): void {
    request.site = this;
    this.#queued++;
    if (this.#tail === null) {
      this.#head = this.#tail = request;
    } else if (front) {
      request.next = this.#head;
      this.#head = request;
    } else {
      this.#tail.next = request;
      this.#tail = request;
    }
  }

  #dequeue(): Http1Request | null {
    let request = this.#head;
    while (request !== null && request.done) request = request.next;
    if (request === null) {
      this.#head = this.#tail = null;
      return null;
    }
    this.#head = request.next;
    if (this.#head === null) this.#tail = null;
    request.next = null;
    request.site = null;
    this.#queued--;
    return request;
  }

  /** Opens connections for queued requests no connect in progress will serve, up to the limit. */
  #grow(): void {
    // Connects opened for a retried request serve that request only.
    while (this.#dialing.size - this.#reservedDials < this.#queued && this.#mayOpen()) this.#dial(null);
  }

  /** Whether one more connection may open; a yes has taken it from the shared limit. */
  #mayOpen(): boolean {
    const count = this.#open.size + this.#dialing.size;
    if (count >= this.#maxConnections) return false;
    return this.#sharedLimit?.take(count === 0) ?? true;
  }

  #dial(reserved: Http1Request | null): void {
    const attempt: Dialing = { cancel: ignore, reserved };
    this.#dialing.add(attempt);
    if (reserved !== null) this.#reservedDials++;
    let finished = false;
    const cancel = dial(this.#target, this.#connect, this.#session, (error, socket) => {
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
    if (this.#queued > 0) this.#grow();
    if (this.#closed) this.#settle();
  }

  #isReserved(request: Http1Request): boolean {
    for (const attempt of this.#dialing) if (attempt.reserved === request) return true;
    return false;
  }

  /** Closing: once nothing is queued, running or reserved, close the idle connections and finish. */
  #settle(): void {
    if (this.#destroyed) return;
    if (this.#queued > 0 || this.#open.size > this.#idle.length) return;
    for (const attempt of this.#dialing) if (attempt.reserved !== null && !attempt.reserved.done) return;
    this.#destroyAll(new errors.ClientClosedError());
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const resolve of waiters) resolve();
  }

  #destroyAll(error: Error): void {
    this.#closed = true;
    this.#destroyed = true;
    for (let request = this.#head; request !== null; request = request.next) request.fail(error);
    this.#head = this.#tail = null;
    this.#queued = 0;
    for (const attempt of this.#dialing) {
      attempt.cancel();
      this.#sharedLimit?.give();
      attempt.reserved?.fail(error);
    }
    this.#dialing.clear();
    this.#reservedDials = 0;
    this.#idle.length = 0;
    for (const connection of [...this.#open]) connection.destroy(error);
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Fails a request before it reaches the pool, the way undici does for either handler shape. */
function reject(handler: Dispatcher.DispatchHandler, error: Error): false {
  handler.onResponseError?.(new FailedController(error), error);
  return false;
}

class FailedController implements Dispatcher.DispatchController {
  constructor(readonly reason: Error) {}
  get aborted(): boolean {
    return true;
  }
  get paused(): boolean {
    return false;
  }
  abort(): void {}
  pause(): void {}
  resume(): void {}
}

function ignore(): void {}
