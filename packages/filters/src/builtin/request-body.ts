import { Buffer } from 'node:buffer';
import { Readable } from 'node:stream';
import type { HeaderMap, HttpFilterContext } from '../http-filter.js';

/** The request body as one attempt's upstream pool reads it, with back-pressure to the downstream socket. */
export class AttemptBody extends Readable {
  /** The request's trailers, which the HTTP/1.1 pool sends in the chunked body's trailer section. */
  trailers: HeaderMap | null = null;

  constructor(private readonly ctx: HttpFilterContext) {
    super();
  }

  pushChunk(data: Buffer, endOfStream: boolean): void {
    // Past the request's end there is nothing left to read: a pause then would never be lifted
    // (a stream that has ended asks for no more).
    if (data.length > 0 && !this.push(data) && !endOfStream) this.ctx.setDownstreamReadPaused(true);
    if (endOfStream) this.push(null);
  }

  /** A retry's start: everything received so far at once, and the end if it came. */
  replay(chunks: readonly Buffer[], ended: boolean): void {
    for (const chunk of chunks) this.push(chunk);
    if (ended) this.push(null);
    else if (this.readableLength > this.readableHighWaterMark) this.ctx.setDownstreamReadPaused(true);
  }

  override _read(): void {
    this.ctx.setDownstreamReadPaused(false);
  }
}

/**
 * The request body across attempts. It streams to the current attempt and, while a retry may
 * still need it, is also kept so a retry can send it again from the start. As in Envoy, a body
 * larger than the buffer limit is not kept: the request then gets no further retries.
 */
export class RequestBody {
  #current: AttemptBody;
  /** What arrived so far, while kept; null once not (no retry can use it, or over the limit). */
  #kept: Buffer[] | null;
  #keptBytes = 0;
  #ended = false;
  #trailers: HeaderMap | null = null;

  constructor(
    private readonly ctx: HttpFilterContext,
    keep: boolean,
  ) {
    this.#current = new AttemptBody(ctx);
    this.#kept = keep ? [] : null;
  }

  /** The body stream of the current attempt. */
  get stream(): AttemptBody {
    return this.#current;
  }

  /** Whether a retry can send the body again. */
  get replayable(): boolean {
    return this.#kept !== null;
  }

  push(data: Buffer, endOfStream: boolean): void {
    if (this.#kept !== null && data.length > 0) {
      this.#keptBytes += data.length;
      if (this.#keptBytes > this.ctx.bufferLimitBytes) this.stopKeeping();
      else this.#kept.push(data);
    }
    this.#ended ||= endOfStream;
    this.#current.pushChunk(data, endOfStream);
  }

  setTrailers(trailers: HeaderMap): void {
    this.#trailers = trailers;
    this.#current.trailers = trailers;
    this.push(Buffer.alloc(0), true);
  }

  /** No retry will need the body again: let go of what is kept. */
  stopKeeping(): void {
    this.#kept = null;
    this.#keptBytes = 0;
  }

  /** A fresh stream for a retry, starting with everything received so far; only while `replayable`. */
  restart(): AttemptBody {
    this.#current.destroy();
    const next = new AttemptBody(this.ctx);
    next.trailers = this.#trailers;
    next.replay(this.#kept ?? [], this.#ended);
    this.#current = next;
    return next;
  }

  destroy(): void {
    this.#current.destroy();
    this.stopKeeping();
  }
}
