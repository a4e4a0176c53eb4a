import { describe, expect, it } from 'vitest';
import { compileSafeRegex, findNonPortableConstruct } from './safe-regex.js';

function compiled(source: string): RegExp {
  const result = compileSafeRegex(source);
  if (!result.ok) throw new Error(`expected ${source} to compile: ${result.problem}`);
  return result.regex;
}

describe('compileSafeRegex', () => {
  it('anchors the expression so it must match the whole input', () => {
    const regex = compiled('/api/v[0-9]+');
    expect(regex.test('/api/v12')).toBe(true);
    expect(regex.test('/api/v12/users')).toBe(false);
    expect(regex.test('/x/api/v1')).toBe(false);
  });

  it('anchors every alternative, not just the first and last', () => {
    const regex = compiled('/a|/b');
    expect(regex.test('/a')).toBe(true);
    expect(regex.test('/b')).toBe(true);
    expect(regex.test('/ab')).toBe(false);
    expect(regex.test('x/b')).toBe(false);
  });

  it('refuses an unbalanced expression that a wrapping group would have balanced', () => {
    const result = compileSafeRegex('a)|(b');
    expect(result.ok).toBe(false);
  });

  it('refuses what RE2 refuses', () => {
    expect(findNonPortableConstruct('(a)\\1')).toMatch(/backreference/);
    expect(findNonPortableConstruct('(?<n>a)\\k<n>')).toMatch(/named backreference/);
    expect(findNonPortableConstruct('/a(?=b)')).toMatch(/lookahead/);
    expect(findNonPortableConstruct('/a(?!b)')).toMatch(/lookahead/);
    expect(findNonPortableConstruct('(?<=a)b')).toMatch(/lookbehind/);
    expect(findNonPortableConstruct('(?<!a)b')).toMatch(/lookbehind/);
    expect(compileSafeRegex('/a(?=b)')).toMatchObject({ ok: false, problem: expect.stringMatching(/RE2/) as unknown });
  });

  it('accepts look-alikes that are literal or portable', () => {
    expect(findNonPortableConstruct('[(?=]x')).toBeUndefined();
    expect(findNonPortableConstruct('\\(?=')).toBeUndefined();
    expect(findNonPortableConstruct('(?:a|b)\\d\\0')).toBeUndefined();
    expect(findNonPortableConstruct('(?<name>a)')).toBeUndefined();
    expect(findNonPortableConstruct('[\\]](?=a)')).toMatch(/lookahead/);
  });

  it('reports syntax errors with their cause, and refuses an empty expression', () => {
    const bad = compileSafeRegex('/a[');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problem).toMatch(/^invalid regex/);
      expect(bad.cause).toBeInstanceOf(SyntaxError);
    }
    expect(compileSafeRegex('')).toEqual({ ok: false, problem: 'regex must not be empty' });
  });
});
