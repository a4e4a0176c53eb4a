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

/** Copies `headers` for the next hop: no pseudo-headers, no hop-by-hop headers. */
export function forwardableHeaders(headers: HeaderMap): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const connectionTokens = headers['connection'];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || name.charCodeAt(0) === 58 /* ':' */ || HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  // Headers named by `Connection` are hop-by-hop too.
  if (typeof connectionTokens === 'string') {
    for (const token of connectionTokens.split(',')) delete out[token.trim().toLowerCase()];
  }
  return out;
}
