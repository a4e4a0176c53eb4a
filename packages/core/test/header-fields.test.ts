import { describe, expect, it } from 'vitest';
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
