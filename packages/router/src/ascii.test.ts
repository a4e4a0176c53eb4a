import { describe, expect, it } from 'vitest';
import { includesIgnoreCase, isAsciiLowerCase, regionEqualsIgnoreCase, toAsciiLowerCase } from './ascii.js';

describe('ASCII case folding', () => {
  it('lower-cases ASCII letters only, as Envoy does', () => {
    expect(toAsciiLowerCase('Foo.EXAMPLE.com')).toBe('foo.example.com');
    // U+0130 would become 'i̇' under Unicode rules; ASCII folding leaves it alone.
    expect(toAsciiLowerCase('\u0130X')).toBe('\u0130x');
    expect(isAsciiLowerCase('ab-c:80')).toBe(true);
    expect(isAsciiLowerCase('abC', 2)).toBe(true);
    expect(isAsciiLowerCase('abC', 3)).toBe(false);
  });

  it('compares regions and substrings without case', () => {
    expect(regionEqualsIgnoreCase('/API/v1', 0, '/api')).toBe(true);
    expect(regionEqualsIgnoreCase('/API/v1', 4, '/v1')).toBe(true);
    expect(regionEqualsIgnoreCase('/API', 2, '/api')).toBe(false);
    expect(regionEqualsIgnoreCase('/API', -1, '/')).toBe(false);
    expect(includesIgnoreCase('text/HTML; charset', 'html')).toBe(true);
    expect(includesIgnoreCase('text/plain', 'html')).toBe(false);
    expect(includesIgnoreCase('abc', '')).toBe(true);
  });
});
