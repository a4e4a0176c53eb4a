import { Buffer } from 'node:buffer';
import { flushAfterReads } from '@meshkit/core';
import { Http1ResponseParser, properCaseFieldNames } from '@meshkit/core/http1';
import { errors } from 'undici';
import { BodyWriter } from './body-writer.js';
import { idleTimeoutAfter } from './connection-settings.js';
import type { Socket } from 'node:net';
import type { HeaderFields, ResponseHead } from '@meshkit/core/http1';
import type { BodyWriterOwner } from './body-writer.js';
import type { ConnectionSettings } from './connection-settings.js';
import type { Http1Request, RequestSite } from './http1-request.js';

/** What a connection tells its pool. */
export interface ConnectionOwner {
  /** The exchange is over and the connection may carry another. */
  onReusable(connection: Http1Connection): void;
  /** The connection is gone (closed, failed, or handed over after an upgrade); called once. */
  onClosed(connection: Http1Connection): void;
  /** A reused connection failed before any response byte: send the request again elsewhere. */
  retry(request: Http1Request): void;
}

/**
 * One HTTP/1.1 keep-alive connection carrying one request at a time (no pipelining): writes the
 * head as one string, streams the body, parses the response with a parser kept for the
 * connection's life, and delivers it to the request's handler with pause/resume applied to the
 * socket. After an exchange it tells its pool it is reusable, or closes.
 */
export class Http1Connection implements RequestSite, BodyWriterOwner {
  readonly socket: Socket;
  readonly #owner: ConnectionOwner;
  readonly #settings: ConnectionSettings;
  readonly #parser: Http1ResponseParser;
  readonly #writer: BodyWriter;
  #request: Http1Request | null = null;
  /** Requests started on this connection. */
  #count = 0;
  /** The current request is not the connection's first (it may meet a server's idle close). */
  #reused = false;
  /** Some response byte arrived for the current request. */
  #received = false;
  /** The head is on the wire. */
  #sent = false;
  #bodyDone = true;
  /** Close after the current exchange (`reset`, the request limit, or the response said so). */
  #last = false;
  #keepAlive = false;
  /** The parser finished the response; it is delivered once nothing is held. */
  #ended = false;
  #trailers: HeaderFields | null = null;
  /** Bytes followed the response in the same read: a server we cannot trust to frame. */
  #extra = false;
  #upgradeHead: ResponseHead | null = null;
  /** Body chunks the parser delivered after the handler paused (it can, within one chunked read). */
  #held: Buffer[] | null = null;
  #executing = false;
  #socketPaused = false;
  #error: Error | null = null;
  #closed = false;
  #idleMs: number;
  #idleTimer: NodeJS.Timeout | null = null;
  #idleTimerMs = 0;
  #watchdog: NodeJS.Timeout | null = null;
  #quietPeriods = 0;
  #progress = false;

