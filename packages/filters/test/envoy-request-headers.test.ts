import { describe, expect, it } from 'vitest';
import { readRouterOverrides, retryPolicyWith } from '../src/builtin/envoy-request-headers.js';

describe("the x-envoy-* request headers Envoy's router reads", () => {
  it('reads nothing from a request that carries none of them', () => {
    expect(readRouterOverrides({ ':path': '/', 'x-envoy-original-path': '/a' })).toBeUndefined();
  });

  it('reads each header, ignoring values Envoy would ignore', () => {
    expect(
      readRouterOverrides({
        'x-envoy-upstream-rq-timeout-ms': '250',
        'x-envoy-upstream-rq-per-try-timeout-ms': '-5',
        'x-envoy-max-retries': 'three',
        'x-envoy-retry-on': '5xx, unavailable ,connect-failure,nope',
        'x-envoy-retry-grpc-on': 'unavailable,5xx',
        'x-envoy-retriable-status-codes': '409,99,abc, 503',
      }),
    ).toEqual({ timeoutMs: 250, perTryTimeoutMs: undefined, maxRetries: undefined, retryOn: ['5xx', 'connect-failure', 'unavailable'], retriableStatusCodes: [409, 503] });
  });

  it("joins the route's policy, replacing its retry count and per-try timeout", () => {
    const route = {
      retryOn: ['connect-failure'],
      numRetries: 2,
      perTryTimeoutMs: 500,
      perTryIdleTimeoutMs: undefined,
      baseIntervalMs: 10,
      maxIntervalMs: 100,
      retriableStatusCodes: [503],
      retriableHeaders: [],
      retriableRequestHeaders: [],
      rateLimitedBackOff: undefined,
      avoidPreviousHosts: true,
      hostSelectionRetryMaxAttempts: 5,
    };
    const overrides = readRouterOverrides({ 'x-envoy-retry-on': 'connect-failure,retriable-status-codes', 'x-envoy-max-retries': '4', 'x-envoy-retriable-status-codes': '503,504' });
    expect(overrides).toBeDefined();
    if (overrides === undefined) return;
    expect(retryPolicyWith(route, overrides)).toEqual({ ...route, retryOn: ['connect-failure', 'retriable-status-codes'], numRetries: 4, retriableStatusCodes: [503, 504] });
  });

  it("makes a policy of the headers alone, with Envoy's defaults, only when they ask for retries or a per-try timeout", () => {
    const timeoutOnly = readRouterOverrides({ 'x-envoy-upstream-rq-timeout-ms': '100' });
    expect(timeoutOnly && retryPolicyWith(undefined, timeoutOnly)).toBeUndefined();
    const retries = readRouterOverrides({ 'x-envoy-retry-grpc-on': 'cancelled' });
    expect(retries && retryPolicyWith(undefined, retries)).toMatchObject({ retryOn: ['cancelled'], numRetries: 1, baseIntervalMs: 25, maxIntervalMs: 250 });
    const perTry = readRouterOverrides({ 'x-envoy-upstream-rq-per-try-timeout-ms': '80' });
    expect(perTry && retryPolicyWith(undefined, perTry)).toMatchObject({ retryOn: [], perTryTimeoutMs: 80 });
  });
});
