import { Buffer } from 'node:buffer';
import { ChunkedDecoder } from './chunked-decoder.js';
import type { ChunkSink } from './chunked-decoder.js';
import { Http1ParseError } from './errors.js';
import type { HeaderFields } from '../header-map.js';

/** How a message's body is delimited, decided from its head; any value ≥ 0 is a Content-Length. */
export const BodyFraming = {
  /** No body follows the head. */
  None: -3,
  /** Everything until the connection closes (responses only). */
  UntilClose: -2,
  Chunked: -1,
} as const;

/** Receives each message the parser reads. */
export interface Http1MessageHandler<Head> {
  onHead(head: Head): void;
  onBody(chunk: Buffer): void;
  /** The message is complete; `trailers` is null when a chunked body had none (or it was not chunked). */
  onMessageEnd(trailers: HeaderFields | null): void;
}

export interface Http1ParserLimits {
  /** Start line plus header fields, in bytes (Envoy's `max_request_headers_kb`). */
  readonly maxHeadBytes: number;
  /** Envoy's `max_headers_count` (default 100). */
  readonly maxHeaderFields: number;
}

export interface Http1ParserSettings extends Http1ParserLimits {
  /**
   * Envoy's `allow_chunked_length`: a message with both `Transfer-Encoding: chunked` and
   * Content-Length is read as chunked and loses its Content-Length, where by default it is refused.
   */
  readonly allowChunkedLength?: boolean;
}

/** What a subclass reads from a complete head. */
export interface ParsedHead<Head> {
  readonly head: Head;
  readonly framing: number;
  /** The connection changes protocol after this head (an accepted Upgrade, CONNECT, a 101). */
  readonly switchesProtocol: boolean;
  /** An informational (1xx) response: another head follows. */
  readonly interim?: boolean;
}

const enum State {
  Head,
  Length,
  Chunked,
  UntilClose,
  Switched,
}

const CR = 0x0d;
const LF = 0x0a;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');

/**
 * The framing both directions share: accumulate a head until its blank line (bounded), hand it to
 * the subclass to parse, then deliver the body by Content-Length, chunked coding or connection
 * close, and start over for the next message on the connection. `execute` returns how far it read:
 * short of the input only when the handler paused it or the protocol switched.
 */
export abstract class Http1MessageParser<Head> {
  private state = State.Head;
  private held: Buffer | null = null;
  private remaining = 0;
  private chunked: ChunkedDecoder | null = null;
  private paused = false;
  /** What the chunked decoder delivers to: the handler, and whether it paused meanwhile. */
  private readonly chunkSink: ChunkSink = { onBody: (chunk) => this.handler.onBody(chunk), isPaused: () => this.paused };

  constructor(
    protected readonly handler: Http1MessageHandler<Head>,
    protected readonly settings: Http1ParserSettings,
  ) {}

  /** Stop after the current callback; the caller keeps the unread input and executes it later. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  /** Between messages, with no partial head held. */
  get idle(): boolean {
    return this.state === State.Head && this.held === null;
  }

  /** True once a head switched protocols: the rest of the connection is not HTTP/1.1. */
  get switched(): boolean {
    return this.state === State.Switched;
  }

  // HOT PATH: every chunk read from the connection.
  execute(input: Buffer): number {
    let offset = 0;
    const length = input.length;
    while (offset < length && !this.paused) {
      switch (this.state) {
        case State.Head:
          offset = this.readHead(input, offset);
          break;
        case State.Length: {
          const take = Math.min(this.remaining, length - offset);
          this.remaining -= take;
          const chunk = input.subarray(offset, offset + take);
          offset += take;
          this.handler.onBody(chunk);
          if (this.remaining === 0) this.endMessage(null);
          break;
        }
        case State.Chunked: {
          const decoder = this.chunked as ChunkedDecoder;
          offset = decoder.decode(input, offset, this.chunkSink);
          if (decoder.done) {
            this.chunked = null;
            this.endMessage(decoder.trailers);
          }
          break;
        }
        case State.UntilClose:
          this.handler.onBody(input.subarray(offset));
          offset = length;
          break;
        case State.Switched:
          return offset;
      }
    }
    return offset;
  }

