import { describe, expect, it } from 'vitest';
import { copyHeaderFields, newHeaderFields } from '../src/index.js';

describe('header maps', () => {
  it('inherit no properties: `constructor` is absent and `__proto__` is an ordinary field', () => {
    const headers = newHeaderFields();
    expect(headers['constructor']).toBeUndefined();
    expect('toString' in headers).toBe(false);
    headers['__proto__'] = ['a', 'b'];
    expect(Object.keys(headers)).toEqual(['__proto__']);
    expect(headers['0']).toBeUndefined();
  });

  it('copy every field but the one named, into a map that inherits nothing', () => {
    const from = newHeaderFields();
    from['host'] = 'a';
    from['__proto__'] = 'b';
    from['x'] = ['1', '2'];
    const copy = copyHeaderFields(from, 'host');
    expect(Object.keys(copy)).toEqual(['__proto__', 'x']);
    expect(copy['constructor']).toBeUndefined();
    expect(copy['x']).toBe(from['x']);
  });
});
