import { toAsciiLowerCase } from './ascii.js';
import type { CorsPolicyInput, HashPolicyInput, RequestMirrorPolicyInput, RetryPolicyInput } from './route-action-input.js';
import { compileHeaderMatcher } from './header-matcher.js';
import type { CorsPolicy, HashPolicy, HeaderTest, RequestMirrorPolicy, RetryPolicy, RuntimeFraction } from './route-policies.js';
import { compileRuntimeFraction } from './runtime-fraction.js';
import { compileStringMatcher } from './string-matcher.js';
import type { MatcherProblem, StringMatcher } from './string-matcher.js';

// Each compiler validates one policy and returns a frozen description, or the first problem
// with its field relative to the policy.

type Result<T> = { ok: true; value: T } | MatcherProblem;

const RETRY_ON = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  // gRPC status conditions (Envoy's x-envoy-retry-grpc-on)
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);
const DEFAULT_BASE_INTERVAL_MS = 25;
const DEFAULT_RATE_LIMITED_MAX_INTERVAL_MS = 300_000;

function nonNegativeMs(value: number | undefined, field: string): MatcherProblem | undefined {
  if (value === undefined || (Number.isFinite(value) && value >= 0)) return undefined;
  return { ok: false, field, problem: `must be a finite number of milliseconds >= 0, not ${value}` };
}

export function compileRetryPolicy(input: RetryPolicyInput): Result<RetryPolicy> {
  const retryOn = input.retryOn.split(',').map((condition) => condition.trim()).filter((condition) => condition.length > 0);
  const unknown = retryOn.find((condition) => !RETRY_ON.has(condition));
  if (unknown !== undefined) return { ok: false, field: '.retryOn', problem: `unknown retry condition '${unknown}'` };
  const numRetries = input.numRetries ?? 1;
  if (!Number.isInteger(numRetries) || numRetries < 0) return { ok: false, field: '.numRetries', problem: `must be an integer >= 0, not ${numRetries}` };
  const badTimeout = nonNegativeMs(input.perTryTimeoutMs, '.perTryTimeoutMs') ?? nonNegativeMs(input.perTryIdleTimeoutMs, '.perTryIdleTimeoutMs');
  if (badTimeout !== undefined) return badTimeout;
  const baseIntervalMs = input.retryBackOff?.baseIntervalMs ?? DEFAULT_BASE_INTERVAL_MS;
  if (!Number.isFinite(baseIntervalMs) || baseIntervalMs <= 0) {
    return { ok: false, field: '.retryBackOff.baseIntervalMs', problem: `must be greater than 0, not ${baseIntervalMs}` };
  }
  const maxIntervalMs = input.retryBackOff?.maxIntervalMs ?? baseIntervalMs * 10;
  if (!Number.isFinite(maxIntervalMs) || maxIntervalMs < baseIntervalMs) {
    return { ok: false, field: '.retryBackOff.maxIntervalMs', problem: `must be at least baseIntervalMs (${baseIntervalMs}), not ${maxIntervalMs}` };
  }
  const codes = input.retriableStatusCodes ?? [];
  const badCode = codes.findIndex((code) => !Number.isInteger(code) || code < 100 || code > 599);
  if (badCode !== -1) return { ok: false, field: `.retriableStatusCodes[${badCode}]`, problem: `must be an HTTP status 100-599, not ${codes[badCode]}` };
  const headerTests: HeaderTest[][] = [];
  for (const field of ['retriableHeaders', 'retriableRequestHeaders'] as const) {
    const compiled: HeaderTest[] = [];
    for (const [i, header] of (input[field] ?? []).entries()) {
      const result = compileHeaderMatcher(header);
      if (!result.ok) return { ...result, field: `.${field}[${i}]${result.field}` };
      compiled.push(result.matcher);
    }
    headerTests.push(compiled);
  }
  const [retriableHeaders = [], retriableRequestHeaders = []] = headerTests;
  const rateLimited = input.rateLimitedRetryBackOff;
  let rateLimitedBackOff: RetryPolicy['rateLimitedBackOff'];
  if (rateLimited !== undefined) {
    if (rateLimited.resetHeaders.length === 0) return { ok: false, field: '.rateLimitedRetryBackOff.resetHeaders', problem: 'must name at least one header' };
    const badName = rateLimited.resetHeaders.findIndex((header) => header.name.length === 0);
    if (badName !== -1) return { ok: false, field: `.rateLimitedRetryBackOff.resetHeaders[${badName}].name`, problem: 'must not be empty' };
    const maxIntervalMs = rateLimited.maxIntervalMs ?? DEFAULT_RATE_LIMITED_MAX_INTERVAL_MS;
    if (!Number.isFinite(maxIntervalMs) || maxIntervalMs <= 0) return { ok: false, field: '.rateLimitedRetryBackOff.maxIntervalMs', problem: `must be greater than 0, not ${maxIntervalMs}` };
    const resetHeaders = rateLimited.resetHeaders.map((header) => Object.freeze({ name: toAsciiLowerCase(header.name), format: header.format ?? 'SECONDS' }));
    rateLimitedBackOff = Object.freeze({ resetHeaders: Object.freeze(resetHeaders), maxIntervalMs });
  }
  const attempts = input.hostSelectionRetryMaxAttempts ?? 1;
  if (!Number.isInteger(attempts) || attempts < 1) return { ok: false, field: '.hostSelectionRetryMaxAttempts', problem: `must be an integer >= 1, not ${attempts}` };
  return {
    ok: true,
    value: Object.freeze({
      retryOn: Object.freeze(retryOn),
      numRetries,
      perTryTimeoutMs: input.perTryTimeoutMs,
      perTryIdleTimeoutMs: input.perTryIdleTimeoutMs,
      baseIntervalMs,
      maxIntervalMs,
      retriableStatusCodes: Object.freeze([...codes]),
      retriableHeaders: Object.freeze(retriableHeaders),
      retriableRequestHeaders: Object.freeze(retriableRequestHeaders),
      rateLimitedBackOff,
      avoidPreviousHosts: input.avoidPreviousHosts === true,
      hostSelectionRetryMaxAttempts: attempts,
    }),
  };
}