  constructor(socket: Socket, owner: ConnectionOwner, settings: ConnectionSettings) {
    this.socket = socket;
    this.#owner = owner;
    this.#settings = settings;
    this.#idleMs = settings.keepAliveTimeout;
    // The callbacks are private methods, so the parser gets three closures, made once per connection.
    this.#parser = new Http1ResponseParser(
      {
        onHead: (head) => this.#onHead(head),
        onBody: (chunk) => this.#onBody(chunk),
        onMessageEnd: (trailers) => this.#onMessageEnd(trailers),
      },
      settings.parser,
    );
    this.#writer = new BodyWriter(socket, this);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    socket.on('drain', this.#onDrain);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Puts a request on this idle connection and writes it. */
  // HOT PATH: no allocation; the head is a ready string.
  start(request: Http1Request): void {
    this.#request = request;
    request.site = this;
    this.#count++;
    this.#reused = this.#count > 1;
    this.#received = false;
    this.#sent = false;
    this.#keepAlive = false;
    this.#extra = false;
    this.#parser.expectResponseTo(request.method);
    if (!request.started) {
      request.started = true;
      try {
        request.handler.onRequestStart?.(request, null);
      } catch (error) {
        this.#request = null;
        request.fail(toError(error));
      }
      // Aborted (or failed) before a byte was written: the connection is as good as before.
      if (this.#request !== request) {
        this.#count--;
        request.fail(request.reason ?? new errors.RequestAbortedError());
        this.#owner.onReusable(this);
        return;
      }
    }
    const max = this.#settings.maxRequestsPerConnection;
    this.#last = request.reset || (max > 0 && this.#count >= max);
    const lowerCase = this.#last && !request.reset && !request.upgrade ? `${request.head.slice(0, -2)}connection: close\r\n\r\n` : request.head;
    const head = this.#settings.properCaseHeaderNames ? properCaseFieldNames(lowerCase) : lowerCase;
    this.#armWatchdog();
    this.#resumeSocket();
    const socket = this.socket;
    const body = request.body;
    this.#sent = true;
    if (body === null || typeof body === 'string' || Buffer.isBuffer(body)) {
      this.#bodyDone = true;
      // Leaves with the other requests this poll phase produced: one wakeup of the upstream for all.
      socket.cork();
      socket.write(head, 'latin1');
      if (body !== null) socket.write(body);
      flushAfterReads(this.#uncork);
    } else {
      this.#bodyDone = false;
      socket.write(head, 'latin1');
      this.#writer.start(body, request.bodyLength);
    }
  }

  /** Closes the connection now; a request on it fails with `error`. */
  destroy(error: Error | null): void {
    if (error !== null && this.#request !== null) this.#fail(error, false);
    else this.#close();
  }

  abortRequest(request: Http1Request, reason: Error): void {
    if (this.#request !== request) return;
    if (!this.#sent) {
      // Inside onRequestStart: start() sees the request gone and keeps the connection.
      this.#request = null;
      return;
    }
    this.#fail(reason, false);
  }

  pauseRequest(request: Http1Request): void {
    if (this.#request !== request) return;
    this.#parser.pause();
    this.#pauseSocket();
  }

  resumeRequest(request: Http1Request): void {
    if (this.#request !== request) return;
    this.#parser.resume();
    // Inside a parser callback: the parse loop goes on by itself.
    if (this.#executing) return;
    if (!this.#deliverHeld(request)) return;
    if (this.#ended) this.#complete();
    else this.#resumeSocket();
  }

  onBodyDone(): void {
    this.#bodyDone = true;
  }

  onBodyError(error: Error): void {
    this.#fail(error, false);
  }

  onBodyProgress(): void {
    this.#progress = true;
  }

  readonly #uncork = (): void => {
    this.socket.uncork();
  };

  // HOT PATH: every read from the socket.
  readonly #onData = (chunk: Buffer): void => {
    const request = this.#request;
    if (request === null) {
      // Nothing was asked: a server talking out of turn cannot be trusted with the next request.
      this.destroy(new errors.SocketError('unexpected data on an idle connection'));
      return;
    }
    this.#received = true;
    this.#progress = true;
    let used: number;
    this.#executing = true;
    try {
      used = this.#parser.execute(chunk);
    } catch (error) {
      this.#executing = false;
      this.#fail(toError(error), false);
      return;
    }
    this.#executing = false;
    if (this.#request !== request) return;
    if (this.#upgradeHead !== null) {
      this.#upgrade(request, this.#upgradeHead, chunk.subarray(used));
      return;
    }
    if (this.#ended) {
      if (used < chunk.length) this.#extra = true;
      if (this.#held === null) this.#complete();
      else this.#pauseSocket();
      return;
    }
    if (used < chunk.length) {
      // Paused mid-read: the rest goes back into the socket and is read again on resume.
      this.#pauseSocket();
      this.socket.unshift(chunk.subarray(used));
    } else if (request.paused) {
      this.#pauseSocket();
    }
  };

  #onHead(head: ResponseHead): void {
    const request = this.#request;
    if (request === null) return;
    const status = head.status;
    if (status < 200) {
      if (status !== 101) return; // 1xx informational: the final response follows
      if (!request.upgrade) throw new errors.SocketError('bad upgrade: a 101 answer to a request that asked for none');
      this.#upgradeHead = head;
      return;
    }
    if (status < 300 && request.method === 'CONNECT') {
      this.#upgradeHead = head; // the parser has switched: a tunnel follows
      return;
    }
    request.responseStarted = true;
    if (head.keepAlive && !this.#last) {
      this.#idleMs = idleTimeoutAfter(head.headers['keep-alive'], this.#settings);
      this.#keepAlive = this.#idleMs > 0;
    }
    request.handler.onResponseStart?.(request, status, head.headers, head.reason);
  }

  #onBody(chunk: Buffer): void {
    const request = this.#request;
    if (request === null) return;
    if (request.paused) {
      (this.#held ??= []).push(chunk);
      return;
    }
    request.handler.onResponseData?.(request, chunk);
  }

  #onMessageEnd(trailers: HeaderFields | null): void {
    if (this.#request === null) return;
    this.#ended = true;
    this.#trailers = trailers;
    // Stop here: whatever follows in this read answers nothing we asked.
    this.#parser.pause();
  }

  /** Delivers chunks held while paused; false when the handler paused again (or went away). */
  #deliverHeld(request: Http1Request): boolean {
    const held = this.#held;
    if (held === null) return true;
    let next = 0;
    this.#executing = true;
    while (next < held.length && !request.paused && this.#request === request) {
      request.handler.onResponseData?.(request, held[next++] as Buffer);
    }
    this.#executing = false;
    if (this.#request !== request) return false;
    if (next < held.length) {
      this.#held = held.slice(next);
      return false;
    }
    this.#held = null;
    return !request.paused || this.#ended;
  }

  /** The response is complete: hand the connection back (or close it), then tell the handler. */
  #complete(): void {
    const request = this.#request as Http1Request;
    const trailers = this.#trailers;
    this.#request = null;
    this.#ended = false;
    this.#trailers = null;
    request.site = null;
    request.done = true;
    this.#parser.resume();
    if (!this.#bodyDone) {
      // The server answered before the body was sent; the connection is mid-request and must go.
      this.#writer.detach(true);
      this.#bodyDone = true;
      this.#keepAlive = false;
    }
    if (this.#keepAlive && !this.#extra && !this.#closed) {
      this.#resumeSocket();
      this.#armIdle();
      this.#owner.onReusable(this);
    } else {
      this.#close();
    }
    request.handler.onResponseEnd?.(request, trailers ?? {});
  }

  /** A 101: the socket leaves the pool with the handler, any bytes past the head put back first. */
  #upgrade(request: Http1Request, head: ResponseHead, rest: Buffer): void {
    this.#request = null;
    this.#upgradeHead = null;
    request.site = null;
    request.done = true;
    const socket = this.socket;
    this.#closed = true;
    this.#clearTimers();
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('error', this.#onError);
    socket.off('close', this.#onClose);
    socket.off('drain', this.#onDrain);
    socket.pause();
    if (rest.length > 0) socket.unshift(rest);
    // As node:http does for its 'upgrade' event: the next 'data' listener starts the flow again.
    (socket as unknown as { readableFlowing: boolean | null }).readableFlowing = null;
    this.#owner.onClosed(this);
    const handler = request.handler;
    if (handler.onRequestUpgrade === undefined) {
      socket.destroy();
      return;
    }
    handler.onRequestUpgrade(request, head.status, head.headers, socket);
  }

  readonly #onEnd = (): void => {
    const request = this.#request;
    if (request === null) {
      this.#close(); // the server closed an idle connection
      return;
    }
    try {
      this.#parser.finish(); // a body delimited by the close ends here
    } catch {
      // Cut short mid-message: the server went away (reported as undici does), not a framing fault.
      this.#fail(new errors.SocketError('other side closed'), true);
      return;
    }
    if (this.#ended) {
      this.#extra = true; // no reuse after the server's FIN
      if (this.#held === null) this.#complete();
      return;
    }
    this.#fail(new errors.SocketError('other side closed'), true);
  };

  readonly #onError = (error: Error): void => {
    this.#error ??= error;
  };

  readonly #onClose = (): void => {
    if (this.#request !== null && !this.#ended) this.#fail(this.#error ?? new errors.SocketError('closed'), true);
    else this.#close();
  };

  readonly #onDrain = (): void => {
    this.#writer.onDrain();
  };

  /**
   * Ends the current exchange with an error and closes the connection. `socketLevel`: the
   * connection failed under the request (reset, FIN), which on a reused connection before any
   * response byte is the keep-alive race, retried once.
   */
  #fail(error: Error, socketLevel: boolean): void {
    const request = this.#request;
    this.#request = null;
    this.#ended = false;
    this.#held = null;
    this.#parser.pause();
    if (!this.#bodyDone) {
      this.#writer.detach(true); // a streamed body is never retried
      this.#bodyDone = true;
    }
    this.#error ??= error;
    this.#close();
    if (request === null) return;
    request.site = null;
    if (socketLevel && this.#canRetry(request)) {
      request.retried = true;
      this.#owner.retry(request);
    } else {
      request.fail(error);
    }
  }

  #canRetry(request: Http1Request | null): boolean {
    return request !== null && this.#reused && !this.#received && request.retryable && !request.retried && !request.aborted;
  }

  /** Destroys the socket and leaves the pool now (the 'close' event comes later). */
  #close(): void {
    const wasOpen = !this.#closed;
    this.#closed = true;
    this.#clearTimers();
    if (!this.socket.destroyed) this.socket.destroy();
    if (wasOpen) this.#owner.onClosed(this);
  }

  #pauseSocket(): void {
    if (this.#socketPaused) return;
    this.#socketPaused = true;
    this.socket.pause();
  }

  #resumeSocket(): void {
    if (!this.#socketPaused) return;
    this.#socketPaused = false;
    this.socket.resume();
  }

  /** Starts (or restarts) the idle countdown; one timer per connection, refreshed rather than remade. */
  #armIdle(): void {
    const ms = this.#idleMs;
    const timer = this.#idleTimer;
    if (timer !== null && this.#idleTimerMs === ms) {
      timer.refresh();
      return;
    }
    if (timer !== null) clearTimeout(timer);
    this.#idleTimer = setTimeout(this.#onIdleTimeout, ms).unref();
    this.#idleTimerMs = ms;
  }

  readonly #onIdleTimeout = (): void => {
    // It may fire during a later exchange; only an idle connection is closed.
    if (this.#request === null) this.#close();
  };

  /** Headers and body timeouts: a per-connection timer that fails the request after enough quiet periods. */
  #armWatchdog(): void {
    const period = this.#settings.watchdogPeriod;
    if (period === 0) return;
    this.#quietPeriods = 0;
    this.#progress = false;
    if (this.#watchdog === null) this.#watchdog = setTimeout(this.#onWatchdog, period).unref();
    else this.#watchdog.refresh();
  }

  readonly #onWatchdog = (): void => {
    const request = this.#request;
    if (request === null || this.#closed) return;
    if (this.#progress || request.paused) {
      this.#progress = false;
      this.#quietPeriods = 0;
    } else {
      this.#quietPeriods++;
      const settings = this.#settings;
      const limit = request.responseStarted ? settings.bodyTimeout : settings.headersTimeout;
      if (limit > 0 && this.#quietPeriods * settings.watchdogPeriod >= limit) {
        this.#fail(request.responseStarted ? new errors.BodyTimeoutError() : new errors.HeadersTimeoutError(), false);
        return;
      }
    }
    this.#watchdog?.refresh();
  };

  #clearTimers(): void {
    if (this.#idleTimer !== null) clearTimeout(this.#idleTimer);
    if (this.#watchdog !== null) clearTimeout(this.#watchdog);
    this.#idleTimer = null;
    this.#watchdog = null;
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
