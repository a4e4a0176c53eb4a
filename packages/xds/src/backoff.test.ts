import { describe, expect, it } from 'vitest';
import { ExponentialBackoff } from './backoff.js';

describe('ExponentialBackoff', () => {
  it('grows exponentially within [step/2, step] and never exceeds the cap', () => {
    const low = new ExponentialBackoff({ initialDelayMs: 100, maxDelayMs: 1_000 }, () => 0);
    const high = new ExponentialBackoff({ initialDelayMs: 100, maxDelayMs: 1_000 }, () => 1);
    expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
    expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('jitters, and starts over after reset', () => {
    const backoff = new ExponentialBackoff({ initialDelayMs: 1_000 });
    const delays = new Set(Array.from({ length: 20 }, () => (backoff.reset(), backoff.next())));
    expect(delays.size).toBeGreaterThan(1);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(500);
    for (const delay of delays) expect(delay).toBeLessThanOrEqual(1_000);
  });
});
