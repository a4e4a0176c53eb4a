import { describe, expect, it } from 'vitest';
import { regexLiteralPrefix } from './path-matcher.js';

describe('regexLiteralPrefix', () => {
  it.each([
    ['/api/v[0-9]+', '/api/v'],
    ['/api/v1/service-7/[a-z]+', '/api/v1/service-7/'],
    ['/a+b', '/'],
    ['/ap?i', '/a'],
    ['/a\\.b/.*', '/a.b/'],
    ['/a\\d', '/a'],
    ['/(a|b)/c', ''],
    ['(?i)/api', ''],
    ['.*', ''],
    ['/caf\u00e9', '/caf'],
    ['/x{2}', '/'],
    ['/exact', '/exact'],
  ])('%j starts every match with %j', (source, prefix) => {
    expect(regexLiteralPrefix(source)).toBe(prefix);
  });
});
