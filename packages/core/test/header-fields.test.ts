import { describe, expect, it } from 'vitest';
import { appendHeaderLines } from '../src/http1/head-writer.js';
import { hasToken, isFieldValue, isToken } from '../src/http1/header-fields.js';

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
});
