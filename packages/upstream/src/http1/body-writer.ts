import { Buffer } from 'node:buffer';
import { appendHeaderLines } from '@meshkit/core/http1';
import { errors } from 'undici';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { HeaderFields } from '@meshkit/core/http1';

/** What the writer reports to its connection. */
export interface BodyWriterOwner {
  onBodyDone(): void;
  onBodyError(error: Error): void;
  /** Bytes went out: the request is making progress. */
  onBodyProgress(): void;
}

/** A stream body that carries request trailers, read when it ends. */
export interface BodyWithTrailers {
  trailers?: HeaderFields | null;
}

/**
 * Streams one request body at a time onto a connection's socket: chunked coding (with request
 * trailers) or a declared Content-Length checked byte for byte, pausing the body while the socket
 * is over its high-water mark. One writer per connection; its listeners are made once and moved
 * from body to body, so a request adds no closures.
 */
export class BodyWriter {
  readonly #socket: Socket;
  readonly #owner: BodyWriterOwner;
  #body: Readable | null = null;
  #chunked = false;
  #remaining = 0;
  #waitingDrain = false;
  readonly #onData = (chunk: Buffer | string): void => this.#write(chunk);
  readonly #onEnd = (): void => this.#end();
  readonly #onError = (error: Error): void => this.#error(error);
  readonly #onClose = (): void => this.#error(new errors.RequestAbortedError('the request body stream was destroyed before it ended'));

  constructor(socket: Socket, owner: BodyWriterOwner) {
    this.#socket = socket;
    this.#owner = owner;
  }

  get active(): boolean {
    return this.#body !== null;
  }

  /** Starts streaming `body`; `length` is its declared size, or -1 for chunked coding. */
  start(body: Readable, length: number): void {
    this.#chunked = length < 0;
    this.#remaining = length;
    this.#waitingDrain = false;
    if (body.destroyed || body.readableAborted) {
      this.#owner.onBodyError(new errors.RequestAbortedError('the request body stream was destroyed before it was sent'));
      return;
    }
    this.#body = body;
    body.on('data', this.#onData);
    body.once('end', this.#onEnd);
    body.once('error', this.#onError);
    body.once('close', this.#onClose);
    // A body already read to its end emits 'end' again only if something reads it.
    if (body.readableEnded) this.#end();
    else if (body.isPaused()) body.resume();
  }

  /** The socket drained: let the body flow again. */
  onDrain(): void {
    if (!this.#waitingDrain) return;
    this.#waitingDrain = false;
    this.#body?.resume();
  }

  /** Stops writing; `destroy` also ends the body stream (the exchange is over without it). */
  detach(destroy: boolean): void {
    const body = this.#body;
    if (body === null) return;
    this.#unlisten(body);
    if (destroy) body.destroy();
  }

  // HOT PATH: every request body chunk; no allocation beyond the chunk-size line.
  #write(chunk: Buffer | string): void {
    const length = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (length === 0) return; // a zero-size chunk would end a chunked body
    const socket = this.#socket;
    let ok: boolean;
    if (this.#chunked) {
      socket.cork();
      socket.write(`${length.toString(16)}\r\n`, 'latin1');
      socket.write(chunk);
      ok = socket.write('\r\n', 'latin1');
      socket.uncork();
    } else {
      this.#remaining -= length;
      if (this.#remaining < 0) {
        this.#error(new errors.RequestContentLengthMismatchError());
        return;
      }
      ok = socket.write(chunk);
    }
    this.#owner.onBodyProgress();
    if (!ok) {
      this.#waitingDrain = true;
      this.#body?.pause();
    }
  }

  #end(): void {
    const body = this.#body;
    if (body === null) return;
    this.#unlisten(body);
    if (this.#chunked) {
      const trailers = (body as BodyWithTrailers).trailers;
      this.#socket.write(trailers == null ? '0\r\n\r\n' : `${appendHeaderLines('0\r\n', trailers)}\r\n`, 'latin1');
    } else if (this.#remaining !== 0) {
      this.#owner.onBodyError(new errors.RequestContentLengthMismatchError());
      return;
    }
    this.#owner.onBodyDone();
  }

  #error(error: Error): void {
    const body = this.#body;
    if (body === null) return;
    this.#unlisten(body);
    this.#owner.onBodyError(error);
  }

  #unlisten(body: Readable): void {
    this.#body = null;
    body.off('data', this.#onData);
    body.off('end', this.#onEnd);
    body.off('error', this.#onError);
    body.off('close', this.#onClose);
  }
}
