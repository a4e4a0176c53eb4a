import { randomBytes } from 'node:crypto';
import { copyHeaderFields } from '@meshkit/core';
import type { HeaderMap } from '../http-filter.js';

/**
 * The protocol of an RFC 8441 extended CONNECT (`:method: CONNECT` with `:protocol`), lower-case,
 * or undefined for any other request.
 */
export function extendedConnectProtocol(headers: HeaderMap): string | undefined {
  const protocol = headers[':protocol'];
  return headers[':method'] === 'CONNECT' && typeof protocol === 'string' ? protocol.toLowerCase() : undefined;
}

/**
 * The HTTP/1.1 upgrade an extended CONNECT stands for, as Envoy reads it: GET with `Upgrade` and
 * `Connection: upgrade`, so filters and the router treat both alike. RFC 8441 drops WebSocket's
 * key exchange, but an HTTP/1.1 WebSocket server insists on it, so a WebSocket request gets a
 * fresh `Sec-WebSocket-Key` (and version 13) when the client sent none.
 */
export function toUpgradeRequest(headers: HeaderMap, protocol: string): HeaderMap {
  const out: HeaderMap = copyHeaderFields(headers, ':protocol');
  out[':method'] = 'GET';
  out['upgrade'] = protocol;
  out['connection'] = 'upgrade';
  if (protocol === 'websocket') {
    out['sec-websocket-key'] ??= randomBytes(16).toString('base64');
    out['sec-websocket-version'] ??= '13';
  }
  return out;
}
