import { connect as http2Connect } from 'node:http2';
import { errors } from 'undici';
import type { ClientHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { Http2Keepalive, Http2Windows } from '../cluster-options.js';
import type { Http2Exchange } from './http2-exchange.js';

/** The pool, told when a connection can take more streams and when it is gone. */
export interface Http2ConnectionOwner {
  onCapacity(connection: Http2Connection): void;
  onClosed(connection: Http2Connection): void;
}

export interface Http2ConnectionSettings {
  /** Streams at once, before the server's own SETTINGS_MAX_CONCURRENT_STREAMS lowers it. */
  readonly maxConcurrentStreams: number;
  /** Streams over the connection's life; 0 is unlimited. */
  readonly maxRequestsPerConnection: number;
  /** With no stream open for this long the connection is closed. */
  readonly idleTimeout: number;
  /** PINGs on a quiet connection (Envoy's `connection_keepalive`); none when undefined. */
  readonly keepalive: Http2Keepalive | undefined;
  readonly windows: Http2Windows;
}

/** How long a PING may go unanswered when no `connection_keepalive` timeout says otherwise. */
const DEFAULT_PING_TIMEOUT_MS = 10_000;

/**
 * One HTTP/2 connection of a pool: a node:http2 session on a socket the pool dialled, carrying
 * up to its stream limit at once (the smaller of ours and the server's). It stops taking streams
 * on GOAWAY, at `maxRequestsPerConnection`, or idle past `idleTimeout`, and closes once its open
 * streams are done.
 */
export class Http2Connection {
  readonly #session: ClientHttp2Session;
  readonly #owner: Http2ConnectionOwner;
  readonly #settings: Http2ConnectionSettings;
  #active = 0;
  #served = 0;
  /** No new streams: GOAWAY received, request limit reached, idle-closed or closing. */
  #draining = false;
  #closed = false;
  #idleTimer: NodeJS.Timeout | null = null;
  /**
   * The server's first SETTINGS have come. Until then no stream is opened: they say how many it
   * takes at once (streams sent beyond that would be refused) and whether it takes extended CONNECT.
   */
  #ready = false;
  /** A PING is out; its answer (or its absence) decides whether the connection is alive. */
  #pinging = false;
  /** For each stream this connection cancels: a PING that finds a dead session. */
  readonly #onCancel = (): void => this.#probe();

  constructor(socket: Socket, authority: string, owner: Http2ConnectionOwner, settings: Http2ConnectionSettings) {
    this.#owner = owner;
    this.#settings = settings;
    const { stream: streamWindow, connection: connectionWindow } = settings.windows;
    const initial = streamWindow === undefined ? {} : { settings: { initialWindowSize: streamWindow } };
    this.#session = http2Connect(authority, { createConnection: () => socket, ...initial });
    if (connectionWindow !== undefined) this.#session.once('connect', () => this.#session.setLocalWindowSize(connectionWindow));
    this.#session.on('error', () => {}); // its streams report it; 'close' follows
    this.#session.once('close', () => this.#onClose());
    this.#session.once('goaway', () => this.#drain());
    this.#session.on('remoteSettings', () => this.#onRemoteSettings());
    const keepalive = settings.keepalive;
    if (keepalive !== undefined) this.#session.setTimeout(keepalive.intervalMs, () => this.#probe());
    this.#armIdleTimer();
  }

  /** Streams it can open now. */
  get capacity(): number {
    if (this.#draining || !this.#ready) return 0;
    const limit = Math.min(this.#settings.maxConcurrentStreams, this.#session.remoteSettings.maxConcurrentStreams ?? Infinity);
    const perConnection = this.#settings.maxRequestsPerConnection;
    const left = perConnection > 0 ? perConnection - this.#served : Infinity;
    return Math.max(0, Math.min(limit - this.#active, left));
  }

  /** Streams open. */
  get active(): number {
    return this.#active;
  }

  /** Still waiting for the server's SETTINGS: a connection that will soon take streams. */
  get starting(): boolean {
    return !this.#ready && !this.#draining;
  }

  start(exchange: Http2Exchange): void {
    this.#active++;
    this.#served++;
    if (this.#idleTimer !== null) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
    const perConnection = this.#settings.maxRequestsPerConnection;
    if (perConnection > 0 && this.#served >= perConnection) this.#draining = true;
    if (exchange.parts.tunnel === 'extended-connect' && this.#session.remoteSettings.enableConnectProtocol !== true) {
      exchange.fail(new errors.SocketError('the HTTP/2 upstream does not accept extended CONNECT (SETTINGS_ENABLE_CONNECT_PROTOCOL)'));
      this.#onStreamDone();
      return;
    }
    exchange.onCancel = this.#onCancel;
    const stream = exchange.start(this.#session);
    if (stream === null) this.#onStreamDone();
    else stream.once('close', () => this.#onStreamDone());
  }

  /** Closes once the open streams are done; no new ones. */
  close(): void {
    this.#drain();
  }

  /** Resets every stream with `error` and closes the connection now. */
  destroy(error: Error | null): void {
    this.#draining = true;
    this.#session.destroy(error ?? undefined);
  }

  #onStreamDone(): void {
    this.#active--;
    if (this.#closed) return;
    if (this.#active === 0) {
      if (this.#draining) {
        this.#session.close();
        return;
      }
      this.#armIdleTimer();
    }
    this.#owner.onCapacity(this);
  }

  #armIdleTimer(): void {
    this.#idleTimer = setTimeout(() => this.#drain(), this.#settings.idleTimeout).unref();
  }

  /**
   * Sends a PING; no ACK in time destroys the session, failing its streams. It catches what node
   * does not report: when nghttp2 ends a session on a connection-level protocol error it stops
   * reading the socket, and the session's streams (even cancelled ones) would never close.
   */
  #probe(): void {
    if (this.#pinging || this.#closed) return;
    this.#pinging = true;
    const fail = (): void => this.destroy(new errors.SocketError('the HTTP/2 upstream did not answer a PING'));
    const deadline = setTimeout(fail, this.#settings.keepalive?.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS).unref();
    try {
      this.#session.ping((error) => {
        clearTimeout(deadline);
        this.#pinging = false;
        if (error !== null && !this.#closed) fail();
      });
    } catch {
      // A session that can no longer send a PING is over.
      clearTimeout(deadline);
      fail();
    }
  }

  #onRemoteSettings(): void {
    this.#ready = true;
    // The first SETTINGS let streams start; a later one may raise the limit.
    if (!this.#closed) this.#owner.onCapacity(this);
  }

  /** No new streams from now; closes at once if none is open. The pool hears of it, to dial another. */
  #drain(): void {
    if (this.#closed) return;
    this.#draining = true;
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    if (this.#active === 0) this.#session.close();
    else this.#owner.onCapacity(this);
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#draining = true;
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    this.#owner.onClosed(this);
  }
}
