import { Http1ParseError } from './errors.js';
import { hasToken, isFieldValue, parseHeaderFields } from './header-fields.js';
import { newHeaderFields } from '../header-map.js';
import type { HeaderFields } from '../header-map.js';
import { BodyFraming, Http1MessageParser, isChunkedOnly, parseContentLength } from './message-parser.js';
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
 * request it answers, so the client says what the next response answers: a HEAD request (no
 * body, whatever the headers say) or a CONNECT (a 2xx turns the connection into a tunnel).
 */
export class Http1ResponseParser extends Http1MessageParser<ResponseHead> {
  private headRequest = false;
  private connectRequest = false;

  /** The method of the request the next response answers. */
  expectResponseTo(method: string): void {
    this.headRequest = method === 'HEAD';
    this.connectRequest = method === 'CONNECT';
  }

  protected parseHead(text: string): ParsedHead<ResponseHead> {
    const lineEnd = text.indexOf('\r\n');
    // HTTP/1.x SP 3DIGIT [SP reason]
    if (lineEnd < 12 || !text.startsWith('HTTP/1.', 0) || text.charCodeAt(8) !== 0x20) fail('a malformed status line');
    const minor = text.charCodeAt(7) - 0x30;
    if (minor !== 0 && minor !== 1) fail('an unsupported HTTP version');
    const status = threeDigits(text, 9);
    if (lineEnd > 12 && text.charCodeAt(12) !== 0x20) fail('a malformed status code');
    // A bare CR or a NUL in the reason would be handed on to whoever reads statusText.
    if (!isFieldValue(text, 13, lineEnd)) fail('a control character in the reason phrase');
    const headers = newHeaderFields();
    parseHeaderFields(text, lineEnd + 2, text.length, headers, this.settings.maxHeaderFields);
    const reason = text.slice(13, lineEnd);
    if (status < 200 || status === 204) refuseBodyFraming(headers);
    if (status < 200 && status !== 101) {
      return { head: { status, reason, minorVersion: minor, headers, keepAlive: false }, framing: BodyFraming.None, switchesProtocol: false, interim: true };
    }
    const coding = headers['transfer-encoding'];
    if (coding !== undefined) this.checkTransferEncoding(coding, headers);

    // A 101, or a 2xx to CONNECT: what follows the head is no longer HTTP (RFC 9112 §6.3 rules 1-2).
    const tunnel = status === 101 || (this.connectRequest && status < 300);
    const framing = tunnel ? BodyFraming.None : this.bodyFraming(status, headers, coding !== undefined, minor);
    const connection = headers['connection'];
    const persistent = minor === 1 ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');
    const keepAlive = persistent && framing !== BodyFraming.UntilClose && !tunnel;
    this.headRequest = false;
    this.connectRequest = false;
    return { head: { status, reason, minorVersion: minor, headers, keepAlive }, framing, switchesProtocol: tunnel };
  }

  protected checkPartialHead(bytes: Buffer): void {
    const prefix = 'HTTP/1.';
    for (let i = 0; i < bytes.length && i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) fail('a malformed status line');
  }

  /**
   * Envoy's codec reads `Transfer-Encoding: chunked` and nothing else, in responses as in requests.
   * Another coding (`gzip`) is refused: read to the close and passed on re-chunked, its body would
   * reach the client without the coding it is in. Both framings in one response is how response
   * splitting looks (RFC 9112 §6.3), refused too unless `allow_chunked_length`, which reads such a
   * response as chunked and drops its Content-Length.
   */
  private checkTransferEncoding(coding: string | string[], headers: HeaderFields): void {
    if (headers['content-length'] !== undefined) {
      if (this.settings.allowChunkedLength !== true || !isChunkedOnly(coding)) fail('both Content-Length and Transfer-Encoding');
      delete headers['content-length'];
    }
    if (!isChunkedOnly(coding)) fail('a transfer coding other than chunked');
  }

  private bodyFraming(status: number, headers: HeaderFields, chunked: boolean, minor: number): number {
    // Checked even where it frames nothing (HEAD, 304): it is passed on, and must be one number.
    const length = contentLength(headers);
    if (this.headRequest || status === 204 || status === 304) return BodyFraming.None;
    if (chunked) {
      // HTTP/1.0 has no transfer codings: its framing is faulty (RFC 9112 §6.1). Read to the close, the
      // body would be passed on still chunk-coded; decoded, it would be a guess at what the server meant.
      if (minor === 0) fail('Transfer-Encoding in an HTTP/1.0 response');
      return BodyFraming.Chunked;
    }
    if (length === -1) return BodyFraming.UntilClose;
    return length || BodyFraming.None;
  }
}

/**
 * Envoy's strict 1xx and 204 heads: such a response has no body, so framing fields in it are a
 * faulty server's. Transfer-Encoding is refused, a Content-Length other than 0 too, and a
 * Content-Length of 0 is dropped.
 */
function refuseBodyFraming(headers: HeaderFields): void {
  if (headers['transfer-encoding'] !== undefined) fail('Transfer-Encoding in a 1xx or 204 response');
  const length = headers['content-length'];
  if (length === undefined) return;
  if (length !== '0') fail('a Content-Length other than 0 in a 1xx or 204 response');
  delete headers['content-length'];
}

/**
 * The response's Content-Length, or -1 without one. Repeats of one value are tolerated from an
 * upstream (and folded into one); differing ones are not.
 */
function contentLength(headers: HeaderFields): number {
  const length = headers['content-length'];
  if (length === undefined) return -1;
  if (typeof length === 'string') return parseContentLength(length);
  const first = parseContentLength(length[0] as string);
  for (const value of length) if (parseContentLength(value) !== first) fail('conflicting Content-Length values');
  headers['content-length'] = String(first);
  return first;
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
