import { describe, expect, it } from 'vitest';
import { RETRY_CONDITIONS, RetryConditions, isGrpcRetryCondition, isRetryCondition } from './retry-conditions.js';
import type { RetryCondition, UpstreamResetReason } from './retry-conditions.js';

const noHeaders = (): undefined => undefined;
const headers =
  (map: Record<string, string>) =>
  (name: string): string | undefined =>
    map[name];

function retried(conditions: RetryCondition[], statuses: number[], codes: number[] = []): number[] {
  const on = new RetryConditions(conditions, codes);
  return statuses.filter((status) => on.retriesResponse(status, noHeaders));
}

const ALL_RESETS: UpstreamResetReason[] = ['connect-failure', 'refused-stream', 'reset', 'timeout', 'overflow'];
function resetsRetried(conditions: RetryCondition[]): UpstreamResetReason[] {
  const on = new RetryConditions(conditions);
  return ALL_RESETS.filter((reason) => on.retriesReset(reason));
}

describe('RetryConditions', () => {
  const statuses = [200, 404, 409, 425, 500, 502, 503, 504, 599];

  it('knows exactly Envoy\'s condition names', () => {
    expect(RETRY_CONDITIONS.every(isRetryCondition)).toBe(true);
    expect(isRetryCondition('5XX')).toBe(false);
    expect(isRetryCondition('retriable-5xx')).toBe(false);
    expect(RETRY_CONDITIONS.filter(isGrpcRetryCondition)).toEqual(['cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable']);
  });

  it('retries responses by status as each condition says', () => {
    expect(retried(['5xx'], statuses)).toEqual([500, 502, 503, 504, 599]);
    expect(retried(['gateway-error'], statuses)).toEqual([502, 503, 504]);
    expect(retried(['retriable-4xx'], statuses)).toEqual([409]);
    expect(retried(['retriable-status-codes'], statuses, [425, 503])).toEqual([425, 503]);
    // The status list alone retries nothing: the condition turns it on.
    expect(retried(['connect-failure'], statuses, [503])).toEqual([]);
    expect(retried(['reset', 'connect-failure', 'refused-stream'], statuses)).toEqual([]);
  });

  it('retries gRPC statuses carried in the response headers', () => {
    const on = new RetryConditions(['unavailable', 'cancelled']);
    expect(on.retriesResponse(200, headers({ 'grpc-status': '14' }))).toBe(true);
    expect(on.retriesResponse(200, headers({ 'grpc-status': '1' }))).toBe(true);
    expect(on.retriesResponse(200, headers({ 'grpc-status': '13' }))).toBe(false);
    expect(on.retriesResponse(200, headers({ 'grpc-status': '0' }))).toBe(false);
    expect(new RetryConditions(['internal', 'resource-exhausted', 'deadline-exceeded']).retriesResponse(200, headers({ 'grpc-status': '8' }))).toBe(true);
  });

  it('retries a response whose headers match one of the retriable headers, under retriable-headers only', () => {
    const upstreamSaysRetry = (read: (name: string) => string | undefined): boolean => read('x-retry-me') === 'yes';
    const on = new RetryConditions(['retriable-headers'], [], [upstreamSaysRetry]);
    expect(on.retriesResponse(200, headers({ 'x-retry-me': 'yes' }))).toBe(true);
    expect(on.retriesResponse(500, headers({ 'x-retry-me': 'no' }))).toBe(false);
    expect(new RetryConditions(['5xx'], [], [upstreamSaysRetry]).retriesResponse(200, headers({ 'x-retry-me': 'yes' }))).toBe(false);
  });

  it('retries a response an upstream Envoy rate-limited only under envoy-ratelimited', () => {
    const limited = headers({ 'x-envoy-ratelimited': 'true' });
    expect(new RetryConditions(['5xx']).retriesResponse(503, limited)).toBe(false);
    expect(new RetryConditions(['envoy-ratelimited']).retriesResponse(429, limited)).toBe(true);
  });

  it('retries attempts that got no response as each condition says, and never an overflow', () => {
    expect(resetsRetried(['5xx'])).toEqual(['connect-failure', 'refused-stream', 'reset', 'timeout']);
    expect(resetsRetried(['gateway-error'])).toEqual(['connect-failure', 'refused-stream', 'reset', 'timeout']);
    expect(resetsRetried(['reset'])).toEqual(['connect-failure', 'refused-stream', 'reset', 'timeout']);
    expect(resetsRetried(['connect-failure'])).toEqual(['connect-failure']);
    expect(resetsRetried(['reset-before-request'])).toEqual(['connect-failure']);
    expect(resetsRetried(['refused-stream'])).toEqual(['refused-stream']);
    expect(resetsRetried(['retriable-4xx', 'retriable-status-codes', 'unavailable'])).toEqual([]);
  });
});
