import { describe, expect, it } from 'vitest';
import { canonicalPath, mergeSlashes, normalizeRequestPath } from '../src/path-normalization.js';
import type { PathNormalizationOptions } from '../src/path-normalization.js';

describe('canonicalPath (normalize_path)', () => {
  it.each([
    ['/xyz', '/xyz'],
    ['/x/y/z', '/x/y/z'],
    ['/a/b/../c', '/a/c'],
    ['/a/b/./c', '/a/b/c'],
    ['a/b/../c', '/a/c'],
    ['/a/b/../../../../c', '/c'],
    ['/a/..\\c', '/c'],
    ['/%c0%af', '/%c0%af'],
    ['/%5c%25', '/%5c%25'],
    ['/a/b/%2E%2E/c', '/a/c'],
    ['/a/b/%2e%2e/c', '/a/c'],
    ['/a/b/%2E./c', '/a/c'],
    ['/a/b/%2E/c', '/a/b/c'],
    ['..', '/'],
    ['/../a/b', '/a/b'],
    ['/./a/b', '/a/b'],
    ['/A/B/C', '/A/B/C'],
    ['/a/%2F%2f/c', '/a/%2F%2f/c'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/a//b', '/a//b'],
    ['/', '/'],
    ['/%41%7e%2D', '/A~-'],
    ['/a b"<>`{}', '/a%20b%22%3C%3E%60%7B%7D'],
    ['/100%', '/100%'],
    ['/a/.well-known/b', '/a/.well-known/b'],
    ['/a/.../b', '/a/.../b'],
    ['/caf\u00e9', '/caf%E9'],
    ['/\u20ac', '/%E2%82%AC'],
    ['/\u{1F600}', '/%F0%9F%98%80'],
  ])('%s → %s', (input, expected) => {
    expect(canonicalPath(input)).toBe(expected);
  });

  it.each(['/xyz/.%00../abc', '/xyz/%00.%00./abc', '/xyz/AAAAA%%0000/abc', '/a\0b', '/a\ud800b'])('refuses %j (a NUL, half a surrogate pair)', (input) => {
    expect(canonicalPath(input)).toBeNull();
  });
});

describe('mergeSlashes', () => {
  it.each([
    ['/a//b/c/', '/a/b/c/'],
    ['//a/b/c', '/a/b/c'],
    ['/a/b/c//', '/a/b/c/'],
    ['/a////b/c', '/a/b/c'],
    ['/a', '/a'],
  ])('%s → %s', (input, expected) => {
    expect(mergeSlashes(input)).toBe(expected);
  });
});

describe('normalizeRequestPath (the connection manager)', () => {
  const options = (extra: Partial<PathNormalizationOptions> = {}): PathNormalizationOptions => ({ normalize: false, mergeSlashes: false, escapedSlashes: 'KEEP_UNCHANGED', ...extra });
  const run = (path: string, extra: Partial<PathNormalizationOptions>) => {
    const headers: Record<string, string> = { ':path': path };
    const verdict = normalizeRequestPath(headers, options(extra));
    return { verdict, path: headers[':path'] };
  };

  it('normalizes the path and leaves the query alone', () => {
    expect(run('/a/../b//c?x=/../y//z', { normalize: true, mergeSlashes: true })).toEqual({ verdict: 'continue', path: '/b/c?x=/../y//z' });
    expect(run('/a//b', { normalize: true })).toEqual({ verdict: 'continue', path: '/a//b' });
    expect(run('/a/../b', {})).toEqual({ verdict: 'continue', path: '/a/../b' });
  });

  it('rejects what cannot be normalized', () => {
    expect(run('/a/%00', { normalize: true }).verdict).toBe('reject');
  });

  it('handles escaped slashes by path_with_escaped_slashes_action', () => {
    expect(run('/a%2Fb%5cc', {})).toEqual({ verdict: 'continue', path: '/a%2Fb%5cc' });
    expect(run('/a%2Fb', { escapedSlashes: 'REJECT_REQUEST' }).verdict).toBe('reject');
    expect(run('/a/b', { escapedSlashes: 'REJECT_REQUEST' }).verdict).toBe('continue');
    expect(run('/a%2Fb%5cc', { escapedSlashes: 'UNESCAPE_AND_FORWARD' })).toEqual({ verdict: 'continue', path: '/a/b\\c' });
    // With normalize_path the unescaped backslash is a separator too.
    expect(run('/x%2F..%5Cy', { escapedSlashes: 'UNESCAPE_AND_FORWARD', normalize: true })).toEqual({ verdict: 'continue', path: '/y' });
    expect(run('/a%2f%2fb?q=%2F', { escapedSlashes: 'UNESCAPE_AND_REDIRECT', mergeSlashes: true })).toEqual({ verdict: 'redirect', path: '/a/b?q=%2F' });
  });

  it('leaves asterisk-form and absolute-form targets alone', () => {
    expect(run('*', { normalize: true })).toEqual({ verdict: 'continue', path: '*' });
  });
});
