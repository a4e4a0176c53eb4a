import { Dispatcher, errors } from 'undici';
import type { buildConnector } from 'undici';
import type { DialOptions, DialTarget } from './dial.js';

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

/** What both pool kinds take. */
export interface OriginPoolOptions {
  /** Most connections open (or opening) at once; null/undefined is unlimited, as in undici's Pool. */
  readonly connections?: number | null | undefined;
  /** TLS settings and connect `timeout` (ms), or an undici-style connector function. */
  readonly connect?: DialOptions | buildConnector.connector | undefined;
  /** Idle time before a connection is closed (without a server hint, for HTTP/1.1). Default 4000 (undici's). */
  readonly keepAliveTimeout?: number | undefined;
  /** Close a connection after this many requests; 0/undefined is unlimited. */
  readonly maxRequestsPerConnection?: number | undefined;
  /** No byte of the response head for this long fails the request (UND_ERR_HEADERS_TIMEOUT). Default 300 000; 0 disables. */
  readonly headersTimeout?: number | undefined;
  /** No byte of the response body for this long fails the request (UND_ERR_BODY_TIMEOUT). Default 300 000; 0 disables. */
  readonly bodyTimeout?: number | undefined;
  readonly observer?: ConnectionObserver | undefined;
  /** Consulted before each connection; refused, requests wait for a connection of this pool. */
  readonly sharedLimit?: SharedConnectionLimit | undefined;
}

/** A snapshot of a pool, like undici's `PoolStats`. */
export interface PoolStats {
  /** Connections open. */
  readonly connected: number;
  /** Open connections that can take another request now. */
  readonly free: number;
  /** Connections being opened. */
  readonly connecting: number;
  /** Requests waiting for a connection (HTTP/2: for a stream). */
  readonly queued: number;
  /** Requests under way on a connection. */
  readonly running: number;
  readonly size: number;
}

/**
 * A pool of connections to one origin as an undici `Dispatcher`: the origin as a dial target, and
 * undici's `close()`/`destroy()` contract. A pool closes once `settle()` finds nothing left to do
 * and calls `destroyAll`; destroying fails what is queued and ends every connection.
 */
export abstract class OriginPool extends Dispatcher {
  protected readonly origin: URL;
  protected readonly target: DialTarget;
  /** Most connections open or opening at once (Infinity: no limit of its own). */
  protected readonly maxConnections: number;
  protected isClosed = false;
  protected isDestroyed = false;
  #closing: Promise<void> | null = null;
  #closeWaiters: (() => void)[] = [];

  constructor(origin: string | URL, options: OriginPoolOptions, http2: boolean) {
    super();
    const url = new URL(origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new errors.InvalidArgumentError('invalid protocol');
    this.origin = url;
    const https = url.protocol === 'https:';
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.target = { https, hostname, port: url.port === '' ? (https ? 443 : 80) : Number(url.port), http2 };
    this.maxConnections = options.connections == null || options.connections <= 0 ? Infinity : options.connections;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  get destroyed(): boolean {
    return this.isDestroyed;
  }

  /** Stops taking requests; resolves once the queued and running ones are done and every connection is closed. */
  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    if (this.#closing === null) {
      if (this.isDestroyed) {
        this.#closing = Promise.reject(new errors.ClientDestroyedError());
      } else {
        this.isClosed = true;
        this.#closing = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
        this.settle();
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
    this.destroyAll(error);
    const done = new Promise<void>((resolve) => setImmediate(resolve));
    if (callback === undefined) return done;
    void done.then(callback);
  }

  /** While closing: once nothing is queued or running, `destroyAll(null)`. */
  protected abstract settle(): void;

  /**
   * Fails every queued request and ends every connection: reset with `error`, or (null, the end
   * of a close) just closed. Implementations call `markDestroyed()` first.
   */
  protected abstract destroyAll(error: Error | null): void;

  protected markDestroyed(): void {
    this.isClosed = true;
    this.isDestroyed = true;
    const waiters = this.#closeWaiters;
    this.#closeWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
