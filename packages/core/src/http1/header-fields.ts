import { Http1ParseError } from './errors.js';
import type { HeaderFields } from '../header-map.js';
import { equalsLower, lowerCaseHeaderName } from './known-header-names.js';

// RFC 9110's character classes, written once: tchar (methods and header names) and the characters
// of a field value (HTAB, visible ASCII, SP and obs-text; no CTLs).
const TCHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
const VALUE_CHAR = '[\\t\\x20-\\x7e\\x80-\\xff]';

/** A character class as a table, for loops over a range: 1 for each code below 256 in the class. */
function classTable(charClass: string): Uint8Array {
  const one = new RegExp(`^${charClass}$`);
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) table[c] = one.test(String.fromCharCode(c)) ? 1 : 0;
  return table;
}
const TOKEN = classTable(TCHAR);
const FIELD_VALUE = classTable(VALUE_CHAR);

const SP = 0x20;
const HTAB = 0x09;

/** True when the character code may appear in a token. */
export function isTokenCode(c: number): boolean {
  return c < 256 && TOKEN[c] === 1;
}

// Whole strings are checked by the regular expression engine, in native code: a field's name and
// value are checked this way each time a head is written.
const WHOLE_TOKEN = new RegExp(`^${TCHAR}+$`);
const WHOLE_FIELD_VALUE = new RegExp(`^${VALUE_CHAR}*$`);

/** True when `text[from, to)` is a non-empty RFC 9110 token. */
export function isToken(text: string, from = 0, to = text.length): boolean {
  if (from === 0 && to === text.length) return WHOLE_TOKEN.test(text);
  if (from >= to) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c > 255 || TOKEN[c] === 0) return false;
  }
  return true;
}

/** True when every character may appear in a field value: HTAB, visible ASCII, SP and obs-text; no CTLs. */
export function isFieldValue(text: string, from = 0, to = text.length): boolean {
  if (from === 0 && to === text.length) return WHOLE_FIELD_VALUE.test(text);
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c > 255 || FIELD_VALUE[c] === 0) return false;
  }
  return true;
}

function fail(reason: string): never {
  throw new Http1ParseError('http1.invalid_characters', reason);
}

/**
 * A well-formed field line: a token name, the colon, a value of HTAB, visible ASCII, SP and
 * obs-text, the CRLF. The regular expression engine checks a line in one pass of native code,
 * faster than a loop over its characters in JavaScript; a line it rejects is read again by that
 * loop, which says what is wrong with it.
 */
const FIELD_LINE = new RegExp(`${TCHAR}+:${VALUE_CHAR}*\\r\\n`, 'y');

/**
 * Parses `name: value` lines of `head` (a latin1 string whose lines end in CRLF) from `from` up to
 * `end` (the start of the blank line) into `into`. Strict as a proxy must be: no obs-fold, no
 * whitespace before the colon, token names, no control characters in values. A name that repeats
 * becomes an array. Returns how many fields it read.
 */
// HOT PATH: once per message head; one substring per value and per name not well known.
export function parseHeaderFields(head: string, from: number, end: number, into: HeaderFields, maxFields: number): number {
  let count = 0;
  let line = from;
  while (line < end) {
    FIELD_LINE.lastIndex = line;
    if (FIELD_LINE.test(head) && FIELD_LINE.lastIndex <= end) {
      const next = FIELD_LINE.lastIndex;
      const colon = head.indexOf(':', line);
      addValue(into, head, line, colon, colon + 1, next - 2);
      line = next;
    } else {
      line = parseCheckedLine(head, line, end, into);
    }
    if (++count > maxFields) throw new Http1ParseError('http1.too_many_headers', 'too many headers', 431);
  }
  return count;
}

/** Reads one field line character by character, failing with what is wrong; returns where the next line starts. */
function parseCheckedLine(head: string, line: number, end: number, into: HeaderFields): number {
  let eol = head.indexOf('\r\n', line);
  if (eol === -1 || eol > end) eol = end;
  const first = head.charCodeAt(line);
  if (first === SP || first === HTAB) fail('obs-fold or whitespace before a header name');
  const colon = head.indexOf(':', line);
  if (colon === -1 || colon >= eol) fail('a header line without a colon');
  if (!isToken(head, line, colon)) fail('an invalid header name');
  if (!isFieldValue(head, colon + 1, eol)) fail('a control character in a header value');
  addValue(into, head, line, colon, colon + 1, eol);
  return eol + 2;
}

/** Adds the field named by `head[line, colon)` with the value `head[valueStart, valueEnd)` less surrounding whitespace. */
function addValue(into: HeaderFields, head: string, line: number, colon: number, valueStart: number, valueEnd: number): void {
  while (valueStart < valueEnd && isWhitespace(head.charCodeAt(valueStart))) valueStart++;
  while (valueEnd > valueStart && isWhitespace(head.charCodeAt(valueEnd - 1))) valueEnd--;
  addField(into, lowerCaseHeaderName(head, line, colon), head.slice(valueStart, valueEnd));
}

function isWhitespace(c: number): boolean {
  return c === SP || c === HTAB;
}

function addField(into: HeaderFields, name: string, value: string): void {
  const current = into[name];
  if (current === undefined) into[name] = value;
  else if (typeof current === 'string') into[name] = [current, value];
  else current.push(value);
}

/**
 * True when a comma-separated header (possibly repeated) lists `token` (lower-case), ignoring case
 * and the whitespace around items. Read in place: every response's `connection: keep-alive` passes here.
 */
export function hasToken(value: string | string[] | undefined, token: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'string') return value.some((item) => hasToken(item, token));
  let start = 0;
  while (start <= value.length) {
    let end = value.indexOf(',', start);
    if (end === -1) end = value.length;
    let from = start;
    let to = end;
    while (from < to && isWhitespace(value.charCodeAt(from))) from++;
    while (to > from && isWhitespace(value.charCodeAt(to - 1))) to--;
    if (equalsLower(value, from, to, token)) return true;
    start = end + 1;
  }
  return false;
}