  /**
   * The connection ended. A body delimited by the close is complete now; a message cut short is
   * an error the caller reports as a reset.
   */
  finish(): void {
    if (this.state === State.UntilClose) {
      this.endMessage(null);
      return;
    }
    if (this.state === State.Head && this.held === null) return;
    if (this.state === State.Switched) return;
    throw new Http1ParseError('http1.codec_error', 'the connection closed in the middle of a message');
  }

  /** Parses a complete head (`text`, latin1, each line ending in CRLF). */
  protected abstract parseHead(text: string): ParsedHead<Head>;

  /** Fails fast on a start line that can never be valid, before its head is complete. */
  protected abstract checkPartialHead(bytes: Buffer): void;

  private readHead(input: Buffer, offset: number): number {
    let start = offset;
    if (this.held === null) {
      // RFC 9112 §2.2: empty lines before a message are ignored.
      while (start < input.length && (input[start] === CR || input[start] === LF)) start++;
      if (start === input.length) return start;
    }
    const held = this.held;
    const bytes = held === null ? input : Buffer.concat([held, input.subarray(start)]);
    const from = held === null ? start : 0;
    const end = bytes.indexOf(HEAD_END, held === null ? start : Math.max(0, held.length - 3));
    const limit = this.settings.maxHeadBytes;
    if (end === -1) {
      const pending = bytes.subarray(from);
      if (pending.length > limit) throw new Http1ParseError('http1.headers_too_large', 'headers too large', 431);
      if (hasBareLineEnd(pending)) throw new Http1ParseError('http1.codec_error', 'a line not ending in CRLF');
      this.checkPartialHead(pending);
      this.held = Buffer.from(pending);
      return input.length;
    }
    if (end - from > limit) throw new Http1ParseError('http1.headers_too_large', 'headers too large', 431);
    this.held = null;
    const parsed = this.parseHead(bytes.toString('latin1', from, end + 2));
    const next = held === null ? end + 4 : start + end + 4 - held.length;
    if (parsed.interim === true) {
      this.handler.onHead(parsed.head);
      return next;
    }
    this.startBody(parsed);
    return next;
  }

  private startBody(parsed: ParsedHead<Head>): void {
    const framing = parsed.framing;
    if (parsed.switchesProtocol) this.state = State.Switched;
    else if (framing === BodyFraming.Chunked) {
      this.state = State.Chunked;
      this.chunked = new ChunkedDecoder(this.settings.maxHeadBytes, this.settings.maxHeaderFields);
    } else if (framing === BodyFraming.UntilClose) this.state = State.UntilClose;
    else if (framing > 0) {
      this.state = State.Length;
      this.remaining = framing;
    }
    this.handler.onHead(parsed.head);
    if (this.state === State.Head) this.endMessage(null);
  }

  private endMessage(trailers: HeaderFields | null): void {
    this.state = State.Head;
    this.handler.onMessageEnd(trailers);
  }
}

/**
 * A LF not preceded by CR, or a CR followed by anything but LF, anywhere in `bytes` (a CR at the
 * very end may still get its LF): such a peer will never send the blank line we wait for.
 */
function hasBareLineEnd(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(LF); at !== -1; at = bytes.indexOf(LF, at + 1)) {
    if (at === 0 || bytes[at - 1] !== CR) return true;
  }
  for (let at = bytes.indexOf(CR); at !== -1 && at + 1 < bytes.length; at = bytes.indexOf(CR, at + 1)) {
    if (bytes[at + 1] !== LF) return true;
  }
  return false;
}

/** Parses a Content-Length value: digits only, at most 15 of them (the largest safe integer). */
export function parseContentLength(value: string | string[]): number {
  if (typeof value !== 'string' || value.length === 0 || value.length > 15) throw invalidLength();
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) throw invalidLength();
  }
  return Number(value);
}

/**
 * `Transfer-Encoding: chunked` and nothing else (one field, any case): the only coding Envoy's
 * codec reads, in requests and responses alike.
 */
export function isChunkedOnly(coding: string | string[]): boolean {
  return typeof coding === 'string' && coding.toLowerCase() === 'chunked';
}

function invalidLength(): Http1ParseError {
  return new Http1ParseError('http1.content_length_not_allowed', 'an invalid Content-Length');
}
