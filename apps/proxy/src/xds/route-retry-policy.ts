import type { RetryPolicyInput } from '@meshkit/router';
import { enumValue, optionalInteger } from './cluster-values.js';
import { translateHeaderMatcher } from './header-matcher-translator.js';
import type { FieldReader } from './fields.js';

const PREVIOUS_HOSTS = 'envoy.retry_host_predicates.previous_hosts';
const PREVIOUS_HOSTS_TYPE = 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate';

// Retry fields with no runtime here, refused by name rather than ignored.
const NOT_YET: Readonly<Record<string, string>> = {
  retry_priority: 'is not supported by this proxy yet (retries use the cluster\'s own priority load)',
  retry_options_predicates: 'is not supported by this proxy yet',
};

/** Envoy's `RetryPolicy` (route or virtual host) as the router compiles it. */
export function translateRetryPolicy(policy: FieldReader): RetryPolicyInput {
  for (const field of Object.keys(NOT_YET)) if (policy.has(field)) policy.fail(field, NOT_YET[field] ?? 'is not supported by this proxy yet');
  policy.allowOnly(
    'retry_on', 'num_retries', 'per_try_timeout', 'per_try_idle_timeout', 'retry_back_off', 'retriable_status_codes',
    'retriable_headers', 'retriable_request_headers', 'rate_limited_retry_back_off', 'retry_host_predicate', 'host_selection_retry_max_attempts',
  );
  const out: RetryPolicyInput = { retryOn: policy.optionalString('retry_on') ?? '' };
  const numRetries = optionalInteger(policy, 'num_retries', 0);
  if (numRetries !== undefined) out.numRetries = numRetries;
  const perTry = policy.durationMs('per_try_timeout');
  if (perTry !== undefined) out.perTryTimeoutMs = perTry;
  const perTryIdle = policy.durationMs('per_try_idle_timeout');
  if (perTryIdle !== undefined) out.perTryIdleTimeoutMs = perTryIdle;
  const backOff = policy.optionalChild('retry_back_off');
  if (backOff !== undefined) {
    backOff.allowOnly('base_interval', 'max_interval');
    const base = backOff.durationMs('base_interval') ?? backOff.fail('base_interval', 'is required');
    const max = backOff.durationMs('max_interval');
    out.retryBackOff = max === undefined ? { baseIntervalMs: base } : { baseIntervalMs: base, maxIntervalMs: max };
  }
  if (policy.has('retriable_status_codes')) {
    // The router checks each is a status code, naming its index.
    const codes: unknown = policy.value['retriable_status_codes'];
    if (!Array.isArray(codes) || !codes.every((code) => typeof code === 'number')) policy.fail('retriable_status_codes', 'expected a list of HTTP status codes');
    out.retriableStatusCodes = codes;
  }
  if (policy.has('retriable_headers')) out.retriableHeaders = policy.children('retriable_headers').map(translateHeaderMatcher);
  if (policy.has('retriable_request_headers')) out.retriableRequestHeaders = policy.children('retriable_request_headers').map(translateHeaderMatcher);
  const rateLimited = policy.optionalChild('rate_limited_retry_back_off');
  if (rateLimited !== undefined) out.rateLimitedRetryBackOff = translateRateLimitedBackOff(rateLimited);
  if (policy.has('retry_host_predicate')) {
    for (const predicate of policy.children('retry_host_predicate')) {
      predicate.allowOnly('name', 'typed_config');
      const name = predicate.string('name');
      if (name !== PREVIOUS_HOSTS) predicate.fail('name', `${name} is not supported (only ${PREVIOUS_HOSTS} is)`);
      const typed = predicate.optionalChild('typed_config')?.allowOnly('@type');
      if (typed !== undefined && typed.string('@type') !== PREVIOUS_HOSTS_TYPE) typed.fail('@type', `expected ${PREVIOUS_HOSTS_TYPE}`);
      out.avoidPreviousHosts = true;
    }
  }
  const attempts = optionalInteger(policy, 'host_selection_retry_max_attempts', 1);
  if (attempts !== undefined) out.hostSelectionRetryMaxAttempts = attempts;
  return out;
}

/** Envoy's RateLimitedRetryBackOff: reset headers (SECONDS or UNIX_TIMESTAMP) and the longest wait honoured. */
function translateRateLimitedBackOff(backOff: FieldReader): NonNullable<RetryPolicyInput['rateLimitedRetryBackOff']> {
  backOff.allowOnly('reset_headers', 'max_interval');
  const resetHeaders = backOff.children('reset_headers').map((header) => {
    header.allowOnly('name', 'format');
    return { name: header.string('name'), format: enumValue(header, 'format', ['SECONDS', 'UNIX_TIMESTAMP'] as const, 'SECONDS') };
  });
  const maxIntervalMs = backOff.durationMs('max_interval');
  return maxIntervalMs === undefined ? { resetHeaders } : { resetHeaders, maxIntervalMs };
}
