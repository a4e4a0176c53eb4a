import { newHeaderFields } from '@meshkit/core';
import type { HeaderMap } from '../http-filter.js';

// Connection-specific headers never cross a proxy (RFC 9110 §7.6.1), as Envoy strips them.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'http2-settings',
]);

/** A `Connection` value that names no header but the hop-by-hop ones, which are dropped anyway. */
function namesNoOtherHeader(value: string | string[]): boolean {
  return value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close';
}

/** The comma-separated tokens of a header that may have been sent more than once. */
function tokens(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = typeof value === 'string' ? value : value.join(',');
  return joined.split(',').map((token) => token.trim().toLowerCase()).filter((token) => token !== '');
}

/**
 * Copies `headers` for the next hop: no pseudo-headers, no hop-by-hop headers, none of the
 * headers the `Connection` header names. `te: trailers` is the one exception, kept as Envoy keeps
 * it, because gRPC servers need to know the client accepts trailers.
 */
export function forwardableHeaders(headers: HeaderMap): Record<string, string | string[]> {
  const out = newHeaderFields() as Record<string, string | string[]>;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* ':' */ || HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  // HOT PATH: most messages carry neither header or only `connection: keep-alive`/`close`, and
  // pay no token parsing for them.
  const connection = headers['connection'];
  if (connection !== undefined && !namesNoOtherHeader(connection)) for (const token of tokens(connection)) delete out[token];
  // Only the `trailers` token survives (Envoy drops the others, which are about this hop's codings).
  const te = headers['te'];
  if (te !== undefined && tokens(te).some((token) => token === 'trailers' || token.startsWith('trailers;'))) out['te'] = 'trailers';
  return out;
}
