export { JitteredBackoff } from './retry/backoff.js';
export { RETRY_CONDITIONS, RetryConditions, isGrpcRetryCondition, isRetryCondition } from './retry/retry-conditions.js';
export type { ResponseHeaderReader, ResponseHeaderTest, RetryCondition, UpstreamResetReason } from './retry/retry-conditions.js';
export { RetryState } from './retry/retry-state.js';
export type { RateLimitedBackOff, RetryBudget, RetryRules, RetryStats, RetryVerdict } from './retry/retry-state.js';
