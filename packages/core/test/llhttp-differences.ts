import type { HeaderFields } from '../src/http1/index.js';

// What the differential tests share: node's fields in the parsers' form, and the framing where
// RFC 9112 allows whitespace and llhttp does not. The proxy writes its own framing upstream and
// downstream, so the peer on the other side sees neither kind of whitespace.

/** node's `rawHeaders` in the parsers' form: lower-case names, a repeated name as an array. */
export function fieldsOf(rawHeaders: readonly string[]): HeaderFields {
  const fields: HeaderFields = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    const current = fields[name];
    fields[name] = current === undefined ? value : [...(typeof current === 'string' ? [current] : current), value];
  }
  return fields;
}

/** A tab around a Content-Length or Transfer-Encoding value: RFC 9110 §5.5 trims it, llhttp keeps it. */
export function hasTabInFramingField(input: string): boolean {
  return /(content-length|transfer-encoding):[^\r\n]*\t/i.test(input);
}

/** Spaces or tabs between a chunk size and its extension's `;`: RFC 9112 §7.1.1's BWS, refused by llhttp. */
export function hasWhitespaceBeforeChunkExtension(input: string): boolean {
  return /\r\n[0-9a-f]+[ \t]+;/i.test(input);
}
