import { RE2JSSyntaxException } from 're2js';
import { describe, expect, it } from 'vitest';
import { compileSafeRegex, compileSubstitution } from './safe-regex.js';
import type { SafeRegex } from './safe-regex.js';

function compiled(source: string): SafeRegex {
  const result = compileSafeRegex(source);
  if (!result.ok) throw new Error(`expected ${source} to compile: ${result.problem}`);
  return result.regex;
}

describe('compileSafeRegex', () => {
  it('must match the whole input, every alternative included', () => {
    const regex = compiled('/api/v[0-9]+');
    expect(regex.fullMatch('/api/v12')).toBe(true);
    expect(regex.fullMatch('/api/v12/users')).toBe(false);
    expect(regex.fullMatch('/x/api/v1')).toBe(false);
    const alternatives = compiled('/a|/b');
    expect(alternatives.fullMatch('/b')).toBe(true);
    expect(alternatives.fullMatch('/ab')).toBe(false);
  });

  it.each([['(a)\\1'], ['(?<n>a)\\k<n>'], ['/a(?=b)'], ['/a(?!b)'], ['(?<=a)b'], ['(?<!a)b'], ['a)|(b'], ['/a['], ['a{1001}']])(
    'refuses %j as RE2 does',
    (source) => {
      const result = compileSafeRegex(source);
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.problem).toMatch(/^invalid RE2 regex/);
        expect(result.cause).toBeInstanceOf(RE2JSSyntaxException);
      }
    },
  );

  it('accepts RE2 syntax that JavaScript lacks', () => {
    expect(compiled('(?i)/API').fullMatch('/api')).toBe(true);
    expect(compiled('(?P<version>v\\d)').fullMatch('v2')).toBe(true);
    expect(compiled('\\pN+').fullMatch('123')).toBe(true);
    expect(compiled('[[:alpha:]]+').fullMatch('abc')).toBe(true);
    expect(compiled('\\Qa.b\\E').fullMatch('axb')).toBe(false);
  });

  it('refuses an empty expression', () => {
    expect(compileSafeRegex('')).toEqual({ ok: false, problem: 'regex must not be empty' });
  });

  it('stays linear on patterns that make a backtracking engine explode', () => {
    // On a backtracking engine each of these takes exponential time in the input length.
    const cases: [string, string][] = [
      ['(a+)+$', `${'a'.repeat(50_000)}b`],
      ['(a|aa)+', `${'a'.repeat(50_000)}!`],
      ['(.*a){20}', `${'a'.repeat(5_000)}b`],
      ['(x+x+)+y', 'x'.repeat(50_000)],
    ];
    for (const [source, input] of cases) {
      const started = performance.now();
      expect(compiled(source).fullMatch(input)).toBe(false);
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });
});

describe('compileSubstitution and replaceAll', () => {
  it('replaces every match with groups, as RE2::GlobalReplace', () => {
    const regex = compiled('^/service/([^/]+)(/.*)$');
    const pieces = compileSubstitution('\\2/instance/\\1', regex.groupCount);
    if (!pieces.ok) throw new Error(pieces.problem);
    expect(regex.replaceAll('/service/foo/v1/api', pieces.pieces)).toBe('/v1/api/instance/foo');
    const dashes = compiled('-');
    const literal = compileSubstitution('\\\\$1', 0);
    if (!literal.ok) throw new Error(literal.problem);
    expect(dashes.replaceAll('a-b-c', literal.pieces)).toBe('a\\$1b\\$1c');
  });

  it('refuses a group the regex lacks and unknown escapes', () => {
    expect(compileSubstitution('\\2', 1)).toMatchObject({ ok: false, problem: expect.stringMatching(/1 group/) as unknown });
    expect(compileSubstitution('\\n', 0)).toMatchObject({ ok: false });
    expect(compileSubstitution('\\0x', 0)).toMatchObject({ ok: true, pieces: ['', 0, 'x'] });
  });
});
