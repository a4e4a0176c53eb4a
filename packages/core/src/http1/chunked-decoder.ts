import { Buffer } from 'node:buffer';
import { Http1ParseError } from './errors.js';
import { parseHeaderFields } from './header-fields.js';
import { newHeaderFields } from '../header-map.js';
import type { HeaderFields } from '../header-map.js';

const CR = 0x0d;
const LF = 0x0a;
const SEMICOLON = 0x3b;
const SP = 0x20;
const HTAB = 0x09;
/** Chunk extensions are read and dropped; a peer may not stream them forever. */
const MAX_EXTENSION_BYTES = 4096;
const MAX_SIZE_DIGITS = 13; // 16^13 > 2^52: any larger size is not a size a peer can send
/**
 * The framing fields, which RFC 9110 §6.5.1 keeps out of trailers: one peer ignores them there and
 * the next may act on them (llhttp refuses the message), so a message that carries one is refused.
 * Connection-specific trailers are read, and dropped when forwarded, as they are in a header section.
 */
const FRAMING_FIELDS = ['content-length', 'transfer-encoding'];

const enum Step {
  Size,
  /** Whitespace after the size: allowed only before a `;` (RFC 9112's BWS before a chunk extension). */
  SizeWhitespace,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailers,
  Done,
}

function fail(reason: string): never {
  throw new Http1ParseError('http1.codec_error', reason);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Where decoded body bytes go; reading stops after a chunk once it says it is paused. */
export interface ChunkSink {
  onBody(chunk: Buffer): void;
  isPaused(): boolean;
}

/**
 * Decodes a chunked body (RFC 9112 §7.1) as its bytes arrive: sizes, strict CRLFs, extensions
 * (dropped) and trailer fields. Data is handed on as views of the input, never copied.
 */
export class ChunkedDecoder {
  private step = Step.Size;
  private size = 0;
  private digits = 0;
  private extensionBytes = 0;
  private trailerBytes: Buffer | null = null;
  /** The trailer fields, once `done`; null when there were none. */
  trailers: HeaderFields | null = null;

  constructor(
    private readonly maxTrailerBytes: number,
    private readonly maxTrailerFields: number,
  ) {}

  get done(): boolean {
    return this.step === Step.Done;
  }

  /** Reads from `offset` until the body ends, the input does or the sink pauses; returns where it stopped. */
  decode(input: Buffer, offset: number, sink: ChunkSink): number {
    let i = offset;
    const length = input.length;
    while (i < length) {
      const step = this.step;
      if (step === Step.Data) {
        const take = Math.min(this.size, length - i);
        this.size -= take;
        if (this.size === 0) this.step = Step.DataCr;
        sink.onBody(input.subarray(i, i + take));
        i += take;
        if (sink.isPaused()) return i;
        continue;
      }
      if (step === Step.Trailers) return this.readTrailers(input, i);
      if (step === Step.Done) return i;
      this.frameByte(input[i] as number);
      i++;
    }
    return i;
  }

  private frameByte(c: number): void {
    switch (this.step) {
      case Step.Size: {
        const value = hexValue(c);
        if (value >= 0) {
          if (++this.digits > MAX_SIZE_DIGITS) fail('a chunk size too large');
          this.size = this.size * 16 + value;
        } else if (this.digits === 0) {
          fail('a chunk size that is not hexadecimal');
        } else if (c === CR) {
          this.step = Step.SizeLf;
        } else if (c === SEMICOLON) {
          this.step = Step.Extension;
        } else if (c === SP || c === HTAB) {
          this.step = Step.SizeWhitespace;
        } else {
          fail('a chunk size that is not hexadecimal');
        }
        return;
      }
      case Step.SizeWhitespace:
        // `3 \r\n` or `1 0`: read as a size by one peer and refused, or read as another size, by the next.
        if (c === SEMICOLON) this.step = Step.Extension;
        else if (c !== SP && c !== HTAB) fail('whitespace after a chunk size, not before an extension');
        return;
      case Step.Extension:
        if (c === CR) this.step = Step.SizeLf;
        else if ((c < SP && c !== HTAB) || c === 0x7f) fail('a control character in a chunk extension');
        else if (++this.extensionBytes > MAX_EXTENSION_BYTES) fail('chunk extensions too long');
        return;
      case Step.SizeLf:
        if (c !== LF) fail('a chunk size line without CRLF');
        this.digits = 0;
        this.step = this.size === 0 ? Step.Trailers : Step.Data;
        return;
      case Step.DataCr:
        if (c !== CR) fail('chunk data without its CRLF');
        this.step = Step.DataLf;
        return;
      case Step.DataLf:
        if (c !== LF) fail('chunk data without its CRLF');
        this.step = Step.Size;
        return;
      default:
        return;
    }
  }

  /** The trailer section: an empty line alone, or fields ending in one. */
  private readTrailers(input: Buffer, offset: number): number {
    const held = this.trailerBytes;
    const bytes = held === null ? input.subarray(offset) : Buffer.concat([held, input.subarray(offset)]);
    const heldLength = held === null ? 0 : held.length;
    if (bytes.length >= 2 && bytes[0] === CR && bytes[1] === LF) return this.finish(offset + 2 - heldLength);
    const end = bytes.indexOf('\r\n\r\n', 0, 'latin1');
    if (end === -1) {
      if (bytes.length > this.maxTrailerBytes) throw new Http1ParseError('http1.headers_too_large', 'trailers too large', 431);
      if (bytes.length >= 2 && bytes.indexOf(LF) !== -1 && bytes.indexOf('\r\n', 0, 'latin1') === -1) fail('a trailer line without CRLF');
      this.trailerBytes = Buffer.from(bytes);
      return input.length;
    }
    if (end > this.maxTrailerBytes) throw new Http1ParseError('http1.headers_too_large', 'trailers too large', 431);
    const text = bytes.toString('latin1', 0, end + 2);
    const trailers = newHeaderFields();
    parseHeaderFields(text, 0, text.length, trailers, this.maxTrailerFields);
    for (const name of FRAMING_FIELDS) if (trailers[name] !== undefined) fail(`${name} in the trailers`);
    this.trailers = trailers;
    return this.finish(offset + end + 4 - heldLength);
  }

  private finish(next: number): number {
    this.trailerBytes = null;
    this.step = Step.Done;
    return next;
  }
}
