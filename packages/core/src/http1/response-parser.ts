import { Http1ParseError } from './errors.js';
import { hasToken, parseHeaderFields } from './header-fields.js';
import type { HeaderFields } from './header-fields.js';
import { BodyFraming, Http1MessageParser, parseContentLength } from './message-parser.js';
import type { ParsedHead } from './message-parser.js';

export interface ResponseHead {
  readonly status: number;
  readonly reason: string;
  readonly minorVersion: number;
  readonly headers: HeaderFields;
  /** The connection may carry another exchange after this response. */
  readonly keepAlive: boolean;
}

function fail(reason: string): never {
  throw new Http1ParseError('upstream.codec_error', reason);
}

/**
 * An HTTP/1.1 response parser (RFC 9112 §6.3 body rules). The body of a response depends on the
 * request it answers, so the client says when the next response answers a HEAD request.
 */
export class Http1ResponseParser extends Http1MessageParser<ResponseHead> {
  private headRequest = false;

  /** The next response answers a HEAD request: whatever its headers say, it has no body. */
  expectResponseTo(method: string): void {
    this.headRequest = method === 'HEAD';
  }

  protected parseHead(text: string): ParsedHead<ResponseHead> {
    const lineEnd = text.indexOf('\r\n');
    // HTTP/1.x SP 3DIGIT [SP reason]
    if (lineEnd < 12 || !text.startsWith('HTTP/1.', 0) || text.charCodeAt(8) !== 0x20) fail('a malformed status line');
    const minor = text.charCodeAt(7) - 0x30;
    if (minor !== 0 && minor !== 1) fail('an unsupported HTTP version');
    const status = threeDigits(text, 9);
    if (lineEnd > 12 && text.charCodeAt(12) !== 0x20) fail('a malformed status code');
    const headers: HeaderFields = {};
    parseHeaderFields(text, lineEnd + 2, text.length, headers, this.limits.maxHeaderFields);
    const head: ResponseHead = { status, reason: text.slice(13, lineEnd), minorVersion: minor, headers, keepAlive: false };
    if (status < 200 && status !== 101) return { head, framing: BodyFraming.None, switchesProtocol: false, interim: true };

    const framing = this.bodyFraming(status, headers);
    const connection = headers['connection'];
    const persistent = minor === 1 ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');
    (head as { keepAlive: boolean }).keepAlive = persistent && framing !== BodyFraming.UntilClose && status !== 101;
    this.headRequest = false;
    return { head, framing, switchesProtocol: status === 101 };
  }

  protected checkPartialHead(bytes: Buffer): void {
    const prefix = 'HTTP/1.';
    for (let i = 0; i < bytes.length && i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) fail('a malformed status line');
  }

  private bodyFraming(status: number, headers: HeaderFields): number {
    if (this.headRequest || status === 204 || status === 304 || status === 101) return BodyFraming.None;
    const coding = headers['transfer-encoding'];
    if (coding !== undefined) {
      // Chunked must be the final coding; a response coded otherwise runs until the close (RFC 9112 §6.3).
      const codings = (typeof coding === 'string' ? coding : coding.join(',')).split(',');
      return codings[codings.length - 1]?.trim().toLowerCase() === 'chunked' ? BodyFraming.Chunked : BodyFraming.UntilClose;
    }
    const length = headers['content-length'];
    if (length === undefined) return BodyFraming.UntilClose;
    if (typeof length === 'string') return parseContentLength(length) || BodyFraming.None;
    // Repeats of one value are tolerated from an upstream; differing ones are not.
    const first = parseContentLength(length[0] as string);
    for (const value of length) if (parseContentLength(value) !== first) fail('conflicting Content-Length values');
    headers['content-length'] = String(first);
    return first || BodyFraming.None;
  }
}

function threeDigits(text: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 3; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) fail('a malformed status code');
    value = value * 10 + digit;
  }
  if (value < 100) fail('a malformed status code');
  return value;
}
