import { describe, expect, it } from 'vitest';
import { hasToken } from '../src/http1/header-fields.js';

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
