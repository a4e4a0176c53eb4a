import { Buffer } from 'node:buffer';
import { equalsLower, hasToken, isFieldValue, isToken } from '@meshkit/core/http1';
import { errors } from 'undici';
import { eachField, fieldText, normalizeBody, withQuery } from '../request-options.js';
import { Http1Request } from './http1-request.js';
import type { Dispatcher } from 'undici';

// Request header fields the connection writes itself, from the options or its own state.
const NONE = 0;
const HOST = 1;
const CONTENT_LENGTH = 2;
const CONNECTION = 3;
const DROP = 4;

/** Visible ASCII and obs-text only: a space, CR or LF in a target would split the request line. */
function isValidPath(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c < 0x21 || c > 0xff) return false;
  }
  return true;
}

/** Methods whose requests carry a payload by convention: an empty one is announced as `content-length: 0`. */
const PAYLOAD_METHODS = new Set(['POST', 'PUT', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH']);
/** RFC 9110 §9.2.2, less the ones nobody sends through a proxy. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/**
 * What the field loop found. One module-level instance: a head is built synchronously from start
 * to end, so the request path allocates no collector object.
 */
const scratch = { fields: '', host: '', contentLength: -1, close: false, error: null as Error | null };

/**
 * A request ready for a connection, or why the options cannot make one. The head is built once
 * here (request line, `host`, the caller's fields, framing fields, blank line) and written as
 * one string; a retry reuses it.
 *
 * Request trailers: a stream body may carry a `trailers` object (`Record<string, string |
 * string[]>`), read when the stream ends and sent in the chunked body's trailer section.
 */
// HOT PATH: once per request; one Http1Request and the head string, nothing else in the common case.
export function createRequest(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler, defaultHost: string): Http1Request | Error {
  const method = options.method;
  if (typeof method !== 'string' || !isToken(method)) return new errors.InvalidArgumentError('invalid request method');
  const connect = method === 'CONNECT';
  let path = options.path;
  if (typeof path !== 'string' || (path.charCodeAt(0) !== 0x2f && !connect && !/^https?:\/\//.test(path)) || !isValidPath(path)) {
    return new errors.InvalidArgumentError('invalid request path');
  }
  if (options.query != null) {
    const withParams = withQuery(path, options.query);
    if (withParams instanceof Error) return withParams;
    path = withParams;
  }
  const upgrade = options.upgrade;
  if (upgrade != null && upgrade !== false && (typeof upgrade !== 'string' || upgrade.length === 0 || !isFieldValue(upgrade))) {
    return new errors.InvalidArgumentError('invalid upgrade header');
  }

  scratch.fields = '';
  scratch.host = defaultHost;
  scratch.contentLength = -1;
  scratch.close = options.reset === true;
  scratch.error = null;
  const malformed = eachField(options.headers, addField);
  if (malformed !== null) return malformed;
  if (scratch.error !== null) return scratch.error;

  const body = normalizeBody(options.body);
  if (body instanceof Error) return body;
  let framing: string;
  let bodyLength: number;
  const declared = scratch.contentLength;
  if (body === null) {
    if (declared > 0) return new errors.RequestContentLengthMismatchError();
    framing = declared === 0 || PAYLOAD_METHODS.has(method) ? 'content-length: 0\r\n' : '';
    bodyLength = 0;
  } else if (typeof body === 'string' || Buffer.isBuffer(body)) {
    bodyLength = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    if (declared !== -1 && declared !== bodyLength) return new errors.RequestContentLengthMismatchError();
    framing = `content-length: ${bodyLength}\r\n`;
  } else if (declared !== -1) {
    // A stream of a declared size goes out as is; the connection checks that the size holds.
    bodyLength = declared;
    framing = `content-length: ${declared}\r\n`;
  } else {
    bodyLength = -1;
    framing = 'transfer-encoding: chunked\r\n';
  }
  const isUpgrade = typeof upgrade === 'string' && !connect;
  let connection = '';
  if (isUpgrade) connection = `connection: upgrade\r\nupgrade: ${upgrade}\r\n`;
  else if (scratch.close) connection = 'connection: close\r\n';
  const head = `${method} ${path} HTTP/1.1\r\nhost: ${scratch.host}\r\n${scratch.fields}${connection}${framing}\r\n`;
  scratch.fields = '';
  const streamed = body !== null && typeof body !== 'string' && !Buffer.isBuffer(body);
  const retryable = !streamed && !connect && (options.idempotent ?? IDEMPOTENT_METHODS.has(method));
  // A CONNECT is answered by a tunnel, handed over like an upgrade.
  return new Http1Request(handler, method, head, body, bodyLength, isUpgrade || connect, scratch.close, retryable);
}

function addField(name: unknown, value: unknown): void {
  if (value === undefined || value === null || typeof name !== 'string') return;
  const kind = fieldKind(name);
  if (kind === NONE) {
    // Like appendHeaderLines: a field that could split the message is dropped, not written.
    if (!isToken(name)) return;
    if (typeof value === 'string') {
      if (isFieldValue(value)) scratch.fields += `${name}: ${value}\r\n`;
    } else if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        const text = fieldText(item);
        if (text !== null) scratch.fields += `${name}: ${text}\r\n`;
      }
    } else {
      const text = fieldText(value);
      if (text !== null) scratch.fields += `${name}: ${text}\r\n`;
    }
    return;
  }
  if (kind === DROP) return;
  const text = typeof value === 'string' ? value : Array.isArray(value) ? null : fieldText(value);
  if (kind === HOST) {
    // Empty is valid: the Host of a target URI without an authority (RFC 9112 §3.2).
    if (text === null || !isFieldValue(text)) scratch.error = new errors.InvalidArgumentError('invalid host header');
    else scratch.host = text;
  } else if (kind === CONTENT_LENGTH) {
    if (text === null || !isDigits(text)) scratch.error = new errors.InvalidArgumentError('invalid content-length header');
    else scratch.contentLength = Number(text);
  } else if (hasToken(text ?? (value as string[]), 'close')) {
    scratch.close = true;
  }
}

/** Names the connection owns: `host`, framing and connection-management fields. */
function fieldKind(name: string): number {
  switch (name.length) {
    case 4:
      return sameName(name, 'host') ? HOST : NONE;
    case 7:
      return sameName(name, 'upgrade') ? DROP : NONE;
    case 10:
      if (sameName(name, 'connection')) return CONNECTION;
      return sameName(name, 'keep-alive') ? DROP : NONE;
    case 14:
      return sameName(name, 'content-length') ? CONTENT_LENGTH : NONE;
    case 17:
      return sameName(name, 'transfer-encoding') ? DROP : NONE;
    default:
      return NONE;
  }
}

function sameName(name: string, lower: string): boolean {
  return name === lower || equalsLower(name, 0, name.length, lower);
}

function isDigits(text: string): boolean {
  if (text.length === 0 || text.length > 15) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
