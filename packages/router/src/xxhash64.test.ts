import { describe, expect, it } from 'vitest';
import { xxHash64 } from './xxhash64.js';

describe('xxHash64', () => {
  it('matches the published XXH64 test vectors', () => {
    expect(xxHash64('')).toBe(0xef46db3751d8e999n);
    expect(xxHash64('a')).toBe(0xd24ec4f1a98c6e5bn);
    expect(xxHash64('abc')).toBe(0x44bc2cf5ad770999n);
    expect(xxHash64('message digest')).toBe(0x066ed728fceeb3ben);
    expect(xxHash64('abcdefghijklmnopqrstuvwxyz')).toBe(0xcfe1f278fa89835cn);
  });

  it('covers the 32-byte stripe path and the seed', () => {
    // Expected values computed with an independent XXH64 implementation.
    const long = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    expect(xxHash64(long)).toBe(0xaaa46907d3047814n);
    expect(xxHash64('x'.repeat(100))).toBe(0x92f0de5a88a3c094n);
    expect(xxHash64('a', 1n)).not.toBe(xxHash64('a'));
  });
});
