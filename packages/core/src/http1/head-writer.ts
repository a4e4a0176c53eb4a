import { STATUS_CODES } from 'node:http';
import { isFieldValue, isToken } from './header-fields.js';
import type { HeaderFields } from '../header-map.js';

const statusLines = new Map<number, string>();

/** `HTTP/1.1 200 OK\r\n`, built once per status. */
export function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n`;
    statusLines.set(status, line);
  }
  return line;
}

/**
 * Appends `name: value\r\n` for each field to `head`, skipping pseudo-headers (`:status`, `:path`…)
 * and the names in `skip` (those the caller writes itself, such as framing headers).
 * A field whose name is not a token or whose value holds CR, LF or another control character is
 * dropped: written out, it would let whoever set it split the message.
 */
// HOT PATH: once per message head.
export function appendHeaderLines(head: string, headers: HeaderFields, skip?: ReadonlySet<string>): string {
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || name.charCodeAt(0) === 0x3a /* ':' */ || skip?.has(name) === true || !isToken(name)) continue;
    if (typeof value === 'string') {
      if (isFieldValue(value)) head += `${name}: ${value}\r\n`;
    } else {
      for (const item of value) if (isFieldValue(item)) head += `${name}: ${item}\r\n`;
    }
  }
  return head;
}
