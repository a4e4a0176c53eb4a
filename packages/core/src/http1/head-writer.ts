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

function isAsciiLetter(c: number): boolean {
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x7a;
}

/** `content-type` → `Content-Type`: each letter first or after a character that is not a letter, upper-cased. */
function properCaseName(name: string): string {
  let out = '';
  let capitalize = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const letter = isAsciiLetter(c);
    out += capitalize && letter ? String.fromCharCode(c & ~0x20) : name[i];
    capitalize = !letter;
  }
  return out;
}

/**
 * `head` (a start line, field lines and the blank line, each ending in CRLF; a body after it is left
 * alone) with its field names in proper case, as Envoy's `header_key_format.proper_case_words`
 * writes HTTP/1.1 for peers that expect it: `Content-Type`, `X-B3-Traceid`, and `Te` for `te`.
 */
export function properCaseFieldNames(head: string): string {
  const lines = head.split('\r\n');
  for (let i = 1; i < lines.length && lines[i] !== ''; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon > 0) lines[i] = properCaseName(line.slice(0, colon)) + line.slice(colon);
  }
  return lines.join('\r\n');
}
