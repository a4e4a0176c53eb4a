import { Http1ParseError } from './errors.js';
import { hasToken, isToken, isTokenCode, parseHeaderFields } from './header-fields.js';
import { newHeaderFields } from '../header-map.js';
import type { HeaderFields } from '../header-map.js';
import { BodyFraming, Http1MessageParser, isChunkedOnly, parseContentLength } from './message-parser.js';
import type { ParsedHead } from './message-parser.js';

export interface RequestHead {
  readonly method: string;
  /** The request target as sent (origin form `/path?query`, or authority form for CONNECT). */
  readonly target: string;
  /** 1 for HTTP/1.1, 0 for HTTP/1.0. */
  readonly minorVersion: number;
  readonly headers: HeaderFields;
  /** The connection may carry another request after this one. */
  readonly keepAlive: boolean;
  /** `Connection: upgrade` with an `Upgrade` header, or CONNECT: after the head come raw bytes. */
  readonly upgrade: boolean;
  /** Bytes of body by Content-Length, `BodyFraming.Chunked`, or 0. */
  readonly bodyLength: number;
}

function fail(reason: string, details = 'http1.codec_error'): never {
  throw new Http1ParseError(details, reason);
}

/** True when every character of the target is visible ASCII (no spaces, controls or raw non-ASCII). */
function isTarget(text: string, from: number, to: number): boolean {
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/**
 * A strict HTTP/1.1 request parser for a proxy (RFC 9112): anything two implementations could read
 * differently — Content-Length with Transfer-Encoding, repeated or listed lengths, codings other
 * than chunked, a missing or repeated Host — is refused rather than guessed at.
 */
export class Http1RequestParser extends Http1MessageParser<RequestHead> {
  protected parseHead(text: string): ParsedHead<RequestHead> {
    const lineEnd = text.indexOf('\r\n');
    const firstSpace = text.indexOf(' ');
    const secondSpace = firstSpace === -1 ? -1 : text.indexOf(' ', firstSpace + 1);
    if (secondSpace === -1 || secondSpace > lineEnd) fail('a malformed request line');
    if (!isToken(text, 0, firstSpace)) fail('an invalid method');
    if (!isTarget(text, firstSpace + 1, secondSpace)) fail('an invalid request target');
    const minorVersion = httpMinorVersion(text, secondSpace + 1, lineEnd);
    const method = text.slice(0, firstSpace);
    const headers = newHeaderFields();
    parseHeaderFields(text, lineEnd + 2, text.length, headers, this.settings.maxHeaderFields);

    const host = headers['host'];
    if (typeof host !== 'string' && (host !== undefined || minorVersion === 1)) fail('a missing or repeated Host header');
    const connection = headers['connection'];
    const keepAlive = minorVersion === 1 ? !hasToken(connection, 'close') : hasToken(connection, 'keep-alive');
    const upgrade = method === 'CONNECT' || (isUpgradeBeyondHttp1(headers['upgrade']) && hasToken(connection, 'upgrade'));
    const bodyLength = requestBodyLength(headers, minorVersion, this.settings.allowChunkedLength === true);
    const head: RequestHead = { method, target: text.slice(firstSpace + 1, secondSpace), minorVersion, headers, keepAlive, upgrade, bodyLength };
    return { head, framing: bodyLength === 0 ? BodyFraming.None : bodyLength, switchesProtocol: upgrade };
  }

  protected checkPartialHead(bytes: Buffer): void {
    // The method is the first thing sent: a byte that cannot be in one ends the request now.
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i] as number;
      if (c === 0x20) return;
      if (!isTokenCode(c)) fail('an invalid method');
    }
  }
}

/**
 * An `Upgrade` that would switch the connection. `h2c` is not one: a proxy reads the request as
 * HTTP/1.1 and forwards it without the upgrade, as Envoy does.
 */
function isUpgradeBeyondHttp1(value: string | string[] | undefined): boolean {
  return value !== undefined && !(typeof value === 'string' && value.toLowerCase() === 'h2c');
}

/** `HTTP/1.1` → 1, `HTTP/1.0` → 0; anything else is refused. */
function httpMinorVersion(text: string, from: number, to: number): number {
  if (to - from === 8 && text.startsWith('HTTP/1.', from)) {
    const minor = text.charCodeAt(from + 7);
    if (minor === 0x31) return 1;
    if (minor === 0x30) return 0;
  }
  return fail('an unsupported HTTP version');
}

function requestBodyLength(headers: HeaderFields, minorVersion: number, allowChunkedLength: boolean): number {
  const coding = headers['transfer-encoding'];
  const length = headers['content-length'];
  if (coding !== undefined) {
    if (length !== undefined) {
      if (!allowChunkedLength || !isChunkedOnly(coding)) fail('both Content-Length and Transfer-Encoding', 'http1.content_length_and_chunked_not_allowed');
      delete headers['content-length'];
    }
    if (minorVersion === 0) fail('Transfer-Encoding in an HTTP/1.0 request', 'http1.invalid_transfer_encoding');
    if (!isChunkedOnly(coding)) fail('a transfer coding other than chunked', 'http1.invalid_transfer_encoding');
    return BodyFraming.Chunked;
  }
  return length === undefined ? 0 : parseContentLength(length);
}
