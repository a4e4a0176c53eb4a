import { JitteredBackoff } from './backoff.js';
import type { ResponseHeaderReader, RetryConditions, UpstreamResetReason } from './retry-conditions.js';

/**
 * What one request may retry: its conditions, how many times, and how long to back off.
 * Compiled once per route; each request makes its own `RetryState` from it.
 */
export interface RetryRules {
  readonly conditions: RetryConditions;
  readonly numRetries: number;
  /** Envoy's default: 25 ms. */
  readonly baseIntervalMs: number;
  /** Envoy's default: 10 × base. */
  readonly maxIntervalMs: number;
  /**
   * Envoy's `rate_limited_retry_back_off`: response headers saying when to come back, tried in
   * order; the first that parses (and is within `maxIntervalMs`) sets the back-off instead.
   */
  readonly rateLimitedBackOff?: RateLimitedBackOff;
}

export interface RateLimitedBackOff {
  readonly resetHeaders: readonly { readonly name: string; readonly format: 'SECONDS' | 'UNIX_TIMESTAMP' }[];
  /** Longer waits than this are not honoured (the usual back-off applies). Envoy's default: 300 s. */
  readonly maxIntervalMs: number;
}

/**
 * Retries in flight across all requests to one upstream (Envoy's `max_retries` circuit breaker):
 * a retry takes one when granted and gives it back once its outcome is known.
 */
export interface RetryBudget {
  tryAcquire(): boolean;
  release(): void;
}

/** Envoy's retry counters, which a cluster's stats object can carry as they are. */
export interface RetryStats {
  upstream_rq_retry: number;
  upstream_rq_retry_success: number;
  upstream_rq_retry_overflow: number;
  upstream_rq_retry_limit_exceeded: number;
}

/**
 * - `retry`: back off `backoffMs()`, then send the request again.
 * - `no`: the outcome stands; nothing asked for a retry.
 * - `limit-exceeded`: a retry was wanted but none are left (Envoy's `URX` flag).
 * - `overflow`: a retry was wanted but the budget is spent (Envoy's `UO` flag).
 */
export type RetryVerdict = 'retry' | 'no' | 'limit-exceeded' | 'overflow';

/**
 * One request's retries, as Envoy's router keeps them: each attempt's outcome is judged against
 * the conditions, the retries left and the shared budget, and a granted retry waits a jittered
 * exponential back-off (or what a rate-limited response asked). Call `finish()` when the request
 * ends so a held budget slot is returned.
 */
export class RetryState {
  #remaining: number;
  /** A retry was granted and its outcome is not judged yet (it holds a budget slot). */
  #retrying = false;
  readonly #backoff: JitteredBackoff;
  /** What the last retried response asked the client to wait (rate-limited back-off), if anything. */
  #resetIntervalMs: number | undefined;
  readonly #random: () => number;

  constructor(
    private readonly rules: RetryRules,
    private readonly stats: RetryStats,
    private readonly budget?: RetryBudget,
    random: () => number = Math.random,
  ) {
    this.#remaining = rules.numRetries;
    this.#backoff = new JitteredBackoff(rules.baseIntervalMs, rules.maxIntervalMs, random);
    this.#random = random;
  }

  /** Retries not used yet. */
  get remaining(): number {
    return this.#remaining;
  }

  /** How many retries were granted so far. */
  get retries(): number {
    return this.rules.numRetries - this.#remaining;
  }

  /** An attempt got a response with these headers. */
  onResponse(status: number, header: ResponseHeaderReader): RetryVerdict {
    const verdict = this.#judge(this.rules.conditions.retriesResponse(status, header));
    this.#resetIntervalMs = verdict === 'retry' ? this.#resetInterval(header) : undefined;
    return verdict;
  }

  /** An attempt ended without a response. */
  onReset(reason: UpstreamResetReason): RetryVerdict {
    this.#resetIntervalMs = undefined;
    return this.#judge(this.rules.conditions.retriesReset(reason));
  }

  /**
   * The delay before the retry just granted: what a rate-limited response asked for, jittered
   * up to half again (Envoy's lower-bound jitter), else the exponential back-off.
   */
  backoffMs(): number {
    const asked = this.#resetIntervalMs;
    if (asked === undefined) return this.#backoff.nextDelayMs();
    return asked + Math.floor(this.#random() * (asked / 2));
  }

  /** The first reset header that parses to a wait within the limit, in milliseconds. */
  #resetInterval(header: ResponseHeaderReader): number | undefined {
    const limits = this.rules.rateLimitedBackOff;
    if (limits === undefined) return undefined;
    for (const { name, format } of limits.resetHeaders) {
      const value = header(name.toLowerCase());
      if (value === undefined || !/^\d+$/.test(value.trim())) continue;
      const seconds = Number(value.trim());
      const ms = format === 'SECONDS' ? seconds * 1000 : seconds * 1000 - Date.now();
      // Envoy honours only waits above a millisecond and within max_interval.
      if (ms > 1 && ms <= limits.maxIntervalMs) return ms;
    }
    return undefined;
  }

  /** The request is over: gives back a budget slot a granted retry still holds. */
  finish(): void {
    if (!this.#retrying) return;
    this.#retrying = false;
    this.budget?.release();
  }

  #judge(wanted: boolean): RetryVerdict {
    // A retried attempt whose outcome needs no further retry is a retry that worked.
    if (this.#retrying && !wanted) this.stats.upstream_rq_retry_success++;
    this.finish();
    if (!wanted) return 'no';
    if (this.#remaining === 0) {
      this.stats.upstream_rq_retry_limit_exceeded++;
      return 'limit-exceeded';
    }
    this.#remaining--;
    if (this.budget !== undefined && !this.budget.tryAcquire()) {
      this.stats.upstream_rq_retry_overflow++;
      return 'overflow';
    }
    this.#retrying = true;
    this.stats.upstream_rq_retry++;
    return 'retry';
  }
}
