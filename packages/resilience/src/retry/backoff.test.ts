import { describe, expect, it } from 'vitest';
import { JitteredBackoff } from './backoff.js';

describe('JitteredBackoff', () => {
  it('draws each delay below (2^n - 1) x base, as Envoy documents (0-24, 0-74, 0-174 ms)', () => {
    const highest = new JitteredBackoff(25, 10_000, () => 0.999_999);
    expect([highest.nextDelayMs(), highest.nextDelayMs(), highest.nextDelayMs()]).toEqual([24, 74, 174]);
    const lowest = new JitteredBackoff(25, 10_000, () => 0);
    expect([lowest.nextDelayMs(), lowest.nextDelayMs()]).toEqual([0, 0]);
  });

  it('caps the ceiling at the max interval, 10 x base by default', () => {
    const backoff = new JitteredBackoff(100, undefined, () => 0.999_999);
    const delays = Array.from({ length: 6 }, () => backoff.nextDelayMs());
    expect(delays).toEqual([99, 299, 699, 999, 999, 999]);
    expect(backoff.attempts).toBe(6);
  });

  it('spreads delays over the whole range with a real random source', () => {
    const delays = Array.from({ length: 400 }, () => new JitteredBackoff(25).nextDelayMs());
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(25);
    expect(new Set(delays).size).toBeGreaterThan(15);
  });
});