/** A retry policy with Envoy's defaults and no conditions (what a request's x-envoy-retry-on headers start from). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = (() => {
  const compiled = compileRetryPolicy({ retryOn: '' });
  if (!compiled.ok) throw new Error(`the default retry policy does not compile: ${compiled.problem}`);
  return compiled.value;
})();

export function compileHashPolicy(input: HashPolicyInput): Result<HashPolicy> {
  const given = (['header', 'cookie', 'connectionProperties', 'queryParameter'] as const).filter((key) => input[key] !== undefined);
  if (given.length !== 1) {
    return { ok: false, field: '', problem: `exactly one of header, cookie, connectionProperties, queryParameter is required; ${given.length === 0 ? 'none is' : `${given.join(' and ')} are`} set` };
  }
  const terminal = input.terminal === true;
  if (input.header !== undefined) {
    if (input.header.headerName.length === 0) return { ok: false, field: '.header.headerName', problem: 'must not be empty' };
    return { ok: true, value: Object.freeze({ type: 'header', headerName: toAsciiLowerCase(input.header.headerName), terminal }) };
  }
  if (input.cookie !== undefined) {
    const { name, ttlMs, path } = input.cookie;
    if (name.length === 0) return { ok: false, field: '.cookie.name', problem: 'must not be empty' };
    const badTtl = nonNegativeMs(ttlMs, '.cookie.ttlMs');
    if (badTtl !== undefined) return badTtl;
    return { ok: true, value: Object.freeze({ type: 'cookie', name, ttlMs, path, terminal }) };
  }
  if (input.queryParameter !== undefined) {
    if (input.queryParameter.name.length === 0) return { ok: false, field: '.queryParameter.name', problem: 'must not be empty' };
    return { ok: true, value: Object.freeze({ type: 'queryParameter', name: input.queryParameter.name, terminal }) };
  }
  if (input.connectionProperties?.sourceIp !== true) {
    return { ok: false, field: '.connectionProperties.sourceIp', problem: 'must be true; it is the only connection property' };
  }
  return { ok: true, value: Object.freeze({ type: 'sourceIp', terminal }) };
}

function optionalFraction(input: RequestMirrorPolicyInput['runtimeFraction'], field: string): Result<RuntimeFraction | undefined> {
  if (input === undefined) return { ok: true, value: undefined };
  const fraction = compileRuntimeFraction(input);
  return fraction.ok ? { ok: true, value: fraction.fraction } : { ...fraction, field: field + fraction.field };
}

export function compileMirrorPolicy(input: RequestMirrorPolicyInput): Result<RequestMirrorPolicy> {
  if (input.cluster.length === 0) return { ok: false, field: '.cluster', problem: 'must not be empty' };
  const fraction = optionalFraction(input.runtimeFraction, '.runtimeFraction');
  if (!fraction.ok) return fraction;
  return { ok: true, value: Object.freeze({ cluster: input.cluster, fraction: fraction.value, traceSampled: input.traceSampled }) };
}

export function compileCorsPolicy(input: CorsPolicyInput): Result<CorsPolicy> {
  const allowOrigin: StringMatcher[] = [];
  for (const [i, origin] of (input.allowOriginStringMatch ?? []).entries()) {
    const compiled = compileStringMatcher(origin);
    if (!compiled.ok) return { ...compiled, field: `.allowOriginStringMatch[${i}]${compiled.field}` };
    allowOrigin.push(compiled.matcher);
  }
  if (input.maxAge !== undefined && !/^\d+$/.test(input.maxAge)) return { ok: false, field: '.maxAge', problem: `must be a number of seconds, not '${input.maxAge}'` };
  const filterEnabled = optionalFraction(input.filterEnabled, '.filterEnabled');
  if (!filterEnabled.ok) return filterEnabled;
  const shadowEnabled = optionalFraction(input.shadowEnabled, '.shadowEnabled');
  if (!shadowEnabled.ok) return shadowEnabled;
  return {
    ok: true,
    value: Object.freeze({
      allowOrigin: Object.freeze(allowOrigin),
      allowMethods: input.allowMethods,
      allowHeaders: input.allowHeaders,
      exposeHeaders: input.exposeHeaders,
      maxAge: input.maxAge,
      allowCredentials: input.allowCredentials,
      filterEnabled: filterEnabled.value,
      shadowEnabled: shadowEnabled.value,
    }),
  };
}

/** Whether a CORS policy allows `origin` (any of its origin matchers accepts it). */
export function corsOriginAllowed(policy: CorsPolicy, origin: string): boolean {
  return policy.allowOrigin.some((matcher) => matcher.matches(origin));
}
