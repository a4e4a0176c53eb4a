import { Buffer } from 'node:buffer';
import { isFieldValue, isToken } from '@meshkit/core/http1';
import { newHeaderFields } from '@meshkit/core';
import { errors } from 'undici';
import { eachField, fieldText, normalizeBody, withQuery } from '../request-options.js';
import type { OutgoingHttpHeaders } from 'node:http2';
import type { Dispatcher } from 'undici';
import type { RequestBody } from '../request-options.js';

/** What a dispatch's options become on an HTTP/2 connection. */
export interface Http2RequestParts {
  readonly headers: OutgoingHttpHeaders;
  readonly body: RequestBody;
  /**
   * The request is answered by a tunnel: a CONNECT, or an HTTP/1.1 Upgrade sent as RFC 8441's
   * extended CONNECT (then this is its `:protocol`, which needs the server's
   * SETTINGS_ENABLE_CONNECT_PROTOCOL).
   */
  readonly tunnel: 'connect' | 'extended-connect' | null;
  /** The Upgrade request's `sec-websocket-key`, to answer its HTTP/1.1 form with the accept key. */
  readonly webSocketKey: string | undefined;
}

/** Visible ASCII and obs-text only, as the HTTP/1.1 pool takes a path. */
const INVALID_PATH = /[^\u0021-\u00ff]/;

/**
 * Connection-specific fields have no place in HTTP/2 (RFC 9113 §8.2.2; node:http2 refuses them),
 * and `host` becomes `:authority`.
 */
const CONNECTION_SPECIFIC = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/**
 * The HTTP/2 header block for a dispatch's options: pseudo-headers from the method, path and
 * `host` (else the pool's authority), the caller's fields lowercased, connection-specific ones
 * dropped, and fields that could not be sent (an invalid name or value) left out, as the HTTP/1.1
 * pool does.
 */
export function http2RequestParts(options: Dispatcher.DispatchOptions, scheme: 'http' | 'https', defaultAuthority: string): Http2RequestParts | Error {
  const method = options.method;
  if (typeof method !== 'string' || !isToken(method)) return new errors.InvalidArgumentError('invalid request method');
  let path = options.path;
  const connect = method === 'CONNECT';
  if (typeof path !== 'string' || (!connect && path.charCodeAt(0) !== 0x2f) || INVALID_PATH.test(path)) return new errors.InvalidArgumentError('invalid request path');
  if (options.query != null) {
    const withParams = withQuery(path, options.query);
    if (withParams instanceof Error) return withParams;
    path = withParams;
  }
  const upgrade = options.upgrade;
  const isUpgrade = typeof upgrade === 'string' && upgrade.length > 0 && !connect;
  if (upgrade != null && upgrade !== false && !isUpgrade && !connect) return new errors.InvalidArgumentError('invalid upgrade header');

  const fields: OutgoingHttpHeaders = newHeaderFields();
  let authority = defaultAuthority;
  const add = (rawName: unknown, value: unknown): void => {
    if (typeof rawName !== 'string' || value == null) return;
    const name = rawName.toLowerCase();
    if (name === 'host') {
      const text = typeof value === 'string' ? value : null;
      if (text !== null && text.length > 0 && isFieldValue(text)) authority = text;
      return;
    }
    if (CONNECTION_SPECIFIC.has(name) || !isToken(name)) return;
    // RFC 9113 §8.2.2: `te` may only say `trailers`.
    if (name === 'te' && (typeof value !== 'string' || value.trim().toLowerCase() !== 'trailers')) return;
    const values = (Array.isArray(value) ? value : [value]).map(fieldText).filter((text): text is string => text !== null);
    if (values.length === 0) return;
    const existing = fields[name];
    const merged = existing === undefined ? values : [...(Array.isArray(existing) ? existing : [String(existing)]), ...values];
    fields[name] = merged.length === 1 ? merged[0] : merged;
  };
  const problem = eachField(options.headers, add);
  if (problem !== null) return problem;

  const body = normalizeBody(options.body);
  if (body instanceof Error) return body;
  const declared = fields['content-length'];
  if (declared !== undefined) {
    if (typeof declared !== 'string' || !/^\d{1,15}$/.test(declared)) return new errors.InvalidArgumentError('invalid content-length header');
    const bytes = typeof body === 'string' ? Buffer.byteLength(body) : Buffer.isBuffer(body) ? body.length : body === null ? 0 : Number(declared);
    if (bytes !== Number(declared)) return new errors.RequestContentLengthMismatchError();
  } else if (body !== null && typeof body === 'string') {
    fields['content-length'] = String(Buffer.byteLength(body));
  } else if (Buffer.isBuffer(body)) {
    fields['content-length'] = String(body.length);
  }

  const webSocketKey = typeof fields['sec-websocket-key'] === 'string' ? fields['sec-websocket-key'] : undefined;
  if (connect) return { headers: { ...fields, ':method': 'CONNECT', ':authority': path }, body, tunnel: 'connect', webSocketKey: undefined };
  if (isUpgrade) {
    // RFC 8441: the upgrade becomes a CONNECT naming the protocol; it has no payload to announce.
    if (fields['content-length'] === '0') delete fields['content-length'];
    const headers = { ...fields, ':method': 'CONNECT', ':protocol': upgrade.toLowerCase(), ':scheme': scheme, ':path': path, ':authority': authority };
    return { headers, body, tunnel: 'extended-connect', webSocketKey };
  }
  return { headers: { ...fields, ':method': method, ':scheme': scheme, ':path': path, ':authority': authority }, body, tunnel: null, webSocketKey: undefined };
}
