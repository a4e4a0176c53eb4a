import { describe, expect, it } from 'vitest';
import { RetryConditions } from './retry-conditions.js';
import { RetryState } from './retry-state.js';
import type { RetryBudget, RetryRules, RetryStats } from './retry-state.js';

const noHeaders = (): undefined => undefined;

function rules(numRetries: number): RetryRules {
  return { conditions: new RetryConditions(['5xx']), numRetries, baseIntervalMs: 25, maxIntervalMs: 250 };
}

function stats(): RetryStats {
  return { upstream_rq_retry: 0, upstream_rq_retry_success: 0, upstream_rq_retry_overflow: 0, upstream_rq_retry_limit_exceeded: 0 };
}

/** Envoy's max_retries breaker: `limit` retries in flight at once. */
class CountingBudget implements RetryBudget {
  inUse = 0;
  constructor(private readonly limit: number) {}
  tryAcquire(): boolean {
    if (this.inUse >= this.limit) return false;
    this.inUse++;
    return true;
  }
  release(): void {
    this.inUse--;
  }
}

describe('RetryState', () => {
  it('grants retries until none are left, then reports the limit (URX)', () => {
    const counters = stats();
    const state = new RetryState(rules(2), counters);
    expect(state.onResponse(503, noHeaders)).toBe('retry');
    expect(state.onReset('reset')).toBe('retry');
    expect(state.onResponse(500, noHeaders)).toBe('limit-exceeded');
    expect(state.retries).toBe(2);
    expect(counters).toEqual({ upstream_rq_retry: 2, upstream_rq_retry_success: 0, upstream_rq_retry_overflow: 0, upstream_rq_retry_limit_exceeded: 1 });
  });

  it('counts a retry whose outcome needs no further retry as a success', () => {
    const counters = stats();
    const state = new RetryState(rules(3), counters);
    expect(state.onResponse(503, noHeaders)).toBe('retry');
    expect(state.onResponse(200, noHeaders)).toBe('no');
    expect(counters.upstream_rq_retry_success).toBe(1);
    // A first attempt that succeeds was never retried: no success counted.
    const fresh = stats();
    expect(new RetryState(rules(3), fresh).onResponse(200, noHeaders)).toBe('no');
    expect(fresh.upstream_rq_retry_success).toBe(0);
  });

  it('holds a budget slot from a granted retry until its outcome, and reports overflow when none is free', () => {
    const budget = new CountingBudget(1);
    const counters = stats();
    const first = new RetryState(rules(2), counters, budget);
    const second = new RetryState(rules(2), counters, budget);
    expect(first.onResponse(503, noHeaders)).toBe('retry');
    expect(budget.inUse).toBe(1);
    expect(second.onResponse(503, noHeaders)).toBe('overflow');
    expect(counters.upstream_rq_retry_overflow).toBe(1);
    // The retried attempt answers: its slot comes back, and another request may retry.
    expect(first.onResponse(200, noHeaders)).toBe('no');
    expect(budget.inUse).toBe(0);
    expect(second.onResponse(503, noHeaders)).toBe('retry');
    second.finish();
    second.finish();
    expect(budget.inUse).toBe(0);
  });

  it('never retries an outcome its conditions do not name, and never an overflow', () => {
    const state = new RetryState(rules(5), stats());
    expect(state.onResponse(404, noHeaders)).toBe('no');
    expect(state.onReset('overflow')).toBe('no');
    expect(state.remaining).toBe(5);
  });

  it('backs off longer on each retry, within the rules', () => {
    const state = new RetryState(rules(3), stats(), undefined, () => 0.999_999);
    expect([state.backoffMs(), state.backoffMs(), state.backoffMs(), state.backoffMs()]).toEqual([24, 74, 174, 249]);
  });
  it("waits what a rate-limited response asks (Envoy's rate_limited_retry_back_off), within the limit", () => {
    const rateLimited: RetryRules = {
      conditions: new RetryConditions(['retriable-status-codes'], [429]),
      numRetries: 5,
      baseIntervalMs: 25,
      maxIntervalMs: 250,
      rateLimitedBackOff: {
        resetHeaders: [
          { name: 'Retry-After', format: 'SECONDS' },
          { name: 'X-RateLimit-Reset', format: 'UNIX_TIMESTAMP' },
        ],
        maxIntervalMs: 60_000,
      },
    };
    const answer =
      (map: Record<string, string>) =>
      (name: string): string | undefined =>
        map[name];
    const state = new RetryState(rateLimited, stats(), undefined, () => 0.5);
    expect(state.onResponse(429, answer({ 'retry-after': '2' }))).toBe('retry');
    // Jittered up to half again: 2 s + 0.5 × 1 s.
    expect(state.backoffMs()).toBe(2500);
    const inTenSeconds = String(Math.ceil(Date.now() / 1000) + 10);
    expect(state.onResponse(429, answer({ 'retry-after': 'soon', 'x-ratelimit-reset': inTenSeconds }))).toBe('retry');
    expect(state.backoffMs()).toBeGreaterThan(8000);
    // Past max_interval, or nothing to read: the exponential back-off applies.
    expect(state.onResponse(429, answer({ 'retry-after': '600' }))).toBe('retry');
    expect(state.backoffMs()).toBeLessThan(250);
    expect(state.onReset('reset')).toBe('no');
  });
});
