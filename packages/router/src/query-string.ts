const PERCENT = 37;
const utf8 = new TextDecoder('utf-8');

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 32;
  if (lower >= 97 && lower <= 102) return lower - 87;
  return -1;
}

/**
 * Percent-decodes as Envoy's query parser does: `%XX` becomes its byte, a malformed escape stays
 * as written (never throws, unlike decodeURIComponent), and `+` is left alone.
 */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text;
  let out = '';
  let bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const high = text.charCodeAt(i) === PERCENT ? hexValue(text.charCodeAt(i + 1)) : -1;
    const low = high >= 0 ? hexValue(text.charCodeAt(i + 2)) : -1;
    if (low >= 0) {
      bytes.push(high * 16 + low);
      i += 2;
      continue;
    }
    if (bytes.length > 0) {
      out += utf8.decode(Uint8Array.from(bytes));
      bytes = [];
    }
    out += text[i] ?? '';
  }
  if (bytes.length > 0) out += utf8.decode(Uint8Array.from(bytes));
  return out;
}

/**
 * The query parameters of `query` (the text after `?`, without a fragment): decoded names mapped
 * to their first decoded value (raw when `decode` is false); a parameter without `=` has the value `''`.
 */
export function parseQueryParameters(query: string, decode = true): Map<string, string> {
  const params = new Map<string, string>();
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    if (end > start) {
      const part = query.slice(start, end);
      const equals = part.indexOf('=');
      const rawName = equals === -1 ? part : part.slice(0, equals);
      const rawValue = equals === -1 ? '' : part.slice(equals + 1);
      const name = decode ? percentDecode(rawName) : rawName;
      const value = decode ? percentDecode(rawValue) : rawValue;
      if (!params.has(name)) params.set(name, value);
    }
    start = end + 1;
  }
  return params;
}
