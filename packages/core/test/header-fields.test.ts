import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendHeaderLines } from '../src/http1/head-writer.js';
import { hasToken, isFieldValue, isToken } from '../src/http1/header-fields.js';
import type { HeaderFields } from '../src/header-map.js';
import { Http1ResponseParser } from '../src/http1/response-parser.js';

/** The fields a response head made of `lines` parses to (the parser is held to llhttp by the differential test). */
function parsedFields(lines: string): HeaderFields {
  let fields: HeaderFields = {};
  const parser = new Http1ResponseParser({ onHead: (head) => (fields = head.headers), onBody: () => undefined, onMessageEnd: () => undefined }, { maxHeadBytes: 65_536, maxHeaderFields: 1000 });
  parser.execute(Buffer.from(`HTTP/1.1 200 OK\r\n${lines}\r\n`, 'latin1'));
  return fields;
}

// Names and values from pieces that include every way of splitting a message or a field line.
const PIECES = ['a', 'X', '-', '1', ' ', '\t', ':', ';', '\r', '\n', '\r\n', '\0', '\x7f', '\xe9', '\u0100', '"', 'host', 'x: y'];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 6 }).map((parts) => parts.join(''));
const fieldMap = fc.dictionary(text, fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 })), { maxKeys: 6 });

describe('hasToken', () => {
  it('finds a token among comma-separated items, ignoring case and the whitespace around items', () => {
    expect(hasToken('close', 'close')).toBe(true);
    expect(hasToken('Keep-Alive', 'keep-alive')).toBe(true);
    expect(hasToken('TE, close', 'close')).toBe(true);
    expect(hasToken(' upgrade\t,keep-alive ', 'upgrade')).toBe(true);
    expect(hasToken(['foo', 'bar, Upgrade'], 'upgrade')).toBe(true);
  });

  it('does not match part of an item, an empty list or a missing header', () => {
    expect(hasToken('closed', 'close')).toBe(false);
    expect(hasToken('keep-alive', 'close')).toBe(false);
    expect(hasToken('clo se', 'close')).toBe(false);
    expect(hasToken(',,', 'close')).toBe(false);
    expect(hasToken('', 'close')).toBe(false);
    expect(hasToken(undefined, 'close')).toBe(false);
  });
});

describe('isToken and isFieldValue', () => {
  it('check a whole string and a range of one alike', () => {
    for (const [name, valid] of [['x-request-id', true], ["!#$%&'*+-.^_`|~09AZaz", true], ['', false], ['a b', false], ['a:b', false], ['é', false]] as const) {
      expect(isToken(name)).toBe(valid);
      expect(isToken(`(${name})`, 1, name.length + 1)).toBe(valid);
    }
    for (const [value, valid] of [['text/plain; q=0.5', true], ['tab\there', true], ['', true], ['caf\u00e9', true], ['a\r\nb', false], ['nul\0', false], ['del\x7f', false], ['\u0100', false]] as const) {
      expect(isFieldValue(value)).toBe(valid);
      expect(isFieldValue(`\n${value}\n`, 1, value.length + 1)).toBe(valid);
    }
  });
});

describe('appendHeaderLines', () => {
  it('writes each field and each item of a repeated one, skipping pseudo-headers and the names asked', () => {
    const head = appendHeaderLines('HTTP/1.1 200 OK\r\n', { ':status': '200', 'content-type': 'text/plain', 'set-cookie': ['a=1', 'b=2'], 'content-length': '3', gone: undefined }, new Set(['content-length']));
    expect(head).toBe('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n');
  });

  it('drops only the field that could split the message or change its meaning', () => {
    const flaws: Record<string, string | string[]>[] = [{ 'x-crlf': 'evil\r\ninjected: yes' }, { 'x-a: b': 'c' }, { 'x:y': 'z' }, { 'bad name': 'v' }, { 'x-nul': 'a\0' }, { 'x-list': ['no\nway'] }];
    for (const flaw of flaws) {
      expect(appendHeaderLines('0\r\n', { 'x-ok': 'kept', ...flaw, 'x-last': 'kept too' })).toBe('0\r\nx-ok: kept\r\nx-last: kept too\r\n');
    }
  });

  it('writes lines that parse back to exactly the fields with token names and clean values (fast-check)', () => {
    fc.assert(
      fc.property(fieldMap, (fields) => {
        const expected: HeaderFields = {};
        for (const [name, value] of Object.entries(fields)) {
          if (name.startsWith(':') || !isToken(name)) continue;
          for (const item of typeof value === 'string' ? [value] : value) {
            if (!isFieldValue(item)) continue;
            const lower = name.toLowerCase();
            const trimmed = item.replace(/^[ \t]+|[ \t]+$/g, '');
            const current = expected[lower];
            expected[lower] = current === undefined ? trimmed : [...(typeof current === 'string' ? [current] : current), trimmed];
          }
        }
        expect(parsedFields(appendHeaderLines('', fields))).toEqual(expected);
      }),
      { numRuns: 2_000, seed: 20_261_127 },
    );
  });
});
