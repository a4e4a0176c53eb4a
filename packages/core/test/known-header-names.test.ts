import { describe, expect, it } from 'vitest';
import { lowerCaseHeaderName } from '../src/http1/known-header-names.js';

/** Calls it on `name` embedded in a longer line, as the parser does. */
function lowered(name: string): string {
  const line = `xx${name}: value`;
  return lowerCaseHeaderName(line, 2, 2 + name.length);
}

describe('lowerCaseHeaderName', () => {
  it('gives well-known names in any case as the one constant string', () => {
    for (const name of ['Content-Length', 'content-length', 'CONTENT-LENGTH', 'cOnTeNt-LeNgTh']) expect(lowered(name)).toBe('content-length');
    expect(lowered('Host')).toBe('host');
    expect(lowered('X-Request-Id')).toBe('x-request-id');
    expect(lowered('TE')).toBe('te');
  });

  it('lower-cases any other name, including ones sharing a known name’s length or prefix', () => {
    for (const name of ['X-Custom', 'Content-Lengths', 'Content-Lengt', 'Hosts', 'Hoss', 'x-b3-parentspanid', 'A']) {
      expect(lowered(name)).toBe(name.toLowerCase());
    }
  });

  it('does not treat non-letters as letters of another case', () => {
    // '@' and '`' sit one below 'A' and 'a'; '[' and '{' one above 'Z' and 'z'.
    expect(lowered('hos@')).toBe('hos@');
    expect(lowered('Hos[')).toBe('hos[');
    expect(lowered('hos{')).toBe('hos{');
  });
});
