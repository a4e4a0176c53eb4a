import { RetryConditions, RetryState, isRetryCondition } from '@meshkit/resilience';
import type { ResponseHeaderReader, RetryRules, UpstreamResetReason } from '@meshkit/resilience';
import type { RetryPolicy } from '@meshkit/router';
import type { Cluster, Endpoint } from '@meshkit/upstream';
import type { HeaderMap } from '../http-filter.js';

/** The retry policy's two clocks on an attempt: its whole duration, and its silences. */
export type PerTryTimeout = 'total' | 'idle';

/** What an attempt asks the router before it answers downstream or fails. */
export interface RetryGate {
  /** The attempt got response headers: true when the router retries instead (the attempt is dropped). */
  retryResponse(status: number, headers: HeaderMap): boolean;
  /** The attempt ended without a response: true when the router retries instead. */
  retryReset(reason: UpstreamResetReason): boolean;
}

// Route policies are compiled once per route table; their retry rules once per policy.
const rulesByPolicy = new WeakMap<RetryPolicy, RetryRules>();

function retryRulesFor(policy: RetryPolicy): RetryRules {
  let rules = rulesByPolicy.get(policy);
  if (rules === undefined) {
    // The router compiler already refused unknown conditions.
    const headerTests = policy.retriableHeaders.map((test) => (read: ResponseHeaderReader) => test.matchesHeaders(read));
    const conditions = new RetryConditions(policy.retryOn.filter(isRetryCondition), policy.retriableStatusCodes, headerTests);
    rules = { conditions, numRetries: policy.numRetries, baseIntervalMs: policy.baseIntervalMs, maxIntervalMs: policy.maxIntervalMs };
    if (policy.rateLimitedBackOff !== undefined) rules = { ...rules, rateLimitedBackOff: policy.rateLimitedBackOff };
    rulesByPolicy.set(policy, rules);
  }
  return rules;
}

/**
 * One request's retries under its route's `retry_policy`: the retry state (counted in the
 * cluster's retry stats, limited by its `max_retries` breaker) and the hosts tried so far.
 */
export class RouteRetries {
  readonly state: RetryState;
  readonly #tried: Endpoint[] = [];

  constructor(
    private readonly policy: RetryPolicy,
    readonly cluster: Cluster,
    private readonly hashKey: bigint | undefined,
  ) {
    this.state = new RetryState(retryRulesFor(policy), cluster.retryStats, cluster.retryBudget);
  }

  get perTryTimeoutMs(): number {
    return this.policy.perTryTimeoutMs ?? 0;
  }

  get perTryIdleTimeoutMs(): number {
    return this.policy.perTryIdleTimeoutMs ?? 0;
  }

  countPerTryTimeout(kind: PerTryTimeout): void {
    if (kind === 'total') this.cluster.retryStats.upstream_rq_per_try_timeout++;
    else this.cluster.retryStats.upstream_rq_per_try_idle_timeout++;
  }

  attempted(endpoint: Endpoint): void {
    this.#tried.push(endpoint);
  }

  /**
   * The endpoint for a retry. With Envoy's `previous_hosts` predicate, a pick of a host already
   * tried is made again, up to `host_selection_retry_max_attempts` times; the last pick stands.
   */
  pickEndpoint(): Endpoint | null {
    let endpoint = this.cluster.pick(this.hashKey);
    if (!this.policy.avoidPreviousHosts) return endpoint;
    for (let again = 0; again < this.policy.hostSelectionRetryMaxAttempts && endpoint !== null && this.#wasTried(endpoint); again++) {
      endpoint = this.cluster.pick(this.hashKey);
    }
    return endpoint;
  }

  #wasTried(endpoint: Endpoint): boolean {
    return this.#tried.some((tried) => tried.address === endpoint.address && tried.port === endpoint.port);
  }
}
